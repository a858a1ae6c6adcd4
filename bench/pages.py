"""Pages at 100,000 accounts (issue 13 item 5): p50/p99 of the busiest pages at 50 requests/s on PostgreSQL.

    PYTHONPATH=src python bench/pages.py                 # build (first run) or reuse the database, then measure
    BENCH_DATABASE_URL=postgres://…/db python bench/pages.py
    python bench/pages.py --drop                         # measure, then drop the database
    python bench/pages.py --browser                      # the demo's pages in Chromium (bench/page_load.py)

The database (default postgres://postgres@127.0.0.1:5432/tenure_bench_pages, created if missing) is built once and
reused while it holds 100,000 accounts or more. Building: the demo vendor (320 accounts with a year of history,
scored, with signals, tasks, renewals and a churn model, through Tenure's own services: about 5 minutes), then
each demo account's rows are copied 312 times by ``INSERT … SELECT … generate_series`` (about 100,000 accounts with
their contacts, subscriptions and history, tickets, touches, health, signals, play runs, tasks, renewals, surveys
and churn predictions; product-usage rollups for one copy in ten, the last 100 days; weekly health snapshots for
the past two weeks, the whole year for one copy in ten). The copies' named accounts are shared among 100 more CSMs
(about 900 accounts each), as a company of that size would staff them.

Then ``tenure serve --no-jobs --no-migrate --processes BENCH_PROCESSES`` serves the app (default 2 gunicorn
processes, one per core; 1: one waitress process), and each page is driven open-loop at
BENCH_RATE requests/s (default 50) for BENCH_SECONDS (default 20) by keep-alive HTTP clients; a request's time runs
from when it was due to be sent, so a slow server cannot hide its queue. Prints p50, p99, max and the achieved rate
per page, and the target (p99 ≤ 100 ms); the server's log is BENCH_DATA_DIR/server.log. BENCH_SERVER_ENV adds
variables to the server's environment; BENCH_PAGES="My work|API" measures only the pages whose label holds one of
those words (e.g. "TENURE_DB_CONN_MAX_AGE=60" for persistent database connections; by
default Tenure opens one per request).
"""

import http.client
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and "--browser" in sys.argv:  # issue 14: the demo's pages in a real browser
    import runpy

    runpy.run_path(str(Path(__file__).with_name("page_load.py")), run_name="__main__")
    sys.exit()
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tenure_bench_pages"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
DATA_DIR = os.environ.get("BENCH_DATA_DIR") or os.path.join(tempfile.gettempdir(), "tenure-bench-pages")
RATE = float(os.environ.get("BENCH_RATE", 50))
# Web processes: 2 (gunicorn, one per core of the 2-core machine this was tuned on: page rendering is Python time,
# one process uses one core); 1 serves from one waitress process, as the embedded mode does.
PROCESSES = int(os.environ.get("BENCH_PROCESSES", 2))
# Request threads per process: serve's default (2 per process with several) unless BENCH_THREADS says otherwise.
THREADS = int(os.environ.get("BENCH_THREADS", 0))
SECONDS = float(os.environ.get("BENCH_SECONDS", 20))
GIVE_UP = 15  # seconds past the run: requests not sent by then count as missed (an overloaded page)
TARGET_ACCOUNTS = 100_000
COPIES = 312  # 320 demo accounts × (1 + 312) = 100,160
BENCH_CSMS = 100
TARGET_P99_MS = 100

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["TENURE_DATA_DIR"] = DATA_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, str(ROOT / "src"))


def ensure_database() -> None:
    """Create the database if the server does not have it (psycopg, connected to the maintenance database)."""
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(f"dropped database {name}")


ensure_database()
import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from serving import free_port, wait_until_serving  # noqa: E402

from tenure.accounts.models import Account  # noqa: E402
from tenure.users.models import Role, User  # noqa: E402

# ---- building ---------------------------------------------------------------------------------------------------

# The tables copied per demo account, parents before children, with a filter on the copies kept (k = copy number).
USAGE_ROWS = "k % 10 = 0 AND day >= CURRENT_DATE - 100"
CLONED = {
    "accounts_account": "", "accounts_contact": "", "billing_subscription": "", "billing_subscriptionchange": "",
    "support_ticket": "", "engagement_touch": "", "engagement_touch_contacts": "",
    "engagement_onboardingproject": "", "engagement_milestone": "", "engagement_successgoal": "",
    "health_pulse": "", "usage_dailyaccountactivity": USAGE_ROWS, "usage_dailyuseractivity": USAGE_ROWS,
    "usage_dailyuserfeature": USAGE_ROWS, "usage_dailyfeatureusage": USAGE_ROWS,
    "risk_signal": "", "risk_playrun": "", "risk_playrun_signals": "", "risk_task": "",
    "surveys_surveyresponse": "", "surveys_surveyinvitation": "",
    "health_healthsnapshot": "k % 10 = 0 OR day >= CURRENT_DATE - 14", "health_accounthealth": "",
    "predict_churnprediction": "", "renewals_renewal": "", "renewals_opportunity": "",
}
# Values other systems keep unique get the copy's number; names get it too, so copies are told apart.
UNIQUE_TEXT = {
    ("accounts_account", "name"): "name || ' ' || k",
    ("accounts_account", "domain"): "CASE WHEN domain = '' THEN '' ELSE 'c' || k || '.' || domain END",
    ("accounts_account", "crm_id"): "crm_id || '-' || k",
    ("accounts_account", "billing_id"): "billing_id || '-' || k",
    ("accounts_account", "product_group_id"): "product_group_id || '-' || k",
    ("accounts_contact", "email"): "CASE WHEN email = '' THEN '' ELSE replace(email, '@', '+' || k || '@') END",
    ("accounts_contact", "product_user_id"): "product_user_id || '-' || k",
    ("billing_subscription", "external_id"): "external_id || '-' || k",
    ("support_ticket", "external_id"): "external_id || '-' || k",
}


def _models_by_table() -> dict:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def _copy_sql(table: str, model, offsets: dict[str, int], csms: list[int]) -> str:
    """INSERT … SELECT of the copies of every row of ``table``: ids shifted by k × the table's offset, references
    to copied tables shifted the same way, owners of named accounts spread over the bench CSMs."""
    owners = "ARRAY[" + ",".join(map(str, csms)) + "]::bigint[]"
    columns, values = [], []
    for f in model._meta.concrete_fields:
        col = f.column
        columns.append(col)
        target = f.related_model._meta.db_table if f.is_relation else None
        if (table, col) in UNIQUE_TEXT:
            values.append(UNIQUE_TEXT[(table, col)])
        elif table in ("accounts_account", "risk_task") and col == "owner_id":
            account = "id" if table == "accounts_account" else "account_id"
            values.append(f"CASE WHEN owner_id IS NULL THEN NULL "
                          f"ELSE ({owners})[1 + ({account} + k) % {len(csms)}] END")
        elif target in offsets:
            values.append(f"{col} + k * {offsets[target]}")
        elif f.primary_key:
            values.append(f"{col} + k * {offsets[table]}")
        else:
            values.append(col)
    where = CLONED[table]
    return (f'INSERT INTO {table} ({", ".join(columns)}) SELECT {", ".join(values)} FROM {table}, '
            f'generate_series(1, {COPIES}) AS k WHERE {table}.{model._meta.pk.column} < {offsets[table]}'
            + (f" AND ({where})" if where else ""))


def build() -> None:
    from tenure.demo.models import DemoScenario
    from tenure.demo.services import build_demo
    from tenure.users.services import create_user

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    demo_ready = Account.objects.count() == DemoScenario.objects.count() > 0
    if not demo_ready:
        print("building the demo vendor (320 accounts, a year of history) …", flush=True)
        build_demo(reset=True)
        print(f"  demo built in {time.perf_counter() - started:.0f} s", flush=True)
    tables = _models_by_table()
    csms = [(User.objects.filter(username=f"bench-csm-{i:03d}").first()
             or create_user(f"bench-csm-{i:03d}", password=None, role=Role.CSM, first_name="Bench",
                            last_name=f"CSM {i:03d}")).pk for i in range(BENCH_CSMS)]
    with connection.cursor() as cursor:
        offsets = {}
        for table in CLONED:
            pk = tables[table]._meta.pk.column
            cursor.execute(f"SELECT coalesce(max({pk}), 0) + 1 FROM {table}")
            offsets[table] = cursor.fetchone()[0]
        with transaction.atomic():
            for table in CLONED:
                t0 = time.perf_counter()
                cursor.execute(_copy_sql(table, tables[table], offsets, csms))
                print(f"  {table}: {cursor.rowcount:,} rows copied in {time.perf_counter() - t0:.1f} s", flush=True)
            for table in CLONED:
                pk = tables[table]._meta.pk
                if pk.is_relation:
                    continue
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{pk.column}'), "
                               f"(SELECT max({pk.column}) FROM {table}))")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze: {time.perf_counter() - t0:.0f} s")
    print(f"built {Account.objects.count():,} accounts in {time.perf_counter() - started:.0f} s", flush=True)


# ---- serving and driving ----------------------------------------------------------------------------------------


def serve(port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    for pair in os.environ.get("BENCH_SERVER_ENV", "").split():
        key, _, value = pair.partition("=")
        env[key] = value
    with open(os.path.join(DATA_DIR, "server.log"), "a") as log:  # waitress's queue warnings, any traceback
        process = subprocess.Popen([sys.executable, "-m", "tenure", "serve", "--no-jobs", "--no-migrate",
                                    "--port", str(port), "--processes", str(PROCESSES),
                                    *(["--threads", str(THREADS)] if THREADS else [])],
                                   env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    return wait_until_serving(process, port)


def drive(port: int, paths: list[str], headers: dict, rate: float, seconds: float, workers: int = 32) -> dict:
    """Send requests at ``rate`` per second, each due at its own instant (open loop), over keep-alive connections;
    ``paths`` are taken in turn. Latency counts from the instant a request was due; a request not sent GIVE_UP s
    after the run ends is not sent at all, and counts as slower than any answered (the page is overloaded)."""
    n = int(rate * seconds)
    start = time.perf_counter() + 0.5
    due: queue.Queue = queue.Queue()
    for i in range(n):
        due.put((start + i / rate, paths[i % len(paths)]))
    latencies: list[float] = []
    failures: list[str] = []
    finished: list[float] = []
    give_up = start + seconds + GIVE_UP

    def worker():
        conn = None
        while True:
            try:
                at, path = due.get_nowait()
            except queue.Empty:
                break
            wait = at - time.perf_counter()
            if time.perf_counter() > give_up:
                latencies.append(float("inf"))
                continue
            if wait > 0:
                time.sleep(wait)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{type(exc).__name__} {path}")
                conn = None
                continue
            done = time.perf_counter()
            latencies.append(done - at)
            finished.append(done)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    answered = [x for x in ms if x != float("inf")]
    return {
        "n": len(answered), "unsent": len(ms) - len(answered), "failures": failures,
        "p50": statistics.median(ms) if ms else float("nan"),
        "p99": ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan"),
        "max": answered[-1] if answered else float("nan"),
        "rate": len(answered) / (max(finished) - start) if finished else 0.0,
    }


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def pages() -> list[tuple[str, list[str], dict]]:
    from django.db.models import Count

    from tenure.risk.models import Task
    from tenure.users.services import issue_token

    leader = User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
    busiest = (Task.objects.filter(status="open", owner__username__startswith="bench-csm-").values("owner_id")
               .annotate(n=Count("pk")).order_by("-n").first())
    csm = User.objects.get(pk=busiest["owner_id"])
    _, token = issue_token(leader, "bench pages")
    # Account pages of accounts with the most to show (tasks, signals, a year of snapshots, usage), in turn.
    detail_ids = list(Task.objects.filter(status="open", account_id__gt=TARGET_ACCOUNTS // 2)
                      .values_list("account_id", flat=True).distinct().order_by("account_id")[:200])
    as_leader, as_csm = session_cookie(leader), session_cookie(csm)
    return [
        ("accounts list (default: by name)", ["/accounts/"], as_leader),
        ("accounts list, by MRR descending", ["/accounts/?sort=-mrr"], as_leader),
        ("accounts list, a CSM's book by health", [f"/accounts/?owner={csm.pk}&sort=score"], as_leader),
        ("accounts list, enterprise renewing by renewal", ["/accounts/?segment=enterprise&stage=renewing&sort=renewal"],
         as_leader),
        (f"My work, CSM {csm.username}", ["/work/"], as_csm),
        ("My work, leader (everyone's)", ["/work/"], as_leader),
        (f"My work, leader, CSM {csm.username}'s", [f"/work/?owner={csm.pk}"], as_leader),
        ("account page (200 accounts in turn)", [f"/accounts/{pk}/" for pk in detail_ids], as_leader),
        ("API /api/accounts (token)", ["/api/accounts"], {"Authorization": f"Bearer {token}"}),
    ]


def main() -> None:
    drop = "--drop" in sys.argv
    accounts = Account.objects.count() if "accounts_account" in connection.introspection.table_names() else 0
    if accounts < TARGET_ACCOUNTS:
        build()
    else:
        print(f"reusing {DATABASE_URL.rsplit('/', 1)[-1]}: {accounts:,} accounts")
    targets = pages()
    connection.close()
    port = free_port()
    server = serve(port)
    try:
        print(f"\n{RATE:.0f} requests/s for {SECONDS:.0f} s per page, open loop, keep-alive, {PROCESSES} web "
              f"process{'es' if PROCESSES > 1 else ''} × {THREADS or 'default'} threads; "
              f"target p99 ≤ {TARGET_P99_MS} ms; load {os.getloadavg()}")
        print(f"{'page':<52} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}  errors")
        only = os.environ.get("BENCH_PAGES", "")  # e.g. "My work|API": pages whose label contains one of these
        for label, paths, headers in targets:
            if only and not any(word in label for word in only.split("|")):
                continue
            drive(port, paths, headers, rate=10, seconds=1)  # warm the server's caches and connections
            r = drive(port, paths, headers, RATE, SECONDS)
            ok = "ok" if r["p99"] <= TARGET_P99_MS and not r["failures"] else "MISSED"
            note = f"  {r['unsent']} not sent: overloaded" if r["unsent"] else ""
            note += f"  e.g. {r['failures'][0]}" if r["failures"] else ""
            print(f"{label:<52} {r['p50']:8.1f} {r['p99']:8.1f} {r['max']:8.1f} {r['rate']:7.1f}  "
                  f"{len(r['failures'])} {ok}{note}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    if drop:
        drop_database()


if __name__ == "__main__":
    main()
