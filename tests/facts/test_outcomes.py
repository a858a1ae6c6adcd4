"""One churn definition: renewals and churns from subscription history, the same for metrics, the churn model
and the health score's back-test."""

import datetime as dt

import pytest

from tenure.facts.outcomes import (
    Outcome,
    active_periods,
    changes_frame,
    coverage,
    day_number,
    grace_days,
    outcomes,
    to_date,
)

D = dt.date


def frame(*entries):
    """entries: (account, subscription, effective_on, status, start_date, end_date[, mrr dollars])"""
    rows = []
    for order, e in enumerate(entries):
        account, sub, eff, status, start, end = e[:6]
        mrr = e[6] if len(e) > 6 else 100
        rows.append((sub, account, eff, order, round(mrr * 100), 10, status, start, end, "Growth", "annual"))
    return changes_frame(rows)


HISTORY = frame(
    # account 1 renews: the end date moves past the previous one
    (1, 10, D(2025, 1, 1), "active", D(2025, 1, 1), D(2025, 12, 31)),
    (1, 10, D(2025, 12, 20), "active", D(2025, 1, 1), D(2026, 12, 31)),
    # account 2 cancels on 1 Feb, paid to the end of that day: churned the day after the paid term ends
    (2, 20, D(2025, 3, 1), "active", D(2025, 3, 1), D(2026, 2, 28)),
    (2, 20, D(2026, 2, 1), "canceled", D(2025, 3, 1), D(2026, 2, 1)),
    # account 3 lets the term run out: churn on the day after the end
    (3, 30, D(2025, 4, 1), "active", D(2025, 4, 1), D(2026, 3, 31)),
    # account 4 replaces its subscription within the grace: a renewal, not a churn
    (4, 40, D(2025, 5, 1), "active", D(2025, 5, 1), D(2026, 4, 30)),
    (4, 41, D(2026, 5, 5), "active", D(2026, 5, 5), D(2027, 5, 4)),
    # account 5 ended within the grace: too early to call
    (5, 50, D(2025, 5, 28), "active", D(2025, 5, 28), D(2026, 5, 27)),
    # account 6 is monthly and open-ended: no term end, no outcome
    (6, 60, D(2025, 1, 1), "active", D(2025, 1, 1), None),
    # account 7 only ever had a free subscription: never a paying customer, so neither renews nor churns
    (7, 70, D(2025, 1, 1), "active", D(2025, 1, 1), D(2025, 12, 31), 0),
)


def test_renewals_and_churns_from_subscription_history():
    assert outcomes(HISTORY, day_number(D(2026, 6, 1))) == [
        Outcome(1, D(2026, 1, 1), False),
        Outcome(2, D(2026, 2, 2), True),
        Outcome(3, D(2026, 4, 1), True),
        Outcome(4, D(2026, 5, 1), False),
    ]


def test_a_churn_is_dated_as_the_retention_metrics_date_it():
    today = day_number(D(2026, 6, 1))
    periods = active_periods(coverage(HISTORY, today), today).periods
    metric_churns = {(int(a), to_date(d)) for a, d, c in zip(periods["account_id"], periods["churn_on"],
                                                               periods["churned"], strict=True) if c}
    found = {(o.account_id, o.day) for o in outcomes(HISTORY, today) if o.churned}
    assert found == metric_churns - {(5, D(2026, 5, 28))}  # account 5 is still within its grace


def test_the_grace_decides_between_a_late_renewal_and_a_churn():
    late = frame((1, 10, D(2025, 1, 1), "active", D(2025, 1, 1), D(2025, 12, 31)),
                 (1, 11, D(2026, 1, 11), "active", D(2026, 1, 11), D(2026, 12, 31)))  # 10 days without coverage
    today = day_number(D(2026, 6, 1))
    assert outcomes(late, today, grace_days=14) == [Outcome(1, D(2026, 1, 1), False)]
    assert outcomes(late, today, grace_days=7) == [Outcome(1, D(2026, 1, 1), True)]


def test_a_monthly_subscription_cancelled_without_an_end_date_churns_on_the_cancellation_day():
    monthly = frame((1, 10, D(2025, 1, 1), "active", D(2025, 1, 1), None),
                    (1, 10, D(2026, 3, 15), "canceled", D(2025, 1, 1), None))
    assert outcomes(monthly, day_number(D(2026, 6, 1))) == [Outcome(1, D(2026, 3, 15), True)]


def test_nothing_after_the_as_of_day_is_seen():
    assert outcomes(HISTORY, day_number(D(2025, 12, 1))) == []


@pytest.mark.parametrize(("setting", "expected"), [(None, 7), (30, 30)])
def test_the_grace_is_the_churn_grace_setting(settings, setting, expected):
    settings.TENURE_CHURN_GRACE_DAYS = setting
    assert grace_days() == expected
