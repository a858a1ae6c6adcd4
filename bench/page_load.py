"""The CSM's pages in a real browser (issue 14): how long the demo's largest account page and the busiest leader's
My work take to load in headless Chromium, served by ``tenure serve`` on the embedded default (SQLite).

    PYTHONPATH=src python bench/page_load.py          # or: python bench/pages.py --browser
    BENCH_DEMO_DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/page_load.py

The demo database (default: a SQLite file in the temp directory) is built with ``tenure demo --no-serve`` when it
holds no demo yet, else reused. The largest account is the one with the most rows its page shows (contacts,
tickets, touches, tasks, signals); the busiest leader is the leader whose My work lists the most open tasks (a
leader sees everyone's), and the busiest CSM the one with the most open tasks of their own.

Each page is opened in a fresh browser (nothing cached: the first visit of the day) and then three more times in
the same one (cached static files). Printed per page: the server's time to the first byte, DOMContentLoaded, the
load event (the page is complete and usable), when the charts are drawn (plotly loads after the page), the page's
height in pixels and its number of requests; the target is the load event under 1,000 ms.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DEMO_DATABASE_URL") or (
    "sqlite:///" + os.path.join(tempfile.gettempdir(), "tenure-bench-demo.sqlite3"))
TARGET_MS = 1000
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, str(ROOT / "src"))
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "src"))


def ensure_demo() -> None:
    import django

    django.setup()
    from django.db import connection

    from tenure.accounts.models import Account

    if "accounts_account" in connection.introspection.table_names() and Account.objects.exists():
        print(f"reusing the demo in {DATABASE_URL}")
        return
    connection.close()
    print(f"building the demo in {DATABASE_URL} …", flush=True)
    subprocess.run([sys.executable, "-m", "tenure", "demo", "--no-serve"], env=ENV, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def targets() -> list[tuple[str, str, object]]:
    from django.db.models import Count, Q

    from tenure.accounts.models import Account
    from tenure.users.models import Role, User

    largest = (Account.objects.annotate(
        rows=Count("contacts", distinct=True) + Count("tickets", distinct=True) + Count("touches", distinct=True)
        + Count("tasks", distinct=True) + Count("signals", distinct=True))
        .order_by("-rows", "pk").first())
    leaders = User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk")
    leader = leaders.first()
    csm = (User.objects.filter(role=Role.CSM, is_active=True)
           .annotate(n=Count("tasks", filter=Q(tasks__status="open"))).order_by("-n", "pk").first())
    return [
        (f"account page, largest ({largest.name}), as its CSM", f"/accounts/{largest.pk}/", largest.owner or leader),
        (f"account page, largest ({largest.name}), as leader", f"/accounts/{largest.pk}/", leader),
        (f"My work, busiest leader ({leader.username}: everyone's)", "/work/", leader),
        (f"My work, busiest CSM ({csm.username})", "/work/", csm),
        ("accounts list, leader", "/accounts/", leader),
        ("renewals, leader", "/renewals/", leader),
    ]


def session_for(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    import http.client

    process = subprocess.Popen([sys.executable, "-m", "tenure", "serve", "--no-jobs", "--no-migrate",
                                "--port", str(port)], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the server did not start")


def visit(page, url: str) -> dict:
    requests = []

    def note(request):
        requests.append(request.url)

    page.on("request", note)
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {ttfb: n.responseStart - n.requestStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                charts: document.querySelectorAll('[id$=chart], .gauge, .chart').length}; }""")
    drawn = None
    if nav["charts"]:
        page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=30_000)
        drawn = (time.perf_counter() - started) * 1000
    page.remove_listener("request", note)
    return {**nav, "drawn": drawn, "height": page.evaluate("document.documentElement.scrollHeight"),
            "requests": len(requests), "outside": [u for u in requests if urlsplit(u).hostname not in
                                                     ("127.0.0.1", "localhost") and not u.startswith("data:")]}


def main() -> None:
    from playwright.sync_api import sync_playwright

    ensure_demo()
    pages = [(label, path, session_for(user)) for label, path, user in targets()]
    from django.db import connection

    connection.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port)
    try:
        print(f"\nheadless Chromium, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; target: load event "
              f"< {TARGET_MS} ms")
        print(f"{'page':<58} {'visit':<7} {'ttfb':>6} {'DCL':>6} {'load':>6} {'charts':>7} {'height':>7} {'reqs':>5}")
        with sync_playwright() as p:
            for label, path, session in pages:
                rows = []
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                page = context.new_page()
                for i in range(4):
                    rows.append(visit(page, base + path))
                    r = rows[-1]
                    kind = "cold" if i == 0 else "warm"
                    charts = f"{r['drawn']:7.0f}" if r["drawn"] is not None else f"{'—':>7}"
                    if i in (0, 3):
                        print(f"{label[:58]:<58} {kind:<7} {r['ttfb']:6.0f} {r['dcl']:6.0f} {r['load']:6.0f} "
                              f"{charts} {r['height']:7d} {r['requests']:5d}"
                              + (f"  OUTSIDE: {r['outside'][:2]}" if r["outside"] else ""), flush=True)
                browser.close()
                worst = max(r["load"] for r in rows)
                warm = statistics.median(r["load"] for r in rows[1:])
                print(f"{'':<58} {'verdict':<7} cold {rows[0]['load']:.0f} ms, warm median {warm:.0f} ms: "
                      f"{'ok' if worst < TARGET_MS else 'MISSED'}", flush=True)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
