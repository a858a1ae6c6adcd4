"""Churn model at size: features, training and the time-ordered back-test for 10,000 accounts × 6 monthly
observation dates (target: under 2 minutes), and the back-test on the demo (both models' AUC and lift).

Part 1 builds the default demo (320 accounts, a year of usage) and prints the back-test it stored. Part 2
writes 10,000 accounts with 24 months of subscriptions and ~10 months of usage rollups (usage fades before
an account churns), then times loading, feature building, the back-test of both models, the final fit
and scoring. BENCH_DEMO=0 skips part 1; BENCH_ACCOUNTS changes the size of part 2. BENCH_DEMO_SEEDS="42 1 2"
builds the demo once per seed (about a minute each) and tells on how many seeds the trees beat the baseline:
one demo's test period holds some 70 churn observations, too few for one comparison to settle it.
"""

import datetime as dt
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from metrics import setup, write_history

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 10_000))
DATES = 6
TARGET_SECONDS = 120
USAGE_DAYS = 300


def demo_backtest(seed: int) -> float | None:
    """Build the demo with ``seed``, print the back-test its model stored; return trees − logistic AUC."""
    from tenure.demo.services import build_demo
    from tenure.predict.models import ChurnModel

    t0 = time.perf_counter()
    build_demo(seed=seed, reset=True)
    print(f"demo (seed {seed}) built in {time.perf_counter() - t0:.1f} s (includes training its churn model)")
    model = ChurnModel.objects.filter(is_active=True).first()
    if model is None:
        print("demo: no churn model was trained")
        return None
    m = model.metrics
    print(f"demo back-test: {m['observations']} observations of {m['accounts']} accounts on "
          f"{len(m['observation_dates'])} dates (every {m['settings'].get('step')} days), {m['churns']} churns "
          f"within {m['horizon_days']} days; tested on {len(m['test_dates'])} later dates by "
          f"{len(m['folds'])} successive retrains")
    for kind, s in m["backtest"].items():
        print(f"  {kind:<18} AUC {s['auc']:.3f}  top-decile lift {s['top_decile_lift']:.2f}  Brier {s['brier']:.4f} "
              f"({s['rows']} rows, {s['churns']} churns){'  <- chosen' if kind == model.kind else ''}")
    print_comparison(m.get("comparison") or {})
    return (m.get("comparison") or {}).get("auc_difference")


def print_comparison(c: dict) -> None:
    if c.get("interval_90"):
        low, high = c["interval_90"]
        print(f"  trees minus logistic: AUC {c['auc_difference']:+.3f}, 90% interval {low:+.3f} to {high:+.3f} "
              f"(paired bootstrap over accounts)")


def write_usage(today: dt.date, churn_on: dict) -> int:
    """Daily rollups per account for the last USAGE_DAYS days, written with executemany in one transaction."""
    from django.db import connection, transaction

    from tenure.billing.models import Subscription
    from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity

    rng = np.random.default_rng(5)
    spans = {}
    for account_id, start, end in Subscription.objects.values_list("account_id", "start_date", "end_date"):
        lo, hi = spans.get(account_id, (start, end or today))
        spans[account_id] = (min(lo, start), max(hi, end or today))
    first = today - dt.timedelta(days=USAGE_DAYS)
    events = ["Report Viewed", "Dashboard Viewed", "Export Run", "Alert Created"]
    act, feat, users = [], [], []
    now = dt.datetime.now(dt.UTC)
    for account_id, (start, end) in spans.items():
        lo, hi = max(start, first), min(end, today)
        n = (hi - lo).days + 1
        if n <= 0:
            continue
        offsets = np.arange(n)
        share = np.full(n, 0.35)
        leave = churn_on.get(account_id)
        if leave is not None:
            left = (leave - lo).days - offsets
            share = np.where(left < 60, 0.35 * np.clip(left / 60, 0.05, 1), share)
        active = offsets[rng.random(n) < share]
        size = int(rng.integers(2, 8))
        for k in active.tolist():
            day = lo + dt.timedelta(days=k)
            who = rng.choice(size, size=int(rng.integers(1, 3)), replace=False)
            count = int(rng.integers(1, 12))
            act.append((account_id, day, len(who), 1, count, now))
            feat.append((account_id, day, events[int(rng.integers(0, 4))], count, len(who)))
            users += [(account_id, f"u{account_id}-{u}", day, count, 1) for u in who.tolist()]
    with transaction.atomic(), connection.cursor() as cursor:
        for model, columns, rows in (
            (DailyAccountActivity, "account_id, day, active_users, logins, events, updated_at", act),
            (DailyFeatureUsage, "account_id, day, event, count, users", feat),
            (DailyUserActivity, "account_id, user_key, day, events, logins", users),
        ):
            marks = ", ".join(["%s"] * len(columns.split(",")))
            sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"
            for i in range(0, len(rows), 20000):
                cursor.executemany(sql, rows[i : i + 20000])
    return len(act) + len(feat) + len(users)


def main() -> None:
    setup()
    from django.utils import timezone
    from threadpoolctl import threadpool_limits

    from tenure.predict import services, training
    from tenure.predict.drivers import reference_row

    if os.environ.get("BENCH_DEMO", "1") != "0":
        seeds = [int(x) for x in os.environ.get("BENCH_DEMO_SEEDS", "42").split()]
        differences = [d for d in (demo_backtest(seed) for seed in seeds) if d is not None]
        if len(differences) > 1:
            ahead = sum(d > 0 for d in differences)
            print(f"trees ahead of logistic on {ahead} of {len(differences)} seeds; AUC difference mean "
                  f"{np.mean(differences):+.3f}, from {min(differences):+.3f} to {max(differences):+.3f}")

    today = timezone.localdate()
    t0 = time.perf_counter()
    churn_on = write_history(ACCOUNTS, today)
    rows = write_usage(today, churn_on)
    print(f"\nsize: {ACCOUNTS:,} accounts, {rows:,} usage rollup rows (written in {time.perf_counter() - t0:.1f} s)")

    timings = {}
    t = time.perf_counter()
    inputs = services.load_inputs()
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    data = services.training_data(today, 30, 7, step=30, max_dates=DATES, inputs=inputs)
    timings["features"] = time.perf_counter() - t
    t = time.perf_counter()
    with threadpool_limits(1):
        bt = training.backtest(data.frame, data.columns, 30 + 7)  # horizon + grace
    timings["back-test"] = time.perf_counter() - t
    t = time.perf_counter()
    with threadpool_limits(1):
        fitted = training.fit(bt.chosen, data.frame, data.columns, 30 + 7)
        reference_row(data.frame[data.columns])
    timings["final fit"] = time.perf_counter() - t
    total = sum(timings.values())
    frame = data.frame
    print(f"observations: {len(frame):,} rows on {frame['as_of'].nunique()} dates, {int(frame['label'].sum()):,} "
          f"churns, {len(data.columns)} features")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
          + f"; total {total:.1f} s; target < {TARGET_SECONDS} s: {'met' if total < TARGET_SECONDS else 'MISSED'}")
    for kind, s in bt.results.items():
        print(f"  {kind:<18} AUC {s['auc']:.3f}  top-decile lift {s['top_decile_lift']:.2f}  "
              f"({s['rows']:,} test rows, {s['churns']} churns){'  <- chosen' if kind == bt.chosen else ''}")
    print_comparison(bt.comparison)
    assert fitted.columns


if __name__ == "__main__":
    main()
