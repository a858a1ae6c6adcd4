"""The plan is a pure function of (seed, accounts, today): tested without a database."""

import datetime as dt
from collections import Counter

import pytest

from tenure.demo.models import Cause, Scenario
from tenure.demo.plan import DEFAULT_ACCOUNTS, make_plan, validate_plan
from tenure.demo.values import (
    MAX_SEATS,
    MIN_SEATS,
    DemoPlanError,
    add_years,
    segment_for,
)

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def default_plan():
    return make_plan(seed=42, accounts=DEFAULT_ACCOUNTS, today=TODAY)


def test_same_seed_and_today_make_the_same_plan(default_plan):
    assert make_plan(seed=42, accounts=DEFAULT_ACCOUNTS, today=TODAY) == default_plan


def test_another_seed_or_another_today_make_another_plan(default_plan):
    assert make_plan(seed=43, accounts=DEFAULT_ACCOUNTS, today=TODAY) != default_plan
    assert make_plan(seed=42, accounts=DEFAULT_ACCOUNTS, today=TODAY + dt.timedelta(days=1)) != default_plan


def test_default_plan_passes_validation(default_plan):
    validate_plan(default_plan)


def test_validation_catches_a_duplicate_email(default_plan):
    plan = make_plan(seed=1, accounts=30, today=TODAY)
    plan.contacts[1].email = plan.contacts[0].email.upper()
    with pytest.raises(DemoPlanError, match="duplicate contact email"):
        validate_plan(plan)


def test_too_few_accounts_is_refused():
    with pytest.raises(ValueError, match="at least"):
        make_plan(seed=1, accounts=10, today=TODAY)


def test_seats_are_skewed_many_small_few_big(default_plan):
    seats = sorted(s.history[0].state.seats for s in default_plan.subscriptions if s.external_id.endswith("A"))
    assert seats[0] == MIN_SEATS and seats[-1] == MAX_SEATS
    median = seats[len(seats) // 2]
    assert 10 <= median <= 60
    segments = Counter(a.segment for a in default_plan.accounts)
    assert segments["smb"] > segments["mid-market"] > segments["enterprise"] > 10


def test_segment_follows_seats():
    assert [segment_for(s) for s in (5, 49, 50, 499, 500, 2000)] == [
        "smb", "smb", "mid-market", "mid-market", "enterprise", "enterprise"]


def test_every_cause_is_told_at_risk_and_churned_even_in_a_small_plan():
    plan = make_plan(seed=3, accounts=30, today=TODAY)
    told = {(a.scenario.scenario, a.scenario.cause) for a in plan.accounts}
    for cause in Cause:
        assert (Scenario.CHURNED, cause) in told
        assert (Scenario.AT_RISK, cause) in told


def test_all_history_is_in_the_past_and_covers_the_year(default_plan):
    days = [h.effective_on for s in default_plan.subscriptions for h in s.history]
    assert max(days) < TODAY
    assert min(days) < TODAY - dt.timedelta(days=365)
    touched = [t.occurred_at.date() for t in default_plan.touches]
    assert max(touched) < TODAY and min(touched) <= TODAY - dt.timedelta(days=330)


def test_add_years_keeps_29_february_in_range():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2025, 3, 1), -1) == dt.date(2024, 3, 1)
