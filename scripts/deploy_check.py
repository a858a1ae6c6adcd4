"""The production layout, run for real on this machine and checked: PostgreSQL, Redis, two web servers and two
workers, with ingest and page traffic through both web servers, one web server and one worker killed with SIGKILL
mid-run. Passes (exit 0) when nothing acknowledged was lost or stored twice, the rollups count every stored usage
event, every account that received usage was refreshed after its last usage, and no surviving server answered
5xx. Run it with `scripts/deploy-check` (tests/core/test_deploy_check.py runs it in the PostgreSQL pass).

The servers run as a production deployment would (README, *Deploying*): TENURE_ENV=production behind a TLS proxy
(the client sends X-Forwarded-Proto: https, as a load balancer does), `tenure migrate` once before the servers
start, `tenure serve --no-jobs` for web, `tenure worker` for jobs and the rollup loop, jobs on Redis.

Everything it makes is its own: a fresh database (dropped at the end), one Redis database number (flushed before
and after; only that one), a temporary data directory, and the processes it starts (killed at the end, and by
the kernel if this script dies first).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("TENURE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("TENURE_DEPLOY_CHECK_REDIS", "redis://127.0.0.1:6379/12")  # this check's own db number
ACCOUNTS, USERS_PER_ACCOUNT = 30, 5
BATCH = 100  # messages per request: the SDKs' default
SENDERS = 4
EVENT_NAMES = ["Logged In", "Report Exported", "Dashboard Viewed", "Invoice Sent", "Search Run", "Comment Added"]
PASSWORD = "deploy-check-" + secrets.token_hex(8)
USERNAME = "deploycheck"


class CheckFailed(Exception):
    pass


# ---- processes ------------------------------------------------------------------------------------------------

def _die_with_parent() -> None:
    # Linux: a child gets SIGKILL when this script dies, however it dies, so no server outlives a killed run.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class Proc:
    name: str
    args: list[str]
    log: Path
    popen: subprocess.Popen | None = None
    killed: bool = False

    def start(self, env: dict) -> Proc:
        out = self.log.open("ab")
        self.popen = subprocess.Popen([sys.executable, "-m", "tenure", *self.args], env=env, cwd=ROOT,
                                      stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        out.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        self.killed = True

    def stop(self) -> None:
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(f"  {self.name}| {line}" for line in text.splitlines()[-lines:])


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a gunicorn arbiter's web processes)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def tenure(env: dict, *args: str, extra_env: dict | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "tenure", *args], env={**env, **(extra_env or {})}, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise CheckFailed(f"`tenure {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the client: what an SDK and a browser do -------------------------------------------------------------------

PROXY = {"X-Forwarded-Proto": "https"}  # the load balancer terminates TLS


@dataclass
class Server:
    name: str
    port: int
    proc: Proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Tally:
    """What the clients saw, per server: statuses, refused connections, and the message ids acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (server, status)
    errors: Counter = field(default_factory=Counter)  # (server, kind of error)
    server_errors: list = field(default_factory=list)  # (seconds into traffic, server, status, path)
    acked: set = field(default_factory=set)
    retries: int = 0
    given_up: int = 0
    pages: int = 0

    def saw(self, server: Server, status: int, path: str, t0: float) -> None:
        with self.lock:
            self.statuses[(server.name, status)] += 1
            if status >= 500:
                self.server_errors.append((round(time.monotonic() - t0, 1), server.name, status, path))

    def failed(self, server: Server, exc: Exception) -> None:
        with self.lock:
            self.errors[(server.name, type(exc).__name__)] += 1


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def track(user: str, rng: random.Random) -> dict:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user, "event": rng.choice(EVENT_NAMES),
            "properties": {"plan": "growth", "n": rng.randint(1, 100)}, "timestamp": _now()}


def send_batch(servers: list[Server], first: int, key: str, messages: list[dict], tally: Tally, t0: float,
               sessions: dict, attempts: int = 12) -> bool:
    """POST one batch as the SDKs do: on a refused connection, a timeout or a 5xx, the same batch (same message
    ids) again after a pause, here to the next server as a load balancer would. True once acknowledged."""
    import requests

    body = json.dumps({"batch": messages, "sentAt": _now()})
    headers = {**PROXY, "Content-Type": "application/json"}
    for attempt in range(attempts):
        server = servers[(first + attempt) % len(servers)]
        http = sessions.setdefault(server.name, requests.Session())
        try:
            r = http.post(f"{server.url}/v1/batch", data=body, headers=headers, auth=(key, ""), timeout=30)
        except requests.RequestException as exc:
            tally.failed(server, exc)
            sessions.pop(server.name).close()
        else:
            tally.saw(server, r.status_code, "/v1/batch", t0)
            if r.status_code == 200:
                answer = r.json()
                if answer.get("rejected") or answer["accepted"] + answer["duplicates"] != len(messages):
                    raise CheckFailed(f"a valid batch was not taken whole: {answer}")
                with tally.lock:
                    tally.acked.update(m["messageId"] for m in messages)
                return True
            if r.status_code < 500 and r.status_code != 429:
                raise CheckFailed(f"/v1/batch answered {r.status_code}: {r.text[:300]}")
        with tally.lock:
            tally.retries += 1
        time.sleep(min(0.2 * 2 ** attempt, 2.0))
    with tally.lock:
        tally.given_up += 1
    return False


def sender(servers, index: int, key: str, users: list[str], stop: threading.Event, tally: Tally, t0: float):
    rng = random.Random(index)
    sessions: dict = {}
    for n in itertools.count():
        if stop.is_set():
            return
        # Every account gets usage all through the run, so each one's last usage comes after the kills.
        send_batch(servers, index + n, key, [track(rng.choice(users), rng) for _ in range(BATCH)], tally, t0,
                   sessions)


def sign_in(server: Server) -> str:
    """The session cookie of a browser sign-in (one login serves every web server: sessions are in the database).
    Cookies are Secure in production, so they are carried by hand over this plain-HTTP loopback."""
    import requests

    page = requests.get(f"{server.url}/login/", headers=PROXY, timeout=30)
    token = page.cookies["csrftoken"]
    r = requests.post(
        f"{server.url}/login/", data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={**PROXY, "Cookie": f"csrftoken={token}", "Origin": f"https://127.0.0.1:{server.port}"},
        allow_redirects=False, timeout=30)
    if r.status_code != 302 or "sessionid" not in r.cookies:
        raise CheckFailed(f"sign-in on {server.name} answered {r.status_code}: {r.text[:300]}")
    return r.cookies["sessionid"]


def browser(servers, session_id: str, account_ids: list[int], stop: threading.Event, tally: Tally, t0: float):
    """A CSM reading pages, alternating servers; a server that does not answer is skipped, as a load balancer
    would, but every answer counts."""
    import requests

    rng = random.Random(99)
    http = {s.name: requests.Session() for s in servers}
    headers = {**PROXY, "Cookie": f"sessionid={session_id}"}
    for n in itertools.count():
        if stop.is_set():
            return
        server = servers[n % len(servers)]
        path = "/accounts/" if n % 3 == 0 else f"/accounts/{rng.choice(account_ids)}/"
        try:
            r = http[server.name].get(server.url + path, headers=headers, allow_redirects=False, timeout=30)
        except requests.RequestException as exc:
            tally.failed(server, exc)
            http[server.name] = requests.Session()
            time.sleep(0.2)
            continue
        tally.saw(server, r.status_code, path, t0)
        if r.status_code == 200:
            with tally.lock:
                tally.pages += 1
        elif r.status_code < 500:
            raise CheckFailed(f"{path} on {server.name} answered {r.status_code} to a signed-in user")
        time.sleep(0.05)


def wait_ready(server: Server, timeout: float = 90) -> None:
    """Until /healthz answers 200 over plain HTTP, as a load balancer's health check asks it."""
    import requests

    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not server.proc.alive():
            raise CheckFailed(f"{server.name} exited before it was ready:\n{server.proc.tail()}")
        try:
            r = requests.get(f"{server.url}/healthz", timeout=5, allow_redirects=False)
            if r.status_code == 200:
                return
            if r.status_code != 503:  # only "not ready yet" is worth waiting for
                raise CheckFailed(f"{server.name} /healthz answered {r.status_code}: {r.text[:200]}")
            last = f"{r.status_code} {r.text[:200]}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise CheckFailed(f"{server.name} /healthz did not answer 200 in {timeout:.0f} s (last: {last})")


# ---- the checks, on the database itself ------------------------------------------------------------------------

def stored_once(acked: set[str]) -> list[str]:
    from django.db.models import Count

    from tenure.usage.models import Event

    problems = []
    ids = sorted(acked)
    found = 0
    for i in range(0, len(ids), 5000):
        found += Event.objects.filter(message_id__in=ids[i : i + 5000]).values("message_id").distinct().count()
    if found != len(ids):
        problems.append(f"{len(ids) - found} of {len(ids)} acknowledged messages are not in the event log")
    twice = Event.objects.values("message_id").annotate(n=Count("id")).filter(n__gt=1).count()
    if twice:
        problems.append(f"{twice} message ids are stored more than once")
    return problems


def rollup_gap() -> tuple[int, int, int]:
    """(usage events stored for accounts, events counted by the account rollups, by the feature rollups)."""
    from django.db.models import Sum

    from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event
    from tenure.usage.services import USAGE_TYPES

    stored = Event.objects.filter(type__in=USAGE_TYPES, account_id__isnull=False, backfill_id__isnull=True).count()
    per_account = DailyAccountActivity.objects.aggregate(n=Sum("events"))["n"] or 0
    per_feature = DailyFeatureUsage.objects.aggregate(n=Sum("count"))["n"] or 0
    return stored, per_account, per_feature


def unrefreshed() -> tuple[dict[int, dt.datetime], list[int], list[int]]:
    """The accounts with usage and when their usage was last counted; those not in a refresh batch queued after
    that and finished; those with a subscription whose health score was not computed after it."""
    from django.db.models import Max

    from tenure.changes.models import RefreshBatch
    from tenure.health.models import AccountHealth
    from tenure.usage.models import DailyAccountActivity

    last_usage = dict(DailyAccountActivity.objects.values("account_id").annotate(t=Max("updated_at"))
                      .values_list("account_id", "t"))
    refreshed: dict[int, dt.datetime] = {}
    for queued_at, ids in RefreshBatch.objects.filter(done_at__isnull=False).values_list("queued_at", "account_ids"):
        for a in ids:
            refreshed[a] = max(refreshed.get(a, queued_at), queued_at)
    not_refreshed = sorted(a for a, t in last_usage.items() if refreshed.get(a) is None or refreshed[a] < t)
    scored = dict(AccountHealth.objects.filter(account_id__in=last_usage).values_list("account_id", "updated_at"))
    not_scored = sorted(a for a, t in last_usage.items() if scored.get(a) is None or scored[a] < t)
    return last_usage, not_refreshed, not_scored


def wait_until(what, done, timeout: float) -> tuple[bool, float]:
    t0 = time.monotonic()
    while True:
        value = what()
        if done(value):
            return True, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return False, time.monotonic() - t0
        time.sleep(1)


# ---- the run ---------------------------------------------------------------------------------------------------

def seed(account_count: int) -> list[str]:
    """Accounts with a live subscription each, as billing data would bring them; their product group ids."""
    from tenure.accounts.services import create_account
    from tenure.billing.services import create_subscription

    today = dt.date.today()
    groups = []
    for i in range(account_count):
        group = f"deploy-{i:03d}"
        account = create_account(name=f"Deploy Check {i}", domain=f"deploy{i}.example", product_group_id=group)
        create_subscription(account=account, plan="Growth", seats=10, mrr=500, start_date=today - dt.timedelta(200),
                            end_date=today + dt.timedelta(165))
        groups.append(group)
    return groups


def identities(groups: list[str]) -> tuple[list[dict], list[str]]:
    """group and identify calls that tie each product user to an account, and the user ids."""
    messages, users = [], []
    for group in groups:
        for j in range(USERS_PER_ACCOUNT):
            user = f"{group}-user-{j}"
            users.append(user)
            messages.append({"type": "group", "messageId": str(uuid.uuid4()), "userId": user, "groupId": group,
                             "traits": {"industry": "Software"}, "timestamp": _now()})
            messages.append({"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
                             "traits": {"email": f"{user}@example.com", "name": user}, "timestamp": _now()})
    return messages, users


def run(args) -> list[str]:
    import psycopg
    import redis

    started = time.monotonic()
    database = f"deploy_check_{int(time.time())}_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="tenure-deploy-check-"))
    queue = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    queue.ping()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"{POSTGRES}/{database}", TENURE_QUEUE_URL=REDIS, TENURE_DATA_DIR=str(workdir),
        TENURE_ENV="production", TENURE_SECRET_KEY=secrets.token_urlsafe(40), TENURE_BEHIND_TLS_PROXY="true",
        TENURE_ALLOWED_HOSTS="127.0.0.1,localhost", TENURE_WORKERS="2", TENURE_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    )
    # Both ways `tenure serve` serves: one process (waitress), and several (gunicorn, which replaces a dead one).
    web = []
    for name, processes in (("web1", 1), ("web2", 2)):
        port = free_port()
        args_ = ["serve", "--processes", str(processes), "--no-jobs", "--no-migrate", "--port", str(port)]
        web.append(Server(name, port, Proc(name, args_, workdir / f"{name}.log")))
    workers = [Proc(f"worker{i}", ["worker"], workdir / f"worker{i}.log") for i in (1, 2)]
    procs = [s.proc for s in web] + workers
    problems: list[str] = []
    passed = False
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        queue.flushdb()
        # Deploy: migrate once, before any server starts; then the users and keys an operator would make.
        tenure(env, "migrate", "--noinput")
        tenure(env, "createsuperuser", "--noinput", extra_env={
            "DJANGO_SUPERUSER_USERNAME": USERNAME, "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "DJANGO_SUPERUSER_EMAIL": "deploy-check@example.com"})
        key = tenure(env, "writekey", "create", "deploy check").strip()
        os.environ.update(env)  # this process reads the same database for seeding and checking
        os.environ["DJANGO_SETTINGS_MODULE"] = "tenure.settings"
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        from django.db import connections

        groups = seed(args.accounts)
        connections.close_all()
        for p in procs:
            p.start(env)
        for s in web:
            wait_ready(s)
        setup_seconds = time.monotonic() - started

        tally = Tally()
        t0 = time.monotonic()
        messages, users = identities(groups)
        for i in range(0, len(messages), BATCH):
            if not send_batch(web, i // BATCH, key, messages[i : i + BATCH], tally, t0, {}):
                raise CheckFailed(f"the identity batches were never acknowledged: answers {dict(tally.statuses)}, "
                                  f"failed connections {dict(tally.errors)}")
        from tenure.accounts.models import Account

        account_ids = list(Account.objects.filter(product_group_id__in=groups).values_list("pk", flat=True))
        connections.close_all()
        session_id = sign_in(web[0])
        stop = threading.Event()
        errors: list[BaseException] = []

        def guarded(target, *a):
            try:
                target(*a)
            except BaseException as exc:  # reported below; the other threads stop
                errors.append(exc)
                stop.set()

        threads = [threading.Thread(target=guarded, args=(sender, web, i, key, users, stop, tally, t0), daemon=True)
                   for i in range(SENDERS)]
        threads.append(threading.Thread(target=guarded, daemon=True,
                                        args=(browser, web, session_id, account_ids, stop, tally, t0)))
        for t in threads:
            t.start()

        # Mid-run, with SIGKILL: one of web2's gunicorn processes (gunicorn starts another), the whole of web1
        # (restarted 3 s later, as systemd's Restart= would) and worker1 (left dead: worker2 must carry the jobs and
        # the rollups alone).
        seconds = args.seconds
        gunicorn_children = children(web[1].proc.popen.pid)
        timeline = []
        for at, what in [(0.2, "kill a web2 process"), (0.4, "kill web1"), (0.4, "restart web1"),
                         (0.6, "kill worker1")]:
            at = at * seconds + (3 if what.startswith("restart") else 0)
            if stop.wait(max(0.0, at - (time.monotonic() - t0))):
                break
            if what == "kill a web2 process":
                os.kill(gunicorn_children[0], signal.SIGKILL)
            elif what == "kill web1":
                web[0].proc.kill()
            elif what == "restart web1":
                web[0].proc.start(env)
            else:
                workers[0].kill()
            timeline.append(f"{what} at {time.monotonic() - t0:.0f} s")
        stop.wait(max(0.0, seconds - (time.monotonic() - t0)))
        stop.set()
        for t in threads:
            t.join(60)
        traffic_seconds = time.monotonic() - t0
        if errors:
            raise errors[0]
        # The restarted server is back (a load balancer puts it in rotation once /healthz says so); both are ready.
        for s in web:
            wait_ready(s)

        # The checks.
        problems += stored_once(tally.acked)
        if tally.given_up:
            problems.append(f"{tally.given_up} batches were never acknowledged, by either server")
        if tally.server_errors:
            problems.append(f"{len(tally.server_errors)} answers were 5xx (seconds in, server, status, path): "
                            f"{tally.server_errors[:5]}")
        if len(timeline) < 4:
            problems.append(f"the run stopped before all its kills: {timeline}")
        now_children = children(web[1].proc.popen.pid)
        if len(now_children) != 2 or gunicorn_children[0] in now_children:
            problems.append(f"web2's gunicorn did not replace its killed process: {gunicorn_children} before, "
                            f"{now_children} after")
        if not workers[1].alive():
            problems.append(f"the surviving worker exited:\n{workers[1].tail()}")
        for s in web:
            if not s.proc.alive():
                problems.append(f"{s.name} exited:\n{s.proc.tail()}")

        ok, rollup_seconds = wait_until(rollup_gap, lambda g: g[0] == g[1] == g[2], args.rollup_timeout)
        stored, per_account, per_feature = rollup_gap()
        if not ok:
            problems.append(f"after {rollup_seconds:.0f} s the rollups count {per_account} (accounts) and "
                            f"{per_feature} (features) of {stored} stored usage events")
        ok, refresh_seconds = wait_until(unrefreshed, lambda r: not r[1] and not r[2], args.refresh_timeout)
        with_usage, not_refreshed, not_scored = unrefreshed()
        if not ok:
            if not_refreshed:
                problems.append(f"{len(not_refreshed)} of {len(with_usage)} accounts with usage were not refreshed "
                                f"after their last usage within {args.refresh_timeout:.0f} s: {not_refreshed[:10]}")
            if not_scored:
                problems.append(f"{len(not_scored)} of {len(with_usage)} accounts with usage have no health score "
                                f"computed after their last usage: {not_scored[:10]}")
        if len(with_usage) != len(account_ids):
            problems.append(f"usage reached {len(with_usage)} of {len(account_ids)} accounts")
        from tenure.changes.models import RefreshBatch

        held = RefreshBatch.objects.filter(done_at__isnull=True, claimed_at__isnull=False).count()
        connections.close_all()

        by_server = {s.name: {str(code): n for (name, code), n in sorted(tally.statuses.items()) if name == s.name}
                     for s in web}
        refused = {f"{name} {kind}": n for (name, kind), n in sorted(tally.errors.items())}
        print(f"deploy check: PostgreSQL {database}, Redis {REDIS}, web1 (1 process), web2 (2 processes), 2 workers "
              f"(setup {setup_seconds:.0f} s)")
        print(f"  traffic {traffic_seconds:.0f} s: {len(tally.acked)} messages acknowledged "
              f"({len(tally.acked) / traffic_seconds:.0f}/s), {tally.pages} pages; {tally.retries} retried requests")
        print(f"  with SIGKILL: {', '.join(timeline)}")
        print(f"  answers by server: {by_server}; failed connections: {refused or 'none'}")
        print(f"  rollups: {per_account} of {stored} usage events counted, {rollup_seconds:.0f} s after the traffic")
        print(f"  refresh: {len(with_usage) - len(not_refreshed)} of {len(with_usage)} accounts with usage "
              f"refreshed after their last usage, {refresh_seconds:.0f} s after the rollups; batches claimed and not "
              f"done: {held} (a killed worker's are queued again after 10 minutes)")
        print(f"  total {time.monotonic() - started:.0f} s")
        passed = not problems
        return problems
    except BaseException:
        for p in procs:
            if p.popen is not None:
                print(p.tail(), file=sys.stderr)
        raise
    finally:
        for p in procs:
            p.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with contextlib.suppress(Exception):
            queue.flushdb()
        try:
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        except Exception as exc:
            print(f"could not drop database {database}: {exc}", file=sys.stderr)
        if not passed and args.keep_logs:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=25, help="traffic duration (default 25)")
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--rollup-timeout", type=float, default=60)
    parser.add_argument("--refresh-timeout", type=float, default=90,
                        help="the refresh runs at each minute's turn: wait past the next one (default 90 s)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs when a check fails")
    args = parser.parse_args()
    host = urlsplit(REDIS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on SIGTERM as on Ctrl-C
    try:
        problems = run(args)
    except CheckFailed as exc:
        problems = [str(exc)]
    except Exception as exc:
        if type(exc).__module__.startswith(("psycopg", "redis")):
            print(f"deploy check could not start: PostgreSQL at {POSTGRES} and Redis at {host.netloc} must answer "
                  f"({type(exc).__name__}: {exc})", file=sys.stderr)
            return 2
        raise
    for p in problems:
        print(f"FAILED: {p}", file=sys.stderr)
    if not problems:
        print("deploy check passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
