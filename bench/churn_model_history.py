"""Churn model on a public-like subscription history: how well the default model ranks and calibrates, against
a plain logistic regression on the same features and the same back-test rows.

It writes, as CSV files a business would import, a history shaped like the public dataset of issue 11 (about
3,000 accounts of a consumer subscription product): accounts with channel, country and date of birth; one row
per monthly term whose end date is the next term's start (exclusive, like Stripe's current_period_end); usage
events per user over six months; about 3% of accounts leave each month. Who leaves depends on how much they use
the product now and how that moved (many leavers fade out in their last weeks, not all), on what they use (a
high share of ad views and dislikes annoys), on channel, age, plan, price per seat and tenure, and on noise the
data cannot show — so a decent model reaches an AUC of about 0.75-0.85, not 0.99.

The files go through ``tenure import accounts|subscriptions|events`` with the defaults (end dates read as the
importer decides), then ``tenure model evaluate --json`` with the defaults (the history stopped: no --as-of).
Printed: the observation plan; each candidate's AUC, top-decile lift, Brier score and calibration; a plain
logistic regression (scikit-learn defaults, median imputation and standard scaling, no tuning) fitted and
tested on exactly the back-test's blocks (each block's model learns from the rows the back-test's retrain
learned from); and the seconds each step took.

    PYTHONPATH=src .venv/bin/python bench/churn_model_history.py

BENCH_ACCOUNTS (default 3000) and BENCH_SEED (default 7) change the history; BENCH_SHAPE picks its maker:
``fade`` (default; leavers often fade out first) or ``utility`` (habits fixed per member, each monthly renewal
decided by the satisfaction of that term's usage, as in the published churn simulations); BENCH_FOLDER
re-evaluates the history an earlier run left in its folder, without generating or importing it again;
BENCH_DATABASE_URL measures another database (default: SQLite in a new temporary directory);
BENCH_EVENTS_SCALE (default 1.0) scales the events per active user-day.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 3000))
SEED = int(os.environ.get("BENCH_SEED", 7))
EVENTS_SCALE = float(os.environ.get("BENCH_EVENTS_SCALE", 1.0))
SHAPE = os.environ.get("BENCH_SHAPE", "fade")
# utility shape: the members still paying keep using the product to the end of their last term, past the export's
# last day, as the published simulations write it (BENCH_TAIL=0: the events stop on the last day)
TAIL = os.environ.get("BENCH_TAIL", "1") == "1"
FIRST = dt.date(2025, 1, 1)  # the first day of usage
LAST = dt.date(2025, 6, 30)  # the last day the export knows
MONTHLY_CHURN = 0.03

CHANNELS = {"appstore1": (0.45, 0.0), "appstore2": (0.30, 0.35), "web": (0.25, -0.35)}  # share, churn log-odds
COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "MX", "CA", "AU", "ES"]
PLANS = {"Basic": (0.50, 6.0), "Plus": (0.35, 11.0), "Premium": (0.15, 18.0)}  # share, list price per seat
# event names and their usual mix; ad views and dislikes are what annoys
EVENTS = {"post": 0.10, "like": 0.34, "comment": 0.14, "message": 0.16, "share": 0.06, "new_friend": 0.04,
          "ad_view": 0.13, "dislike": 0.03}
ANNOYING = ("ad_view", "dislike")


# ---- the history ------------------------------------------------------------------------------------------


def month_anchor(anchor: dt.date, months: int) -> dt.date:
    """``months`` after ``anchor``, on the anchor's day or the month's last day (billing anchors)."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(anchor.day, calendar.monthrange(year, month + 1)[1]))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def generate(accounts: int, seed: int, folder: Path) -> dict:
    """Write accounts.csv, subscriptions.csv and events.csv; return the files and the generator's own facts."""
    rng = np.random.default_rng(seed)
    names = list(EVENTS)
    base_mix = np.array(list(EVENTS.values()))
    annoying = np.array([n in ANNOYING for n in names])
    acc_rows, sub_rows, events = [], [], []
    truth = {"churned": 0, "faded": 0, "term_decisions": 0, "terms_of": {}}
    intercept = -4.1  # tuned so that about MONTHLY_CHURN of paying accounts leave each month
    country_effect = dict(zip(COUNTRIES, rng.normal(0, 0.2, len(COUNTRIES)), strict=True))
    for i in range(accounts):
        crm = f"A{i:05d}"
        channel = rng.choice(list(CHANNELS), p=[v[0] for v in CHANNELS.values()])
        country = rng.choice(COUNTRIES, p=[0.3, 0.1, 0.1, 0.08, 0.1, 0.1, 0.06, 0.06, 0.05, 0.05])
        age = float(np.clip(rng.normal(34, 11), 16, 80))
        plan = rng.choice(list(PLANS), p=[v[0] for v in PLANS.values()])
        seats = 1 if plan == "Basic" else int(rng.integers(1, 5))
        price = PLANS[plan][1] * float(rng.choice([0.6, 0.8, 1.0, 1.0, 1.0, 1.25]))  # promotions, old prices
        # a third were customers before the export's window, the rest joined during it or just before
        if rng.random() < 0.55:
            start = FIRST - dt.timedelta(days=int(rng.integers(1, 540)))
        else:
            start = FIRST + dt.timedelta(days=int(rng.integers(-30, (LAST - FIRST).days - 20)))
        born = start - dt.timedelta(days=int(age * 365.25))
        acc_rows.append({"crm_id": crm, "name": f"Member {i}", "channel": channel, "country": country,
                         "date_of_birth": born.isoformat()})
        # who the account is: how much it uses, what, and what makes it leave beyond that
        level0 = rng.normal(0, 1)
        mix = rng.dirichlet(base_mix * 40)
        annoy = float(np.log(mix[annoying].sum() / base_mix[annoying].sum()))
        hidden = rng.normal(0, 0.6)  # what no column shows
        static = (intercept + CHANNELS[channel][1] + country_effect[country] + 0.025 * (30 - age)
                  + 0.8 * np.log(price / PLANS[plan][1] * (PLANS[plan][1] / 9.0) ** 0.4) + 1.2 * annoy
                  + hidden + {"Basic": 0.25, "Plus": 0.0, "Premium": -0.2}[plan])
        users = seats if seats > 1 else int(rng.choice([1, 1, 2]))
        # monthly terms, each ending on the next one's start
        level, before, n, term_start = level0, level0, 0, start
        days_active: list[tuple[dt.date, dt.date, float, float]] = []  # (from, to exclusive, level, fade days)
        leaves_on = None
        while term_start <= LAST:
            end = month_anchor(start, n + 1)
            early = 0.6 if n < 2 else (0.25 if n < 6 else 0.0)
            logit = static + early - 0.85 * level - 0.9 * min(level - before, 0)
            leaves = end > FIRST and rng.random() < sigmoid(logit)
            truth["term_decisions"] += end > FIRST
            fade = 0.0
            if leaves and rng.random() < 0.6:  # many leavers fade out over their last weeks
                fade = float(rng.integers(15, 50))
            days_active.append((term_start, end, level, fade if leaves else 0.0))
            truth["terms_of"].setdefault(crm, []).append((term_start, end, float(sigmoid(logit))))
            sub_rows.append({"external_id": f"{crm}-{n:02d}", "account_crm_id": crm, "plan": plan, "seats": seats,
                             "mrr": f"{price * seats:.2f}", "start_date": term_start.isoformat(),
                             "end_date": end.isoformat(),
                             "status": "canceled" if leaves else "active", "billing_period": "monthly"})
            if leaves:
                leaves_on = end
                break
            n += 1
            term_start = end
            before = level
            level = level0 + 0.75 * (level - level0) + rng.normal(0, 0.45)
        if leaves_on is not None and leaves_on <= LAST:
            truth["churned"] += 1
            truth["faded"] += days_active[-1][3] > 0
        events += account_events(rng, crm, users, mix, names, days_active)
    return write_history(acc_rows, sub_rows, events, truth, folder)


def account_events(rng, crm: str, users: int, mix, names, terms) -> list[tuple]:
    """Events of the days inside the window: each user is active on a share of days that follows the account's
    usage level, with a few events an active day; a leaver who fades uses less and less up to the last day."""
    rows = []
    for term_start, end, level, fade in terms:
        lo, hi = max(term_start, FIRST), min(end, LAST + dt.timedelta(days=1))
        n = (hi - lo).days
        if n <= 0:
            continue
        left = np.array([(end - lo).days - k for k in range(n)], dtype="float64")  # days to the term's end
        share = sigmoid(-0.6 + 1.1 * level + rng.normal(0, 0.25, n))
        if fade:
            share = share * np.clip(left / fade, 0.03, 1)
        for u in range(users):
            user_share = share * (1.0 if u == 0 else 0.55)
            active = np.flatnonzero(rng.random(n) < user_share)
            counts = 1 + rng.poisson(EVENTS_SCALE * 0.5 * np.exp(0.25 * level), len(active))
            for k, count in zip(active.tolist(), counts.tolist(), strict=True):
                day = lo + dt.timedelta(days=k)
                kinds = rng.choice(len(names), size=count, p=mix)
                minutes = rng.integers(7 * 60, 23 * 60, size=count)
                for kind, minute in zip(kinds.tolist(), minutes.tolist(), strict=True):
                    rows.append((crm, f"{crm}-u{u}", names[kind],
                                 f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d}:00Z"))
    return rows


# ---- the second shape: usage habits fixed per account, churn decided at each renewal from the term's usage --


# Per-month means of each behaviour by channel, and what each adds to or takes from the member's satisfaction.
UTILITY_EVENTS = ("post", "new_friend", "like", "ad_view", "dislike", "unfriend", "message", "reply")
UTILITY_MEANS = {"appstore1": (20, 5, 40, 20, 10, 1, 20, 5), "appstore2": (25, 6, 45, 14, 7, 1, 16, 4),
                 "web": (15, 4, 30, 26, 12, 1.5, 24, 7)}
UTILITY_SHARES = {"appstore1": 0.3, "appstore2": 0.55, "web": 0.15}
UTILITY_WEIGHTS = np.array([1.0, 6.0, 0.5, -1.5, -1.0, -10.0, 1.0, 1.0])


def generate_utility(accounts: int, seed: int, folder: Path) -> dict:
    """A history in the manner of the published churn simulations: each member keeps habits (monthly rates of
    eight behaviours, correlated and log-normal around their channel's means) and a hidden temper that age
    shifts a little; at each monthly renewal they leave with a probability that falls as the satisfaction of
    that term's counts rises (each behaviour saturating, ad views, dislikes and unfriending taking away). One
    user per account, no seats, one price; a first cohort joins in the first month and each later month
    brings 10% more new members than the last."""
    rng = np.random.default_rng(seed)
    k = len(UTILITY_EVENTS)
    corr = np.full((k, k), 0.55) + np.eye(k) * 0.45
    corr[6:, :6] = corr[:6, 6:] = 0.2
    corr[6, 7] = corr[7, 6] = 0.95
    chol = np.linalg.cholesky(corr)
    pooled = sum(np.array(UTILITY_MEANS[c]) * w for c, w in UTILITY_SHARES.items())
    scale_u = pooled * UTILITY_WEIGHTS

    def habits(channel):
        """Monthly rates: log-normal with the channel's means as medians, correlated, spread wider for the more
        frequent behaviours (a log-spread growing with the log of the mean), never quite zero."""
        means = np.array(UTILITY_MEANS[channel], dtype="float64")
        spread = np.sqrt(np.log(np.maximum(means, 1.0)) * 0.47)
        return np.maximum(means * np.exp(spread * (chol @ rng.standard_normal(k))) - 0.67, 0.33)

    def utility(counts, temper):
        u = float((scale_u * (1 - np.exp(-2 * counts / pooled))).sum())
        return u * temper if u > 0 else u / temper

    # how steeply the leave probability falls with satisfaction: over the root of the typical member's
    volatility = float(np.sqrt(max(scale_u.sum(), 1.0)))
    offset = -0.1  # tuned so that about MONTHLY_CHURN of renewals end the membership

    def leave_probability(counts, temper):
        return 1 - 1 / (1 + np.exp(-utility(counts, temper) / volatility + offset))

    # the joining plan: a first cohort, then 10% more new members each month than the month before
    months = (LAST.year - FIRST.year) * 12 + LAST.month - FIRST.month + 1
    first = max(1, int(accounts * 0.55))
    later = accounts - first
    growth = [1.1 ** m for m in range(months - 1)]
    per_month = [first] + [round(later * g / sum(growth)) for g in growth]
    day_factor = {}
    acc_rows, sub_rows, events = [], [], []
    truth = {"churned": 0, "faded": 0, "term_decisions": 0, "terms_of": {}}
    n = 0
    for m, count in enumerate(per_month):
        month_start = month_anchor(FIRST, m)
        days_in = (month_anchor(FIRST, m + 1) - month_start).days
        for _ in range(count):
            crm = f"M{n:05d}"
            n += 1
            channel = rng.choice(list(UTILITY_SHARES), p=list(UTILITY_SHARES.values()))
            country = rng.choice(COUNTRIES, p=[0.3, 0.1, 0.1, 0.08, 0.1, 0.1, 0.06, 0.06, 0.05, 0.05])
            age = float(rng.uniform(13, 80))
            born = month_start - dt.timedelta(days=int(age * 365.25))
            temper = 2.0 ** (rng.uniform(-1.5, 1.5) + 0.5 * (46.5 - age) / 67)
            rates = habits(channel)
            acc_rows.append({"crm_id": crm, "name": f"Member {crm}", "channel": channel, "country": country,
                             "date_of_birth": born.isoformat()})
            start = month_start + dt.timedelta(days=int(rng.integers(days_in)))
            term, term_start = 0, start
            while term_start <= LAST:
                end = month_anchor(start, term + 1)
                length = (end - term_start).days
                factors = np.array([day_factor.setdefault(term_start + dt.timedelta(days=d), float(
                    rng.uniform(1.0, 1.2) if (term_start + dt.timedelta(days=d)).weekday() >= 4
                    else rng.uniform(0.82, 1.02))) for d in range(length)])
                daily = rng.poisson(np.outer(factors, rates / 30 * EVENTS_SCALE))  # (days, behaviours)
                for d, e in zip(*np.nonzero(daily), strict=True):
                    day = term_start + dt.timedelta(days=int(d))
                    if day > LAST and not TAIL:
                        continue
                    for _ in range(int(daily[d, e])):
                        second = int(rng.integers(86400))
                        events.append((crm, f"{crm}-u0", UTILITY_EVENTS[e],
                                       f"{day.isoformat()}T{second // 3600:02d}:{second // 60 % 60:02d}:"
                                       f"{second % 60:02d}Z"))
                q = leave_probability(daily.sum(axis=0) / EVENTS_SCALE, temper)
                leaves = end <= LAST and rng.random() < q
                truth["term_decisions"] += end <= LAST
                truth["terms_of"].setdefault(crm, []).append((term_start, end, float(q)))
                sub_rows.append({"external_id": f"{crm}-{term:02d}", "account_crm_id": crm, "plan": "Member",
                                 "mrr": "9.99", "start_date": term_start.isoformat(), "end_date": end.isoformat(),
                                 "status": "canceled" if leaves else "active", "billing_period": "monthly"})
                if leaves:
                    truth["churned"] += 1
                    break
                term += 1
                term_start = end
    return write_history(acc_rows, sub_rows, events, truth, folder)


def write_history(acc_rows, sub_rows, events, truth, folder: Path) -> dict:
    truth["monthly_churn"] = truth["churned"] / max(truth["term_decisions"], 1)
    paths = {}
    for kind, rows in (("accounts", acc_rows), ("subscriptions", sub_rows), ("events", events)):
        path = folder / f"{kind}.csv"
        with path.open("w", newline="") as fh:
            if kind == "events":
                writer = csv.writer(fh)
                writer.writerow(["account_crm_id", "user_id", "event", "timestamp"])
                writer.writerows(rows)
            else:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        paths[kind] = path
    truth.update(accounts=len(acc_rows), terms=len(sub_rows), events=len(events))
    truth["terms_of"] = {crm: sorted(terms) for crm, terms in truth["terms_of"].items()}
    return {"paths": paths, "truth": truth}


# ---- the run ----------------------------------------------------------------------------------------------


def setup() -> Path:
    folder = Path(os.environ.get("BENCH_FOLDER") or tempfile.mkdtemp(prefix="tenure-bench-churn-history-"))
    os.environ["TENURE_DATA_DIR"] = str(folder)
    os.environ.setdefault("TENURE_DEBUG", "false")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/tenure.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return folder


def scored(test):
    """The test observations the back-test scores (each renewal once, where renewals decide churn)."""
    return test[test["scored"].to_numpy(dtype=bool)] if "scored" in test else test


def plain_logistic(data, report: dict) -> dict:
    """scikit-learn's LogisticRegression with its defaults on the same feature frame (median imputation, standard
    scaling, no tuning), fitted and tested block by block exactly as the back-test's retrains were."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from tenure.facts import days
    from tenure.predict import training

    frame = data.frame
    ys, ps = [], []
    for fold in report["folds"]:
        test_days = [days.day_number(dt.date.fromisoformat(d)) for d in fold["test_dates"]]
        last_train = days.day_number(dt.date.fromisoformat(fold["last_train_date"]))
        train = frame[frame["as_of"] <= last_train]
        test = scored(frame[frame["as_of"].isin(test_days)])
        model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression())
        model.fit(train[data.columns].to_numpy(dtype="float64"), train["label"].to_numpy())
        ps.append(model.predict_proba(test[data.columns].to_numpy(dtype="float64"))[:, 1])
        ys.append(test["label"].to_numpy())
    return training.scores(np.concatenate(ys), np.concatenate(ps))


def generators_own(data, report: dict, terms_of: dict) -> dict:
    """The generator's own leave probability of the term each test row falls in: what a model that saw the hidden
    causes would rank by (a reference, not a ceiling: a fade-out tells the data more than this probability)."""
    from tenure.accounts.models import Account
    from tenure.facts import days
    from tenure.predict import training

    crm_of = dict(Account.objects.values_list("pk", "crm_id"))
    test_days = {days.day_number(dt.date.fromisoformat(d)) for d in report["test_dates"]}
    test = scored(data.frame[data.frame["as_of"].isin(test_days)])
    p = []
    for account_id, day in zip(test["account_id"].tolist(), test["as_of"].tolist(), strict=True):
        date = days.to_date(day)
        # the term covering the day (its exclusive end is the next one's start), else the latest before it
        terms = terms_of.get(crm_of.get(account_id), [])
        covering = [q for start, end, q in terms if start <= date < end] or [q for start, _, q in terms
                                                                            if start <= date][-1:] or [0.0]
        p.append(covering[0])
    return training.scores(test["label"].to_numpy(), np.asarray(p))


def line(name: str, s: dict, method: str = "") -> str:
    fmt = lambda v: "—" if v is None else f"{v:.3f}"  # noqa: E731
    return (f"  {name:<34} AUC {fmt(s.get('auc'))}  top-decile lift {fmt(s.get('top_decile_lift'))}  "
            f"Brier {fmt(s.get('brier'))}  calibrated: {method or s.get('calibration_method', 'none')}  "
            f"({s.get('rows')} rows, {s.get('churns')} churns)")


def main() -> None:
    folder = setup()
    from django.core.management import call_command
    from threadpoolctl import threadpool_limits

    from tenure.facts.history import last_known_day
    from tenure.metrics import services as metrics
    from tenure.predict import services

    timings = {}
    if os.environ.get("BENCH_FOLDER"):  # an earlier run's folder: its history is imported already
        truth = json.loads((folder / "truth.json").read_text())
        truth["terms_of"] = {crm: [(dt.date.fromisoformat(a), dt.date.fromisoformat(b), q) for a, b, q in terms]
                             for crm, terms in truth["terms_of"].items()}
        print(f"history of {folder} (imported by an earlier run)")
    else:
        t = time.perf_counter()
        made = (generate_utility if SHAPE == "utility" else generate)(ACCOUNTS, SEED, folder)
        timings["generate"] = time.perf_counter() - t
        truth = made["truth"]
        (folder / "truth.json").write_text(json.dumps(truth, default=str))
        print(f"history ({SHAPE}, seed {SEED}): {truth['accounts']:,} accounts, {truth['terms']:,} monthly terms, "
              f"{truth['events']:,} events from {FIRST} to {LAST}; {truth['churned']} accounts left in it "
              f"({truth['monthly_churn']:.1%} of monthly renewals), {truth['faded']} of them after fading out; "
              f"files and database in {folder}")
        for kind in ("accounts", "subscriptions", "events"):
            t = time.perf_counter()
            out = io.StringIO()
            call_command("import", kind, str(made["paths"][kind]), stdout=out, stderr=io.StringIO())
            timings[f"import {kind}"] = time.perf_counter() - t
            said = " ".join(out.getvalue().split())
            print(f"import {kind}: {said[:300]}")

    t = time.perf_counter()
    out = io.StringIO()
    call_command("model", "evaluate", "--json", stdout=out)
    timings["model evaluate"] = time.perf_counter() - t
    report = json.loads(out.getvalue())
    print(f"\nas of {last_known_day()}: {report['observations']:,} observations of {report['accounts']:,} accounts, "
          f"{report['churns']} churns within {report['horizon_days']} days, {report['features']} features")
    print(f"observation plan: {report['observation']}")
    print(f"back-test: {len(report['test_dates'])} test dates ({report['test_dates'][0]} to "
          f"{report['test_dates'][-1]}) predicted by {len(report['folds'])} retrains")
    for kind, s in report["backtest"].items():
        if s.get("error"):
            print(f"  {kind:<34} failed: {s['error']}")
            continue
        chosen = "  <- chosen" if kind == report["chosen"] else ""
        print(line(kind, s) + chosen + f"  params {s.get('params')}")
        if s.get("all_observations"):
            print(line("  (every test observation)", s["all_observations"], "as above"))

    # the same feature frame the command built (same defaults), for the plain baseline
    t = time.perf_counter()
    horizon, grace = services.horizon_days(), metrics.grace_days()
    data = services.training_data(last_known_day(), horizon, grace)
    timings["features again"] = time.perf_counter() - t
    assert len(data.frame) == report["observations"], "the baseline's rows differ from the command's"
    t = time.perf_counter()
    with threadpool_limits(1):
        plain = plain_logistic(data, report)
    timings["plain logistic"] = time.perf_counter() - t
    print(line("plain LogisticRegression()", plain, "none"))
    print(line("generator's own probability", generators_own(data, report, truth["terms_of"]), "none"))
    best = report["backtest"].get(report["chosen"], {})
    if best.get("auc") is not None and plain["auc"] is not None:
        print(f"  chosen minus plain: AUC {best['auc'] - plain['auc']:+.3f}, top-decile lift "
              f"{best['top_decile_lift'] - plain['top_decile_lift']:+.2f}")
    for kind, s in report["backtest"].items():
        if s.get("calibration"):
            table = ", ".join(f"{c['predicted']:.3f}/{c['observed']:.3f}" for c in s["calibration"])
            print(f"  calibration of {kind} (predicted/observed by decile): {table}")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
