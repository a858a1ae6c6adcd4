"""The rules on AccountFacts themselves: plain functions of the loaded values."""

import datetime as dt

from tenure.facts import AccountFacts

DAY = dt.date(2026, 6, 1)


def facts(**values) -> AccountFacts:
    return AccountFacts(account_id=1, as_of=DAY, **values)


def test_utilization_is_observed_from_the_first_day_of_usage_but_judged_only_over_a_whole_window():
    fresh = facts(seats=10, active_users=4, usage_known_since=DAY - dt.timedelta(days=2))
    assert fresh.utilization == 0.4  # what the account page shows: at least 4 of 10 seats in use
    assert fresh.settled_utilization is None  # too early to call the account's use low

    settled = facts(seats=10, active_users=0, usage_known_since=DAY - dt.timedelta(days=120))
    assert settled.utilization == settled.settled_utilization == 0.0  # usage arrives, nobody here uses it


def test_utilization_is_unknown_without_seats_or_before_any_usage_reached_tenure():
    assert facts(seats=0, active_users=3, usage_known_since=DAY - dt.timedelta(days=120)).utilization is None
    assert facts(seats=10, active_users=0).utilization is None
    assert facts(seats=10, active_users=0, usage_known_since=DAY + dt.timedelta(days=1)).utilization is None
