"""Event ingest through the real endpoint, against the database's own ceiling measured in the same run.

For each configuration: a fresh database, `tenure serve --processes P` (its rollup loop running), 2,000 users
grouped into 200 accounts, then BENCH_EVENTS Segment track messages (200,000 by default) POSTed to /v1/batch by
S senders over keep-alive connections. Prints events/s, the share of the ceiling, and how long an event takes to
show in its account's usage (p50/p95 of probe events sent during the load, polled in the rollups).

Ceilings: PostgreSQL, one COPY of the same number of rows into a table shaped like the event log; SQLite, one
transaction of executemany into such a table.

    .venv/bin/python bench/ingest_http.py                  # SQLite, then PostgreSQL if one answers
    BENCH_ONLY=postgres BENCH_EVENTS=100000 .venv/bin/python bench/ingest_http.py

The senders send pre-encoded bodies with http.client (threads: they wait on the network, not the CPU), so the
figure is the server's, not a client library's. The real SDKs are exercised by tests/usage/test_real_sdks.py.
"""

import base64
import datetime as dt
import http.client
import json
import math
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER = os.environ.get("TENURE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
EVENTS = int(os.environ.get("BENCH_EVENTS", "200000"))
ACCOUNTS, USERS = 200, 2000
NAMES = ["Logged In", "Dashboard Viewed", "Report Exported", "Alert Created", "Invite Sent", "Search Run"]

# (database, batch size, senders, web processes)
CONFIGS = [(c[0], int(c[1]), int(c[2]), int(c[3])) for c in
           (x.split(":") for x in os.environ["BENCH_CONFIGS"].split(","))] if os.environ.get("BENCH_CONFIGS") else [
    ("sqlite", 100, 4, 1),
    ("sqlite", 100, 4, 2),
    ("postgres", 100, 1, 1),
    ("postgres", 100, 4, 1),
    ("postgres", 100, 4, 2),
    ("postgres", 100, 4, 4),
    ("postgres", 1000, 4, 2),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_up() -> bool:
    import psycopg

    try:
        psycopg.connect(SERVER + "/postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


class Database:
    """A fresh database for one configuration, and a way to query it from the bench."""

    def __init__(self, kind: str):
        self.kind = kind
        self.data_dir = tempfile.mkdtemp(prefix="tenure-bench-http-")
        self.env = {**os.environ, "TENURE_DATA_DIR": self.data_dir, "PYTHONPATH": str(ROOT / "src"),
                    "TENURE_LOG_LEVEL": "ERROR"}
        self.env.pop("DATABASE_URL", None)
        if kind == "postgres":
            import psycopg

            self.name = f"tenure_bench_http_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(SERVER + "/postgres", autocommit=True) as c:
                c.execute(f"CREATE DATABASE {self.name}")
            self.env["DATABASE_URL"] = f"{SERVER}/{self.name}"
            self.env["TENURE_DB_CONN_MAX_AGE"] = "600"
        subprocess.run([PYTHON, "-m", "tenure", "migrate", "-v", "0"], env=self.env, check=True, cwd=ROOT)
        out = subprocess.run([PYTHON, "-m", "tenure", "writekey", "create", "bench"], env=self.env, check=True,
                             cwd=ROOT, capture_output=True, text=True)
        self.write_key = out.stdout.strip()

    def connect(self):
        if self.kind == "postgres":
            import psycopg

            return psycopg.connect(self.env["DATABASE_URL"], autocommit=True)
        return sqlite3.connect(Path(self.data_dir) / "tenure.sqlite3", isolation_level=None, timeout=30)

    def scalar(self, conn, sql: str, params=()):
        if self.kind == "sqlite":
            sql = sql.replace("%s", "?")
        return conn.execute(sql, params).fetchone()[0]

    def ceiling(self, rows: list[tuple]) -> float:
        """Rows per second the database takes in its fastest bulk form, into a table shaped like the event log."""
        conn = self.connect()
        cols = "message_id, type, event, user_id, anonymous_id, account_id, timestamp, received_at, payload"
        if self.kind == "postgres":
            conn.execute("CREATE TABLE ceiling_events (LIKE usage_event INCLUDING ALL)")
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY ceiling_events ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            schema = self.scalar(conn, "SELECT sql FROM sqlite_master WHERE name = 'usage_event'")
            conn.execute(schema.replace('"usage_event"', "ceiling_events", 1))
            t0 = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO ceiling_events ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [(*r[:6], r[6].isoformat(" "), r[7].isoformat(" "), r[8]) for r in rows])
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        conn.close()
        return len(rows) / elapsed

    def drop(self):
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(SERVER + "/postgres", autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Server:
    def __init__(self, db: Database, processes: int):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tenure", "serve", "--no-migrate", "--port", str(self.port), "--processes",
             str(processes)],
            env=db.env, cwd=ROOT, stdout=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health/")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("tenure serve did not answer in 60 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def bodies(batch: int, start_day: dt.datetime) -> list[bytes]:
    out = []
    for b in range(0, EVENTS, batch):
        msgs = []
        for i in range(b, min(b + batch, EVENTS)):
            ts = start_day + dt.timedelta(seconds=(i * 37) % 86_000)
            msgs.append({"type": "track", "messageId": f"e{i}", "userId": f"user{(i * 7919) % USERS}",
                         "event": NAMES[i % len(NAMES)], "timestamp": ts.isoformat(), "properties": {"n": i}})
        out.append(json.dumps({"batch": msgs, "sentAt": dt.datetime.now(dt.UTC).isoformat()}).encode())
    return out


def post(conn: http.client.HTTPConnection, auth: str, body: bytes) -> dict:
    conn.request("POST", "/v1/batch", body, {"Authorization": auth, "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
    return json.loads(data)


def run(kind: str, batch: int, senders: int, processes: int) -> dict:
    db = Database(kind)
    server = Server(db, processes)
    auth = "Basic " + base64.b64encode(f"{db.write_key}:".encode()).decode()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        groups = [{"type": "group", "messageId": f"g{u}", "userId": f"user{u}", "groupId": f"acct{u % ACCOUNTS}",
                   "traits": {"name": f"Account {u % ACCOUNTS}"}} for u in range(USERS)]
        for i in range(0, USERS, 100):
            post(conn, auth, json.dumps({"batch": groups[i : i + 100]}).encode())
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        work = bodies(batch, today)
        accepted, errors, lock = [0], [], threading.Lock()

        def sender(share: list[bytes]):
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            for body in share:
                try:
                    n = post(c, auth, body)["accepted"]
                except Exception as e:
                    errors.append(repr(e))
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                    continue
                with lock:
                    accepted[0] += n

        latencies: list[float] = []
        done = threading.Event()

        def probe():
            # One event at a time under the load: the time from its 200 to its count in the account's rollups.
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            q = db.connect()
            k = 0
            while not done.is_set():
                name = f"probe {k}"
                k += 1
                post(c, auth, json.dumps({"batch": [{"type": "track", "messageId": f"probe-{k}", "userId": "user1",
                                                     "event": name}]}).encode())
                acked = time.perf_counter()
                while not done.is_set() or time.perf_counter() - acked < 30:
                    if db.scalar(q, "SELECT COUNT(*) FROM usage_dailyfeatureusage WHERE event = %s", (name,)):
                        latencies.append(time.perf_counter() - acked)
                        break
                    time.sleep(0.05)
                done.wait(0.5)
            q.close()

        threads = [threading.Thread(target=sender, args=(work[s::senders],)) for s in range(senders)]
        prober = threading.Thread(target=probe)
        t0 = time.perf_counter()
        prober.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        done.set()
        prober.join()
        check = db.connect()
        stored = db.scalar(check, "SELECT COUNT(*) FROM usage_event WHERE type = 'track' AND message_id LIKE 'e%%'"
                           if kind == "postgres" else
                           "SELECT COUNT(*) FROM usage_event WHERE type = 'track' AND message_id LIKE 'e%'")
        # Wait for the rollups to count everything, then check they did.
        deadline = time.time() + 120
        while time.time() < deadline:
            counted = db.scalar(check, "SELECT COALESCE(SUM(count), 0) FROM usage_dailyfeatureusage "
                                       "WHERE event NOT LIKE 'probe%%'" if kind == "postgres" else
                                "SELECT COALESCE(SUM(count), 0) FROM usage_dailyfeatureusage "
                                "WHERE event NOT LIKE 'probe%'")
            if counted >= stored:
                break
            time.sleep(0.5)
        check.close()
        rows = [(f"c{i}", "track", NAMES[i % 6], f"user{i % USERS}", "", 1, today, today,
                 json.dumps({"type": "track", "event": NAMES[i % 6], "properties": {"n": i}})) for i in range(EVENTS)]
        ceiling = db.ceiling(rows)
        latencies.sort()
        return {
            "kind": kind, "batch": batch, "senders": senders, "processes": processes,
            "rate": accepted[0] / elapsed, "accepted": accepted[0], "stored": stored, "counted": counted,
            "errors": len(errors), "first_error": errors[0] if errors else "", "ceiling": ceiling,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else float("nan"),
            "probes": len(latencies),
        }
    finally:
        server.stop()
        db.drop()


def main() -> None:
    only = os.environ.get("BENCH_ONLY", "")
    have_postgres = postgres_up()
    print(f"{EVENTS:,} track messages per run; 2 cores shared by the senders, the server and the database\n")
    print(f"{'database':<9} {'batch':>5} {'senders':>7} {'procs':>5} {'events/s':>9} {'ceiling/s':>10} {'share':>6} "
          f"{'visible p50':>11} {'p95':>6}  check")
    for kind, batch, senders, processes in CONFIGS:
        if (only and kind != only) or (kind == "postgres" and not have_postgres):
            continue
        r = run(kind, batch, senders, processes)
        ok = "ok" if r["accepted"] == r["stored"] == r["counted"] == EVENTS and not r["errors"] else (
            f"accepted {r['accepted']}, stored {r['stored']}, counted {r['counted']}, {r['errors']} errors "
            f"{r['first_error']}")
        print(f"{kind:<9} {batch:>5} {senders:>7} {processes:>5} {r['rate']:>9,.0f} {r['ceiling']:>10,.0f} "
              f"{r['rate'] / r['ceiling']:>6.1%} {r['p50']:>10.2f}s {r['p95']:>5.2f}s  {ok} "
              f"({r['probes']} probes)", flush=True)


if __name__ == "__main__":
    main()
