"""Retention metrics at size: 10,000 accounts with 24 months of subscription history, into a fresh database.

Prints the seconds to load the history and compute 24 months of movements, GRR/NRR/logo churn and the cohort
table (target: under 10 s), and checks the movements add up. SQLite in a new temporary directory by default;
BENCH_DATABASE_URL measures another database (its accounts are replaced). BENCH_ACCOUNTS changes the size.
``bench/model.py`` reuses ``setup`` and ``write_history`` from here.
"""

import datetime as dt
import os
import random
import sys
import tempfile
import time
from decimal import Decimal

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
MONTHS = 24
TARGET_SECONDS = 10


def setup() -> None:
    data_dir = tempfile.mkdtemp(prefix="tenure-bench-metrics-")
    os.environ["TENURE_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{data_dir}/tenure.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def write_history(accounts: int, today: dt.date, months: int = MONTHS, seed: int = 1) -> dict:
    """Accounts with monthly and annual subscriptions over ``months`` months: expansions, seat cuts, churn
    (a third leave), reactivations. Returns the churn day of each churned account (for the model)."""
    from django.db import transaction

    from tenure.accounts.models import Account
    from tenure.billing.models import Subscription, SubscriptionChange

    rng = random.Random(f"bench:{seed}")
    first = today - dt.timedelta(days=months * 30)
    with transaction.atomic():
        Account.objects.all().delete()
        made = Account.objects.bulk_create(
            [Account(name=f"Bench {i}", segment=rng.choice(["smb", "mid-market", "enterprise"]),
                     custom={"channel": rng.choice(["self-serve", "partner", "sales"])}) for i in range(accounts)],
            batch_size=2000,
        )
        ids = [a.pk for a in made]
        subs, plans, churn_on = [], [], {}
        for i, account_id in enumerate(ids):
            start = first + dt.timedelta(days=rng.randint(0, months * 30 - 60))
            annual = rng.random() < 0.3
            mrr = Decimal(rng.choice([49, 99, 199, 499, 999, 2499]))
            end = None
            if rng.random() < 0.33:
                end = start + dt.timedelta(days=rng.randint(60, max(61, (today - start).days - 1)))
                churn_on[account_id] = end + dt.timedelta(days=1)
            subs.append(Subscription(account_id=account_id, external_id=f"b-{i}", plan="Pro", seats=10, mrr=mrr,
                                     start_date=start, end_date=end, status="canceled" if end else "active",
                                     billing_period="annual" if annual else "monthly"))
            plans.append((start, end, mrr))
        subs = Subscription.objects.bulk_create(subs, batch_size=2000)
        history = []
        for sub, (start, end, mrr) in zip(subs, plans, strict=True):
            day, value = start, mrr
            history.append(SubscriptionChange(subscription=sub, effective_on=start, plan="Pro", seats=10, mrr=value,
                                              currency="USD", start_date=start, end_date=None, status="active",
                                              billing_period=sub.billing_period, source="bench"))
            for _ in range(rng.randint(0, 3)):  # expansions and seat cuts along the way
                day = day + dt.timedelta(days=rng.randint(20, 200))
                if day >= (end or today):
                    break
                value = max(Decimal(10), (value * Decimal(rng.choice(["0.7", "1.2", "1.5"]))).quantize(Decimal("1")))
                history.append(SubscriptionChange(subscription=sub, effective_on=day, plan="Pro", seats=10,
                                                  mrr=value, currency="USD", start_date=start, end_date=None,
                                                  status="active", billing_period=sub.billing_period,
                                                  source="bench"))
            if end:
                history.append(SubscriptionChange(subscription=sub, effective_on=end, plan="Pro", seats=10,
                                                  mrr=value, currency="USD", start_date=start, end_date=end,
                                                  status="canceled", billing_period=sub.billing_period,
                                                  source="bench"))
        back = []
        for account_id, day in list(churn_on.items())[: len(churn_on) // 8]:  # an eighth come back
            again = day + dt.timedelta(days=45)
            if again < today:
                back.append(Subscription(account_id=account_id, external_id=f"b-back-{account_id}", plan="Basic",
                                         seats=5, mrr=Decimal(79), start_date=again, status="active",
                                         billing_period="monthly"))
        back = Subscription.objects.bulk_create(back, batch_size=2000)
        history += [SubscriptionChange(subscription=s, effective_on=s.start_date, plan="Basic", seats=5, mrr=s.mrr,
                                       currency="USD", start_date=s.start_date, end_date=None, status="active",
                                       billing_period="monthly", source="bench") for s in back]
        SubscriptionChange.objects.bulk_create(history, batch_size=5000)
    return churn_on


def main() -> None:
    setup()
    from django.utils import timezone

    from tenure.metrics import calc, services

    today = timezone.localdate()
    t0 = time.perf_counter()
    write_history(ACCOUNTS, today)
    written = time.perf_counter() - t0

    t0 = time.perf_counter()
    history = services.load_history(as_of=today)
    loaded = time.perf_counter() - t0
    t1 = time.perf_counter()
    report = services.retention(services.Filters(months=MONTHS), history=history)
    cohorts = services.cohorts(services.Filters(months=MONTHS), history=history)
    computed = time.perf_counter() - t1
    total = loaded + computed

    months = report.months
    for row in months.to_dict("records"):
        assert calc.adds_up({k: round(row[k] * 100) if k in ("starting_mrr", "ending_mrr", *calc.MOVEMENTS) else row[k]
                             for k in row}), row["month"]
    print(f"history: {ACCOUNTS:,} accounts, {len(history.intervals):,} covered intervals, "
          f"{len(history.periods):,} active periods (written in {written:.1f} s)")
    print(f"metrics: {MONTHS} months of movements + rates + {cohorts['cohort'].nunique()} cohorts in {total:.2f} s "
          f"(load {loaded:.2f} s, compute {computed:.2f} s); target < {TARGET_SECONDS} s: "
          f"{'met' if total < TARGET_SECONDS else 'MISSED'}")
    s = services.retention(services.Filters(months=12), history=history).summary
    print(f"last 12 months: starting MRR {s['starting_mrr']:,}, ending MRR {s['ending_mrr']:,}, "
          f"GRR {s['grr']:.1%}, NRR {s['nrr']:.1%}, logo churn {s['logo_churn_rate']:.1%}")


if __name__ == "__main__":
    main()
