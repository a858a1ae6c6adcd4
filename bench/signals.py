"""Signal detection speed: accounts checked per second over a realistic book of 10,000 accounts.

Builds, in a fresh temporary SQLite database (or BENCH_DATABASE_URL, whose rows are replaced), 10,000 accounts
with sponsors and champions (some gone), subscriptions with history (renewals, seat cuts, failed payments),
tickets and touches (some naming competitors), and 120 days of usage rollups (about 1.5 million rows), then
runs ``detect_signals`` over every account twice: the first run opens signals and tasks, the second refreshes
them. Target: all signals for 10,000 accounts well under a minute. BENCH_ACCOUNTS changes the size.
"""

import os
import random
import sys
import tempfile
import time

DATA_DIR = tempfile.mkdtemp(prefix="tenure-bench-signals-")
os.environ["TENURE_DATA_DIR"] = DATA_DIR
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA_DIR}/tenure.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tenure.accounts.models import Account, Contact  # noqa: E402
from tenure.billing.models import Subscription, SubscriptionChange  # noqa: E402
from tenure.engagement.models import Touch  # noqa: E402
from tenure.risk.models import Signal, Task  # noqa: E402
from tenure.risk.services import detect_signals  # noqa: E402
from tenure.support.models import Ticket  # noqa: E402
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature  # noqa: E402
from tenure.users.models import User  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
TODAY = dt.date(2026, 6, 15)
DAY = dt.timedelta(days=1)
KEY = ["Dashboard Viewed", "Report Exported", "Alert Created", "Integration Connected", "Teammate Invited"]
TEXTS = ["Weekly check-in, all fine.", "Discussed the roadmap.", "They are evaluating Retainly for next year.",
         "Finance says it is too expensive.", "QBR went well; expansion possible."]
B = 5000


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def build(rng: random.Random) -> int:
    for model in (DailyUserFeature, DailyUserActivity, DailyAccountActivity, Feature):
        model.objects.all()._raw_delete(model.objects.db)
    Task.objects.all().delete()
    Signal.objects.all().delete()
    Touch.objects.all().delete()
    Account.objects.all().delete()
    User.objects.filter(username__startswith="bench-csm").delete()
    csms = User.objects.bulk_create(User(username=f"bench-csm{i}", role="csm") for i in range(12))
    now = timezone.now()
    Feature.objects.bulk_create(Feature(event=e, is_key=True, first_seen=now, last_seen=now) for e in KEY)
    stages = ["onboarding"] * 1 + ["adopting"] * 2 + ["mature"] * 5 + ["renewing"] * 2
    accounts = Account.objects.bulk_create(
        (Account(name=f"Bench {i}", domain=f"bench{i}.example", stage=rng.choice(stages),
                 owner=rng.choice([*csms, None])) for i in range(ACCOUNTS)), batch_size=B)
    contacts, subs, tickets, touches = [], [], [], []
    for a in accounts:
        contacts.append(Contact(account=a, name=f"Sponsor {a.pk}", email=f"s{a.pk}@x.example",
                                is_executive_sponsor=True, left_on=TODAY - 30 * DAY if rng.random() < 0.03 else None))
        contacts.append(Contact(account=a, name=f"Champion {a.pk}", email=f"c{a.pk}@x.example", is_champion=True))
        start = TODAY - rng.randint(30, 900) * DAY
        end = TODAY + rng.randint(1, 365) * DAY
        status = "past_due" if rng.random() < 0.02 else "active"
        subs.append(Subscription(account=a, plan="Growth", seats=rng.randint(5, 60), mrr=Decimal("1000"),
                                 start_date=start, end_date=end, status=status))
        for _ in range(6):
            day = TODAY - rng.randint(0, 365) * DAY
            open_ = rng.random() < 0.1
            tickets.append(Ticket(account=a, subject="Help needed", body=rng.choice(TEXTS), opened_at=aware(day),
                                  priority=rng.choice(["normal", "high", "urgent", "low"]),
                                  status="open" if open_ else "solved"))
        for _ in range(15):
            touches.append(Touch(account=a, kind="call", summary=rng.choice(TEXTS),
                                 occurred_at=aware(TODAY - rng.randint(0, 365) * DAY)))
    Contact.objects.bulk_create(contacts, batch_size=B)
    Subscription.objects.bulk_create(subs, batch_size=B)
    changes = []
    for s in subs:
        changes.append(SubscriptionChange(subscription=s, effective_on=s.start_date, plan=s.plan, seats=s.seats + 5,
                                          mrr=s.mrr, currency="USD", start_date=s.start_date, end_date=s.end_date,
                                          status="active", billing_period="annual"))
        changes.append(SubscriptionChange(subscription=s, effective_on=max(s.start_date, TODAY - 60 * DAY),
                                          plan=s.plan, seats=s.seats, mrr=s.mrr, currency="USD",
                                          start_date=s.start_date, end_date=s.end_date, status=s.status,
                                          billing_period="annual"))
    SubscriptionChange.objects.bulk_create(changes, batch_size=B)
    Ticket.objects.bulk_create(tickets, batch_size=B)
    Touch.objects.bulk_create(touches, batch_size=B)
    people = {c.account_id: [] for c in contacts}
    for c in contacts:
        people[c.account_id].append(c.pk)
    Through = Touch.contacts.through
    Through.objects.bulk_create((Through(touch_id=t.pk, contact_id=rng.choice(people[t.account_id]))
                                 for t in touches if rng.random() < 0.3), batch_size=B)

    rows = 0
    activity, users, features = [], [], []
    for s in subs:
        active = max(1, round(s.seats * rng.uniform(0.2, 0.9)))
        per_day: dict[dt.date, set] = {}
        for u in range(active):
            for _ in range(rng.randint(1, 5)):  # ~0.8 active days a month over 120 days
                day = TODAY - rng.randint(0, 119) * DAY
                key = f"u{s.account_id}-{u}"
                if key in per_day.setdefault(day, set()):
                    continue
                per_day[day].add(key)
                users.append(DailyUserActivity(account_id=s.account_id, user_key=key, day=day, events=3, logins=1))
                features.append(DailyUserFeature(account_id=s.account_id, user_key=key, day=day,
                                                 event=rng.choice(KEY), count=2))
        for day, keys in per_day.items():
            activity.append(DailyAccountActivity(account_id=s.account_id, day=day, active_users=len(keys),
                                                 logins=len(keys), events=3 * len(keys)))
        if len(users) > 50_000:
            rows += _flush(activity, users, features)
    rows += _flush(activity, users, features)
    return rows + len(contacts) + len(subs) + len(changes) + len(tickets) + len(touches)


def _flush(*lists) -> int:
    n = 0
    for rows in lists:
        if rows:
            type(rows[0]).objects.bulk_create(rows, batch_size=B)
            n += len(rows)
            rows.clear()
    return n


def main() -> None:
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    rows = build(random.Random(7))
    built = time.perf_counter() - t0
    ids = list(Account.objects.values_list("pk", flat=True))
    runs = []
    for label in ("first run (opens signals and tasks)", "second run (refreshes them)"):
        t = time.perf_counter()
        result = detect_signals(ids, TODAY)
        seconds = time.perf_counter() - t
        runs.append((label, seconds, result))
    print(f"{connection.vendor}: built {len(ids):,} accounts ({rows:,} rows) in {built:.1f} s")
    for label, seconds, r in runs:
        print(f"  {label}: {seconds:.1f} s, {len(ids) / seconds:,.0f} accounts checked per second "
              f"({r.opened:,} opened, {r.refreshed:,} refreshed, {r.resolved:,} resolved, "
              f"{r.tasks_opened:,} tasks opened)")


if __name__ == "__main__":
    main()
