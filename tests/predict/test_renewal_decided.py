"""Histories where each renewal decides churn (monthly payers): the month that decides is estimated from the part
of it already seen plus the pace of the months before, and the back-test scores each renewal once, a week or two
before it is decided, while the models learn from every observation."""

import datetime as dt

import numpy as np
import pandas as pd

from tenure.facts.days import day_number
from tenure.facts.outcomes import changes_frame
from tenure.predict import features as feat
from tenure.predict import observations as obs
from tenure.predict import training
from tests.predict.test_model import _synthetic

D = dt.date


def _inputs(terms: dict[int, list[tuple]], usage: dict[int, list[int]]) -> feat.Inputs:
    """Accounts paying term by term (one subscription row per term, end dates inclusive; each term's status and
    billing period active and monthly unless given) and one 'post' a day on the given days."""
    changes, n = [], 0
    for account, spans in terms.items():
        for start, end, *more in spans:
            n += 1
            status, period = more[0] if more else "active", more[1] if len(more) > 1 else "monthly"
            changes.append((n, account, start, n, 999, 1, status, start, end, "Member", period))
    fu = [(a, d, "post", 1) for a, days in usage.items() for d in days]
    act = [(a, d, 1, 1, 1) for a, days in usage.items() for d in days]
    return feat.Inputs(
        changes=changes_frame(changes),
        accounts=pd.DataFrame({"account_id": list(terms), "segment": "", "industry": "",
                               "custom": [{} for _ in terms]}).set_index("account_id", drop=False),
        activity=pd.DataFrame(act, columns=["account_id", "day", "active_users", "logins", "events"]),
        feature_usage=pd.DataFrame(fu, columns=["account_id", "day", "event", "count"]),
        user_activity=pd.DataFrame([(a, d, a) for a, days in usage.items() for d in days],
                                   columns=["account_id", "day", "user"]),
        tickets=pd.DataFrame(columns=["account_id", "opened", "resolved", "urgent", "csat"]),
        touches=pd.DataFrame(columns=["account_id", "day", "negative", "with_executive_sponsor", "with_champion"]),
        contacts=pd.DataFrame(columns=["account_id", "executive_sponsor", "champion", "left_on"]),
    )


MONTHS = [(D(2025, m, 1), D(2025, m + 1, 1) - dt.timedelta(days=1)) for m in range(1, 7)]


def test_the_deciding_month_is_what_was_seen_of_it_plus_the_pace_for_the_days_to_come():
    first, last = day_number(D(2025, 1, 1)), day_number(D(2025, 6, 30))
    steady = list(range(first, last + 1))
    stopped = [d for d in steady if d <= day_number(D(2025, 4, 15))]  # nothing since 15 April
    inputs = _inputs({1: MONTHS, 2: MONTHS}, {1: steady, 2: stopped})
    spec = feat.make_spec(inputs)
    assert spec.events == ["post"]
    for day in (D(2025, 4, 5), D(2025, 4, 20), D(2025, 4, 30)):
        f = feat.features_as_of(inputs, day_number(day), [1, 2], spec)
        to_come = (D(2025, 4, 30) - day).days
        assert f.loc[1, "term_days_left"] == to_come + 1  # the renewal is decided the day after the term ends
        # one post a day, whatever the day of the term: the deciding month holds 30
        assert f.loc[1, "ev:post:decisive_30"] == 30
    # 20 April: 10 days to come, 20 seen of the month's last 30 (1-20 April), 5 with a post; the pace of the
    # last 90 days (21 Jan - 20 Apr) is 85 posts in 90 days
    f = feat.features_as_of(inputs, day_number(D(2025, 4, 20)), [1, 2], spec)
    assert np.isclose(f.loc[2, "ev:post:decisive_30"], 15 + 85 / 90 * 10)
    assert f.loc[2, "term_days_in"] == 19


def test_an_end_date_that_records_a_departure_is_no_term_end():
    # one row per subscription: only the cancelled ones carry an end date, written when the customer left
    days = list(range(day_number(D(2025, 1, 1)), day_number(D(2025, 6, 30)) + 1))
    inputs = _inputs({1: [(D(2025, 1, 1), D(2025, 5, 9), "canceled")], 2: [(D(2025, 1, 1), None)],
                      3: [(D(2025, 1, 1), None)]}, {1: days, 2: days, 3: days})
    spec = feat.make_spec(inputs)
    assert not spec.term_ends
    f = feat.features_as_of(inputs, day_number(D(2025, 5, 1)), [1, 2, 3], spec)
    assert f["term_days_left"].isna().all() and f["term_days_in"].isna().all()
    assert (f["ev:post:decisive_30"] == f["ev:post:30"]).all()  # the last 30 days, whoever is leaving
    # one row per term: every term's end is known when it starts, the last (cancelled) one's as well
    months = [*MONTHS[:4], (*MONTHS[4], "canceled")]
    inputs = _inputs({1: months, 2: MONTHS, 3: MONTHS}, {1: days, 2: days, 3: days})
    spec = feat.make_spec(inputs)
    assert spec.term_ends
    f = feat.features_as_of(inputs, day_number(D(2025, 5, 20)), [1, 2, 3], spec)
    assert f["term_days_left"].tolist() == [12, 12, 12]
    # a yearly term paid and then not renewed ends when it was known to end, as one renewed does
    years = [(D(2024, 6, 1), D(2025, 5, 31), "active", "annual"), (D(2025, 6, 1), D(2026, 5, 31), "active", "annual")]
    inputs = _inputs({1: [*years[:1], (D(2025, 6, 1), D(2026, 5, 31), "canceled", "annual")], 2: years},
                     {1: days, 2: days})
    f = feat.features_as_of(inputs, day_number(D(2025, 6, 20)), [1, 2], feat.make_spec(inputs))
    assert f["term_days_left"].tolist() == [346, 346]


def test_each_renewal_is_scored_once_a_week_or_two_before_it_is_decided():
    observation = obs.Observation(dates=[], first_day=0, warmup=30, step=7, settle=37)
    weeks = pd.DataFrame({"term_days_left": [31, 24, 17, 10, 3, 28, 21, 14, 7]})  # two renewals, weekly
    scored = obs.at_renewal(weeks, observation, horizon=30)
    assert scored.tolist() == [False, False, False, True, False, False, False, True, False]
    assert observation.renewal_window() == (8, 14)
    # annual terms (most renewals beyond the horizon) or open-ended ones: every observation is scored
    assert obs.at_renewal(pd.DataFrame({"term_days_left": [200, 193, 186, 20]}), observation, 30) is None
    assert obs.at_renewal(pd.DataFrame({"term_days_left": [np.nan] * 4}), observation, 30) is None


def test_the_backtest_scores_the_marked_rows_and_learns_from_all_of_them():
    data = _synthetic(n_dates=10)
    data["scored"] = data["account_id"] % 4 == 0
    columns = ["usage", "past_due", "tenure", "n1", "n2", "n3"]
    marked = training.backtest(data, columns, settle_days=30, tree_budget=60)
    every = training.backtest(data.drop(columns="scored"), columns, settle_days=30, tree_budget=60)
    tested = data["as_of"].isin(marked.test_dates)
    assert marked.test_dates == every.test_dates
    for kind in training.KINDS:
        assert marked.results[kind]["rows"] == int((tested & data["scored"]).sum())
        # every test observation is scored beside, by the same models (the same as scoring them all)
        assert marked.results[kind]["all_observations"]["rows"] == every.results[kind]["rows"] == tested.sum()
        assert np.isclose(marked.results[kind]["all_observations"]["auc"], every.results[kind]["auc"])
        assert "all_observations" not in every.results[kind]
