"""Refresh speed, in one run on this machine (issue 10, item 6):

1. Re-scoring plus signals for BENCH_ACCOUNTS accounts (default 10,000), the baseline against now, side by side
   on the same seeded data. The script re-runs itself in subprocesses: "baseline" imports a temporary
   ``git worktree`` of BASELINE (before facts were loaded once per batch; removed at the end), "now" imports
   this checkout's ``src``. Each migrates its own fresh temporary SQLite database with its own migrations and
   builds the same data set (same seed, only model fields both versions have, so the same rows and ids), then
   runs twice (the first run opens signals and tasks, the second refreshes them):
   - baseline: ``health.services.score_all`` + ``risk.services.detect_signals`` over all accounts (what
     ``bench/scoring.py`` + ``bench/signals.py`` measured), each loading its own facts;
   - now, health + risk: per batch of 200, ``load_facts`` once, ``score_accounts(..., facts)``,
     ``detect_signals(..., facts=facts)``;
   - now, the whole ``pipeline.refresh`` per batch of 200 (assignment, onboarding, facts, health, renewals,
     risk), from the same freshly built database (a copy taken after the build).
   Target: now at least 2x faster than baseline scoring + signals together.
2. A refresh of 100 changed accounts among BENCH_BIG_ACCOUNTS (default 100,000): lighter data per account
   (subscription and its history, sponsor, champion, a touch, some tickets and usage), its rows dated an hour
   back and claimed by the change tracker as handled; then 100 accounts change through the rooms' services (a
   touch each, a ticket for a third, a seat change for another third) and ``pipeline.refresh_now`` claims and
   refreshes them in this process. Done twice (two different sets of 100). Target: under 2 s. Prints the
   slowest SQL statements of the refresh, to see where time goes.

BENCH_ACCOUNTS / BENCH_BIG_ACCOUNTS change the sizes (0 skips a part). SQLite only (the side-by-side needs a
database per version). Expect noise on a shared machine: run it when nothing else is.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

BASELINE = "17f1a72"  # before facts were loaded once per batch: health and risk each loaded their own
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
BIG_ACCOUNTS = int(os.environ.get("BENCH_BIG_ACCOUNTS", 100_000))
CHANGED = 100
BATCH = 200
DAY = dt.timedelta(days=1)
KEY = ["Dashboard Viewed", "Report Exported", "Alert Created", "Integration Connected", "Teammate Invited"]
TEXTS = ["Weekly check-in, all fine.", "Discussed the roadmap.", "They are evaluating Retainly for next year.",
         "Finance says it is too expensive.", "QBR went well; expansion possible."]


# ---- the parent: run the versions side by side and print the figures ---------------------------------------


def child(role: str, src: str, today: dt.date, inputs: str = "") -> dict:
    """Run this script as ``role`` with ``src`` first on the path; echo its lines; return its result."""
    env = {**os.environ, "PYTHONPATH": src, "BENCH_TODAY": today.isoformat(), "BENCH_INPUTS": inputs,
           "DJANGO_SETTINGS_MODULE": "tenure.settings"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-u", __file__, "--child", role], env=env, stdout=subprocess.PIPE,
                            text=True)
    result = {}
    for line in proc.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:
            print(f"  [{role}] {line}", end="", flush=True)
    if proc.wait():
        raise SystemExit(f"{role} failed with exit code {proc.returncode}")
    return result


def parent() -> None:
    started = time.perf_counter()
    today = dt.date.today()
    if ACCOUNTS:
        tmp = tempfile.mkdtemp(prefix="tenure-bench-baseline-")
        checkout = os.path.join(tmp, "tenure")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "--quiet", checkout, BASELINE], check=True)
        inputs = os.path.join(tmp, "inputs.sqlite3")  # the baseline's database as built, before any run
        try:
            base = child("baseline", os.path.join(checkout, "src"), today, inputs)
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", checkout], check=False)
            now = child("now", os.path.join(ROOT, "src"), today, inputs)
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", checkout], check=False,
                           capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"\n1. Re-scoring plus signals, {ACCOUNTS:,} accounts: baseline ({BASELINE}) vs now, same data. "
              f"Seconds, wall / CPU of the process")
        print(f"   {'':42} {'first run':>13}  {'second run':>13}")
        rows = [("baseline: score_all", base["score"]), ("baseline: detect_signals", base["signals"]),
                ("baseline: scoring + signals", base["total"]),
                ("now: health + risk, facts once a batch", now["steps"]),
                ("   of which load_facts", now["steps_facts"]), ("   of which score_accounts", now["steps_score"]),
                ("   of which detect_signals", now["steps_signals"]),
                ("now: whole pipeline.refresh", now["pipeline"])]
        for label, runs in rows:
            print(f"   {label:42} " + "  ".join(f"{wall:6.1f} /{cpu:6.1f}" for wall, cpu in runs))
        for n, label in ((0, "first run"), (1, "second run")):
            ratios = [f"{base['total'][n][k] / now['steps'][n][k]:.2f}x" for k in (0, 1)]
            whole = [f"{base['total'][n][k] / now['pipeline'][n][k]:.2f}x" for k in (0, 1)]
            print(f"   {label}: baseline / now (health + risk) = {ratios[0]} wall, {ratios[1]} CPU; "
                  f"baseline / whole pipeline = {whole[0]} wall, {whole[1]} CPU")
        both = [sum(base["total"][n][k] for n in (0, 1)) / sum(now["steps"][n][k] for n in (0, 1)) for k in (0, 1)]
        print(f"   both runs: baseline / now (health + risk) = {both[0]:.2f}x wall, {both[1]:.2f}x CPU "
              f"(target: at least 2x)")
        print("   whole pipeline by step, both runs, wall / CPU: " + ", ".join(
            f"{k} {w:.1f} / {c:.1f}" for k, (w, c) in now["pipeline_steps"].items()))
    if BIG_ACCOUNTS:
        big = child("big", os.path.join(ROOT, "src"), today)
        print(f"\n2. Refresh of {CHANGED} changed accounts among {BIG_ACCOUNTS:,}: claim_changed_accounts + "
              f"pipeline.refresh (refresh_now, in-process). Target under 2 s")
        for n, r in enumerate(big["rounds"], 1):
            (cw, cc), (rw, rc) = r["claim"], r["refresh"]
            print(f"   round {n}: {r['claimed']} claimed in {cw:.2f} s (CPU {cc:.2f}), refreshed in {rw:.2f} s "
                  f"(CPU {rc:.2f}): {cw + rw:.2f} s in all (CPU {cc + rc:.2f}); {r['queries']} queries")
            steps = ", ".join(f"{k} {w:.2f} / {c:.2f}" for k, (w, c) in r["steps"].items())
            print(f"      by step, wall / CPU: {steps}")
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s")


# ---- the children: one version each, its own database ------------------------------------------------------


def setup() -> tuple[str, dt.date]:
    data_dir = tempfile.mkdtemp(prefix="tenure-bench-refresh-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["TENURE_DATA_DIR"] = data_dir
    db = os.path.join(data_dir, "tenure.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import get_resolver

    import tenure

    print(f"tenure from {os.path.dirname(tenure.__file__)}")
    call_command("migrate", verbosity=0)
    # A worker has its URLs loaded before its first refresh (signals link their evidence): not timed here.
    get_resolver().reverse_dict  # noqa: B018
    return db, dt.date.fromisoformat(os.environ["BENCH_TODAY"])


class Table:
    """Raw inserts of many rows, a few times faster than ``bulk_create`` (the builds write millions of rows). A row
    gives the named columns; every other column gets its field's default, so both versions' models fit."""

    def __init__(self, model, columns: str) -> None:
        from django.db import connection
        from django.utils import timezone

        self.columns = columns.split()
        now = timezone.now()
        rest = [f for f in model._meta.concrete_fields if f.attname not in self.columns and not f.primary_key]
        self.defaults = tuple(
            f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                               else f.get_default(), connection) for f in rest)
        names = [*self.columns, *(f.column for f in rest)]
        self.sql = (f'INSERT INTO "{model._meta.db_table}" ({", ".join(names)}) '
                    f'VALUES ({", ".join("%s" for _ in names)})')
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *values) -> None:
        self.rows.append(values + self.defaults)
        if len(self.rows) >= 50_000:
            self.flush()

    def flush(self) -> int:
        from django.db import connection

        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows.clear()
        return self.written


class Days:
    """A day's date, and the database's text for 10:00 local on it, by days before ``today`` (each made once)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._at: dict[int, str] = {}

    def on(self, ago: int) -> str:
        return (self.today - ago * DAY).isoformat()

    def at(self, ago: int) -> str:
        if ago not in self._at:
            from django.db import connection
            from django.utils import timezone

            moment = timezone.make_aware(dt.datetime.combine(self.today - ago * DAY, dt.time(10)))
            self._at[ago] = connection.ops.adapt_datetimefield_value(moment)
        return self._at[ago]


def build(rng: random.Random, n: int, today: dt.date) -> int:
    """The data sets of bench/scoring.py and bench/signals.py together, in columns both versions have: sponsors and
    champions (some gone), subscriptions with history (seat cuts, failed payments), tickets and touches (some
    naming a competitor), NPS answers and 120 days of usage rollups, key features included."""
    from django.db import transaction
    from django.utils import timezone

    from tenure.accounts.models import Account, Contact
    from tenure.billing.models import Subscription, SubscriptionChange
    from tenure.engagement.models import Touch
    from tenure.support.models import Ticket
    from tenure.surveys.models import SurveyResponse
    from tenure.usage.models import (
        DailyAccountActivity,
        DailyFeatureUsage,
        DailyUserActivity,
        DailyUserFeature,
        Feature,
    )
    from tenure.users.models import User

    days = Days(today)
    with transaction.atomic():
        csms = [u.pk for u in User.objects.bulk_create(User(username=f"bench-csm{i}", role="csm") for i in range(12))]
        now = timezone.now()
        Feature.objects.bulk_create(Feature(event=e, is_key=True, first_seen=now, last_seen=now) for e in KEY)
        accounts = Table(Account, "id name domain stage segment owner_id")
        contacts = Table(Contact, "id account_id name email is_executive_sponsor is_champion left_on")
        subs = Table(Subscription, "id account_id plan seats mrr start_date end_date status")
        history = Table(SubscriptionChange, "subscription_id effective_on plan seats mrr currency start_date end_date "
                                            "status billing_period")
        tickets = Table(Ticket, "account_id subject body opened_at priority status resolved_at")
        touches = Table(Touch, "id account_id kind summary sentiment occurred_at")
        touched = Table(Touch.contacts.through, "touch_id contact_id")
        answers = Table(SurveyResponse, "account_id contact_id score answered_at")
        activity = Table(DailyAccountActivity, "account_id day active_users logins events")
        users = Table(DailyUserActivity, "account_id user_key day events logins")
        user_features = Table(DailyUserFeature, "account_id user_key day event count")
        features = Table(DailyFeatureUsage, "account_id day event count users")
        stages = ["onboarding"] * 1 + ["adopting"] * 2 + ["mature"] * 5 + ["renewing"] * 2
        touch_id = 0
        for pk in range(1, n + 1):
            accounts.add(pk, f"Bench {pk}", f"bench{pk}.example", rng.choice(stages), rng.choice(["smb", "mid-market"]),
                         rng.choice([*csms, None]))
            people = [3 * pk - 2, 3 * pk - 1, 3 * pk]
            contacts.add(people[0], pk, f"Sponsor {pk}", f"s{pk}@x.example", True, False,
                         days.on(30) if rng.random() < 0.03 else None)
            contacts.add(people[1], pk, f"Champion {pk}", f"c{pk}@x.example", False, True,
                         days.on(45) if rng.random() < 0.03 else None)
            contacts.add(people[2], pk, f"User {pk}", f"u{pk}@x.example", False, False, None)
            seats, mrr = rng.randint(5, 60), str(rng.choice([500, 1000, 2500]))
            start, end = rng.randint(30, 900), -rng.randint(1, 365)
            status = "past_due" if rng.random() < 0.02 else "active"
            subs.add(pk, pk, "Growth", seats, mrr, days.on(start), days.on(end), status)
            # seats cut 60 days ago (or at the start), and today's status
            history.add(pk, days.on(start), "Growth", seats + 5, mrr, "USD", days.on(start), days.on(end), "active",
                        "annual")
            history.add(pk, days.on(min(start, 60)), "Growth", seats, mrr, "USD", days.on(start), days.on(end),
                        status, "annual")
            for _ in range(5):
                ago, open_ = rng.randint(0, 365), rng.random() < 0.1
                tickets.add(pk, "Help needed", rng.choice(TEXTS), days.at(ago),
                            rng.choice(["normal", "high", "urgent", "low"]), "open" if open_ else "solved",
                            None if open_ else days.at(max(ago - 1, 0)))
            for _ in range(10):
                touch_id += 1
                touches.add(touch_id, pk, "call", rng.choice(TEXTS), rng.choice(["", "", "positive", "negative"]),
                            days.at(rng.randint(0, 365)))
                if rng.random() < 0.3:
                    touched.add(touch_id, rng.choice(people))
            for _ in range(2):  # the sponsor answers the NPS survey twice a year
                answers.add(pk, people[0], rng.randint(0, 10), days.at(rng.randint(1, 300)))
            per_day: dict[int, int] = {}
            per_feature: dict[tuple[int, str], int] = {}
            for u in range(max(1, round(seats * rng.uniform(0.2, 0.9)))):
                key = f"u{pk}-{u}"
                for ago in sorted({rng.randint(0, 119) for _ in range(rng.randint(1, 5))}):  # ~0.8 days a month
                    event = rng.choice(KEY)
                    users.add(pk, key, days.on(ago), 3, 1)
                    user_features.add(pk, key, days.on(ago), event, 2)
                    per_day[ago] = per_day.get(ago, 0) + 1
                    per_feature[ago, event] = per_feature.get((ago, event), 0) + 1
            for ago, people_on in per_day.items():
                activity.add(pk, days.on(ago), people_on, people_on, 3 * people_on)
            for (ago, event), people_on in per_feature.items():
                features.add(pk, days.on(ago), event, 2 * people_on, people_on)
        tables = (accounts, contacts, subs, history, tickets, touches, touched, answers, activity, users,
                  user_features, features)
        return sum(t.flush() for t in tables)


INPUTS = ["users.User", "usage.Feature", "accounts.Account", "accounts.Contact", "billing.Subscription",
          "billing.SubscriptionChange", "support.Ticket", "engagement.Touch", "surveys.SurveyResponse",
          "usage.DailyAccountActivity", "usage.DailyUserActivity", "usage.DailyUserFeature", "usage.DailyFeatureUsage"]


def copy_inputs(path: str) -> int:
    """The rows ``build`` wrote, copied from the baseline's database: the same data, in seconds rather than
    minutes (these tables have the same columns in both versions)."""
    from django.apps import apps
    from django.db import connection, transaction

    from tenure.engagement.models import Touch

    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ATTACH DATABASE %s AS inputs", [path])
        for model in [*map(apps.get_model, INPUTS), Touch.contacts.through]:
            table = model._meta.db_table
            # Only the columns both versions have (SQLite would read a missing "column" as a text literal); the
            # others keep their defaults, as the build gives them.
            cursor.execute(f'PRAGMA inputs.table_info("{table}")')
            there = {row[1] for row in cursor.fetchall()}
            columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields if f.column in there)
            cursor.execute(f'DELETE FROM "{table}"')
            cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM inputs."{table}"')
            rows += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("DETACH DATABASE inputs")
    return rows


def result(**figures) -> None:
    print("RESULT " + json.dumps(figures), flush=True)


class Clock:
    """Wall and CPU seconds, added up over every ``with``. CPU is this process alone: on a machine shared with
    other work the wall clock also counts the time others had the cores."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall += time.perf_counter() - self._started[0]
        self.cpu += time.process_time() - self._started[1]

    def pair(self) -> list[float]:
        return [self.wall, self.cpu]

    def __str__(self) -> str:
        return f"{self.wall:.1f} s (CPU {self.cpu:.1f})"


def run_baseline() -> None:
    db, today = setup()
    from django.db import connection

    from tenure.accounts.models import Account
    from tenure.health.services import score_all
    from tenure.risk.services import detect_signals

    t0 = time.perf_counter()
    rows = build(random.Random(7), ACCOUNTS, today)
    print(f"built {ACCOUNTS:,} accounts ({rows:,} rows) in {time.perf_counter() - t0:.0f} s")
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    connection.close()
    shutil.copyfile(db, os.environ["BENCH_INPUTS"])  # WAL is checkpointed when the last connection closes
    score, signals, total = [], [], []
    for run in ("first", "second"):
        s, d = Clock(), Clock()
        with s:
            score_all(today, ids)
        with d:
            r = detect_signals(ids, today)
        score.append(s.pair())
        signals.append(d.pair())
        total.append([s.wall + d.wall, s.cpu + d.cpu])
        print(f"{run} run: score_all {s}, detect_signals {d} ({r.opened:,} opened, {r.refreshed:,} refreshed, "
              f"{r.tasks_opened:,} tasks opened)")
    result(score=score, signals=signals, total=total)


def run_now() -> None:
    db, today = setup()
    from django.db import connection

    from tenure import pipeline
    from tenure.accounts.models import Account
    from tenure.facts import load_facts
    from tenure.health.services import score_accounts
    from tenure.risk.services import detect_signals
    from tenure.risk.services import thresholds as risk_settings

    t0 = time.perf_counter()
    rows = copy_inputs(os.environ["BENCH_INPUTS"]) if os.environ.get("BENCH_INPUTS") else build(
        random.Random(7), ACCOUNTS, today)
    print(f"copied the baseline's {ACCOUNTS:,} accounts ({rows:,} rows) in {time.perf_counter() - t0:.0f} s")
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    connection.close()
    shutil.copyfile(db, db + ".built")  # WAL is checkpointed when the last connection closes

    steps, facts_s, score_s, signals_s = [], [], [], []
    for run in ("first", "second"):
        whole, f, s, d = Clock(), Clock(), Clock(), Clock()
        with whole:
            windows = risk_settings().windows
            for batch in pipeline.batches(ids, BATCH):
                with f:
                    facts = load_facts(batch, today, windows)
                with s:
                    score_accounts(batch, today, facts)
                with d:
                    detect_signals(batch, today, facts=facts)
        steps.append(whole.pair())
        facts_s.append(f.pair())
        score_s.append(s.pair())
        signals_s.append(d.pair())
        print(f"{run} run, health + risk: {whole} (load_facts {f}, score_accounts {s}, detect_signals {d})")

    connection.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    shutil.copyfile(db + ".built", db)
    clocks = time_pipeline_steps(pipeline)
    runs = []
    for run in ("first", "second"):
        with Clock() as whole:
            for batch in pipeline.batches(ids, BATCH):
                pipeline.refresh(batch, today)
        runs.append(whole.pair())
        print(f"{run} run, whole pipeline.refresh: {whole}")
    result(steps=steps, steps_facts=facts_s, steps_score=score_s, steps_signals=signals_s, pipeline=runs,
           pipeline_steps={name: c.pair() for name, c in clocks.items()})


def time_pipeline_steps(pipeline) -> dict[str, Clock]:
    """Put a clock on each step ``pipeline.refresh`` calls; the clocks keep counting until reset."""
    clocks: dict[str, Clock] = {}

    def timed(name, fn):
        clocks[name] = Clock()

        def step(*args, **kwargs):
            with clocks[name]:
                return fn(*args, **kwargs)
        return step

    for name in ("refresh_assignments", "apply_templates", "load_facts", "score_accounts"):
        setattr(pipeline, name, timed(name, getattr(pipeline, name)))
    pipeline.renewals = type("Renewals", (), {"refresh": staticmethod(timed("renewals", pipeline.renewals.refresh))})
    pipeline.detect_signals = timed("detect_signals", pipeline.detect_signals)
    return clocks


# ---- part 2: 100 changed accounts among 100,000 ------------------------------------------------------------


def build_big(rng: random.Random, n: int, today: dt.date) -> int:
    """Lighter accounts: a subscription and its history, a sponsor and a champion, a touch, a ticket for half of
    them, and eight days of usage in the last thirty for a fifth."""
    from django.db import transaction

    from tenure.accounts.models import Account, Contact
    from tenure.billing.models import Subscription, SubscriptionChange
    from tenure.engagement.models import Touch
    from tenure.support.models import Ticket
    from tenure.usage.models import DailyAccountActivity, DailyUserActivity
    from tenure.users.models import User

    days = Days(today)
    with transaction.atomic():
        csms = [u.pk for u in User.objects.bulk_create(User(username=f"bench-csm{i}", role="csm") for i in range(40))]
        accounts = Table(Account, "id name domain stage segment owner_id")
        contacts = Table(Contact, "id account_id name email is_executive_sponsor is_champion left_on")
        subs = Table(Subscription, "id account_id plan seats mrr start_date end_date status")
        history = Table(SubscriptionChange, "subscription_id effective_on plan seats mrr currency start_date end_date "
                                            "status billing_period")
        tickets = Table(Ticket, "account_id subject body opened_at priority status resolved_at")
        touches = Table(Touch, "id account_id kind summary occurred_at")
        touched = Table(Touch.contacts.through, "touch_id contact_id")
        activity = Table(DailyAccountActivity, "account_id day active_users logins events")
        users = Table(DailyUserActivity, "account_id user_key day events logins")
        stages = ["onboarding"] * 1 + ["adopting"] * 2 + ["mature"] * 5 + ["renewing"] * 2
        for pk in range(1, n + 1):
            accounts.add(pk, f"Big {pk}", f"big{pk}.example", rng.choice(stages), rng.choice(["smb", "mid-market"]),
                         rng.choice(csms))
            contacts.add(2 * pk - 1, pk, f"Sponsor {pk}", f"s{pk}@x.example", True, False, None)
            contacts.add(2 * pk, pk, f"Champion {pk}", f"c{pk}@x.example", False, True,
                         days.on(45) if rng.random() < 0.03 else None)
            seats, start, end = rng.randint(5, 60), rng.randint(30, 900), -rng.randint(1, 365)
            subs.add(pk, pk, "Growth", seats, "1000", days.on(start), days.on(end), "active")
            history.add(pk, days.on(start), "Growth", seats, "1000", "USD", days.on(start), days.on(end), "active",
                        "annual")
            touches.add(pk, pk, "call", rng.choice(TEXTS), days.at(rng.randint(0, 200)))
            touched.add(pk, 2 * pk - 1)
            if rng.random() < 0.5:
                ago, open_ = rng.randint(0, 200), rng.random() < 0.2
                tickets.add(pk, "Help needed", rng.choice(TEXTS), days.at(ago), rng.choice(["normal", "high"]),
                            "open" if open_ else "solved", None if open_ else days.at(max(ago - 1, 0)))
            if rng.random() < 0.2:
                for ago in sorted(rng.sample(range(30), 8)):
                    people = rng.randint(1, 3)
                    for p in range(people):
                        users.add(pk, f"u{pk}-{p}", days.on(ago), 3, 1)
                    activity.add(pk, days.on(ago), people, people, 3 * people)
        tables = (accounts, contacts, subs, history, tickets, touches, touched, activity, users)
        return sum(t.flush() for t in tables)


def backdate(hours: int = 1) -> None:
    """Date every input row an hour back, as a book built long before the changes (raw: no auto_now)."""
    from django.utils import timezone

    from tenure.changes.services import CHANGE_SOURCES

    past = timezone.now() - dt.timedelta(hours=hours)
    for source in CHANGE_SOURCES:
        source.model.objects.filter(**{f"{source.timestamp}__isnull": False}).update(**{source.timestamp: past})


def change(accounts: list, rng: random.Random) -> None:
    """100 accounts change through the rooms' services: a touch each, a ticket for a third, seats for a third."""
    from django.utils import timezone

    from tenure.billing import services as billing
    from tenure.billing.models import Subscription
    from tenure.engagement.services import record_touch
    from tenure.support.services import create_ticket

    subs = {s.account_id: s for s in Subscription.objects.filter(account__in=accounts)}
    for i, account in enumerate(accounts):
        record_touch(account=account, kind="call", summary=rng.choice(TEXTS), occurred_at=timezone.now())
        if i % 3 == 0:
            create_ticket(account=account, subject="Help needed", body=rng.choice(TEXTS), priority="high",
                          status="open", opened_at=timezone.now())
        elif i % 3 == 1:
            sub = subs[account.pk]
            billing.update_subscription(sub, seats=sub.seats - 2)


def run_big() -> None:
    _db, today = setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenure import pipeline
    from tenure.accounts.models import Account
    from tenure.changes.services import claim_changed_accounts

    t0 = time.perf_counter()
    rows = build_big(random.Random(11), BIG_ACCOUNTS, today)
    backdate()
    rng = random.Random(12)
    all_ids = list(Account.objects.values_list("pk", flat=True))
    sample = rng.sample(all_ids, 2 * CHANGED)
    to_change = [sample[:CHANGED], sample[CHANGED:]]
    t1 = time.perf_counter()
    # Yesterday's state: the accounts about to change were refreshed already (the daily run refreshes everyone;
    # refreshing all of them here would take minutes), and every row so far has been claimed.
    for batch in pipeline.batches(sample):
        pipeline.refresh(batch, today)
    claim_changed_accounts(everyone=True)
    print(f"built {BIG_ACCOUNTS:,} accounts ({rows:,} rows) in {t1 - t0:.0f} s; refreshed the {2 * CHANGED} "
          f"accounts about to change and claimed everyone as handled in {time.perf_counter() - t1:.0f} s")
    clocks = time_pipeline_steps(pipeline)
    claim = pipeline.claim_changed_accounts
    rounds = []
    for n, ids in enumerate(to_change, 1):
        change(list(Account.objects.filter(pk__in=ids)), rng)
        claiming = Clock()

        def timed_claim(*args, _clock=claiming, **kwargs):
            with _clock:
                return claim(*args, **kwargs)

        pipeline.claim_changed_accounts = timed_claim
        for c in clocks.values():
            c.__init__()
        with CaptureQueriesContext(connection) as queries, Clock() as whole:
            claimed = pipeline.refresh_now()
        refreshing = [whole.wall - claiming.wall, whole.cpu - claiming.cpu]
        rounds.append({"claimed": claimed, "claim": claiming.pair(), "refresh": refreshing, "queries": len(queries),
                       "steps": {name: c.pair() for name, c in clocks.items()}})
        print(f"round {n}: {claimed} accounts claimed in {claiming} and refreshed in {refreshing[0]:.2f} s "
              f"(CPU {refreshing[1]:.2f}), {len(queries)} queries; slowest statements:")
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
            sql = " ".join(q["sql"].split())
            print(f"    {float(q['time']):.3f} s  {sql[:150]}{'…' if len(sql) > 150 else ''}")
    result(rounds=rounds)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        {"baseline": run_baseline, "now": run_now, "big": run_big}[sys.argv[2]]()
    else:
        parent()
