"""Health scoring speed: re-score every account (``tenure score --all``: batches of 200, bulk reads and writes).

Builds a realistic data set in a fresh temporary SQLite database (BENCH_DATABASE_URL for another one; its rows
are added to): BENCH_ACCOUNTS accounts (default 10,000), each with a subscription and its history, a sponsor
and a champion, a few touches and tickets, an NPS answer, and 60 days of product usage by a handful of people
(the rollups scoring reads). Prints accounts scored per second and the seconds for all of them.
Target: 10,000 accounts well under a minute.
"""

import datetime as dt
import os
import random
import sys
import tempfile
import time

DATA_DIR = tempfile.mkdtemp(prefix="tenure-bench-scoring-")
os.environ["TENURE_DATA_DIR"] = DATA_DIR
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA_DIR}/tenure.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tenure.accounts.models import Account, Contact  # noqa: E402
from tenure.billing.models import Subscription, SubscriptionChange  # noqa: E402
from tenure.engagement.models import Touch  # noqa: E402
from tenure.health.services import score_all  # noqa: E402
from tenure.support.models import Ticket  # noqa: E402
from tenure.surveys.models import SurveyResponse  # noqa: E402
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity, Feature  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
KEY = ["Dashboard Viewed", "Report Exported", "Alert Created", "Integration Connected", "Teammate Invited"]


def build(today: dt.date) -> None:
    rng = random.Random(1)
    now = timezone.now()
    tag = f"b{int(time.time())}"
    with transaction.atomic():
        Feature.objects.bulk_create([Feature(event=e, is_key=True, first_seen=now, last_seen=now) for e in KEY],
                                    ignore_conflicts=True)
        accounts = Account.objects.bulk_create(
            [Account(name=f"Bench {i}", domain=f"{tag}-{i}.example", segment=rng.choice(["smb", "mid-market"]))
             for i in range(ACCOUNTS)], batch_size=2000)
        subs = Subscription.objects.bulk_create(
            [Subscription(account=a, plan="Growth", seats=rng.randint(5, 60), start_date=today - dt.timedelta(300),
                          end_date=today + dt.timedelta(rng.randint(1, 360))) for a in accounts], batch_size=2000)
        SubscriptionChange.objects.bulk_create(
            [SubscriptionChange(subscription=s, effective_on=s.start_date, plan=s.plan, seats=s.seats, mrr=s.mrr,
                                currency=s.currency, start_date=s.start_date, end_date=s.end_date, status=s.status,
                                billing_period=s.billing_period) for s in subs], batch_size=2000)
        contacts = Contact.objects.bulk_create(
            [Contact(account=a, name=f"P{i}", email=f"{tag}-{a.pk}-{i}@example.com", is_executive_sponsor=i == 0,
                     is_champion=i == 1) for a in accounts for i in range(2)], batch_size=2000)
        touches = Touch.objects.bulk_create(
            [Touch(account=a, kind="call", summary="check-in", sentiment=rng.choice(["", "positive", "negative"]),
                   occurred_at=now - dt.timedelta(days=rng.randint(1, 200))) for a in accounts for _ in range(3)],
            batch_size=2000)
        through = Touch.contacts.through
        through.objects.bulk_create([through(touch=t, contact=contacts[2 * (i // 3)]) for i, t in enumerate(touches)],
                                    batch_size=5000)
        Ticket.objects.bulk_create(
            [Ticket(account=a, subject="Help", priority=rng.choice(["normal", "high", "urgent"]),
                    status=rng.choice(["open", "solved"]), opened_at=now - dt.timedelta(days=rng.randint(1, 90)))
             for a in accounts for _ in range(2)], batch_size=2000)
        SurveyResponse.objects.bulk_create(
            [SurveyResponse(account=a, score=rng.randint(0, 10),
                            answered_at=now - dt.timedelta(days=rng.randint(1, 300))) for a in accounts],
            batch_size=2000)
        users, days, features = [], [], []
        for a in accounts:
            for d in range(60):
                if rng.random() < 0.2:
                    day = today - dt.timedelta(days=d)
                    people = rng.sample(range(8), rng.randint(1, 4))
                    users += [DailyUserActivity(account=a, user_key=f"{a.pk}-{p}", day=day, events=1) for p in people]
                    days.append(DailyAccountActivity(account=a, day=day, active_users=len(people), events=len(people)))
                    features.append(DailyFeatureUsage(account=a, day=day, event=rng.choice(KEY), count=1, users=1))
        DailyUserActivity.objects.bulk_create(users, batch_size=5000)
        DailyAccountActivity.objects.bulk_create(days, batch_size=5000)
        DailyFeatureUsage.objects.bulk_create(features, batch_size=5000)
    print(f"data: {ACCOUNTS} accounts, {len(users)} user-day rollups, {len(touches)} touches")


def main() -> None:
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    t0 = time.perf_counter()
    build(today)
    print(f"built in {time.perf_counter() - t0:.1f} s")
    ids = list(Account.objects.values_list("pk", flat=True))
    t0 = time.perf_counter()
    score_all(today, ids)
    seconds = time.perf_counter() - t0
    print(f"scored {len(ids)} accounts in {seconds:.1f} s: {len(ids) / seconds:.0f} accounts/s")


if __name__ == "__main__":
    main()
