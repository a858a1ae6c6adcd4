"""Opportunities open when utilization over 30 days is at least 90% (expansion) or paid seats sit unused
(adoption / right-sizing), once while open; closing records the outcome."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tenure.engagement.models import Touch
from tenure.renewals.models import Opportunity
from tenure.renewals.services import close_opportunity, sync_opportunities
from tenure.usage.models import DailyAccountActivity, DailyUserActivity
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def customer(seats: int, active: int, usage_since: dt.date = TODAY - dt.timedelta(days=90)):
    """An account with ``active`` users in the last 20 days, in a product that has sent usage since ``usage_since``."""
    account = make_account(stage="adopting")
    make_subscription(account, seats=seats, end_date=dt.date(2027, 1, 31))
    DailyAccountActivity.objects.get_or_create(account=account, day=usage_since, defaults={"active_users": 0})
    DailyUserActivity.objects.bulk_create(
        DailyUserActivity(account=account, user_key=f"u{i}", day=TODAY - dt.timedelta(days=i % 20), events=3)
        for i in range(active))
    return account


def test_utilization_at_90_percent_opens_an_expansion_once():
    busy, almost = customer(seats=20, active=18), customer(seats=20, active=17)
    assert sync_opportunities([busy.pk, almost.pk], TODAY) == 1
    opp = Opportunity.objects.get()
    assert (opp.account, opp.kind, opp.trigger) == (busy, "expansion", "high_utilization")
    assert opp.evidence == {"utilization": 90, "mau": 18, "seats": 20, "days": 30}
    assert sync_opportunities([busy.pk], TODAY + dt.timedelta(days=1)) == 0
    assert Opportunity.objects.count() == 1


def test_unused_paid_capacity_opens_an_adoption_opportunity():
    idle = customer(seats=50, active=5)
    sync_opportunities([idle.pk], TODAY)
    assert Opportunity.objects.get().kind == "adoption"


def test_unused_capacity_waits_for_usage_over_the_whole_window_but_a_full_house_does_not():
    idle = customer(seats=50, active=5, usage_since=TODAY - dt.timedelta(days=10))
    busy = customer(seats=20, active=18, usage_since=TODAY - dt.timedelta(days=10))
    assert sync_opportunities([idle.pk, busy.pk], TODAY) == 1  # 5 of 50 may be day ten of sending events
    assert Opportunity.objects.get().account == busy  # 18 of 20 is already a fact


def test_onboarding_accounts_are_not_judged_on_utilization():
    account = customer(seats=50, active=2)
    account.stage = "onboarding"
    account.save()
    assert sync_opportunities([account.pk], TODAY) == 0


def test_lost_needs_a_reason_and_won_records_amount_and_a_note(csm):
    busy = customer(seats=20, active=20)
    sync_opportunities([busy.pk], TODAY)
    opp = Opportunity.objects.get()
    with pytest.raises(ValidationError):
        close_opportunity(opp, "lost", by=csm)
    close_opportunity(opp, "won", amount="6000", by=csm)
    opp.refresh_from_db()
    assert (opp.status, opp.outcome, opp.amount, opp.closed_by) == ("closed", "won", Decimal("6000"), csm)
    assert "ARR 6,000" in Touch.objects.get(account=busy).summary


def test_closed_opportunity_does_not_reopen_for_90_days(csm):
    busy = customer(seats=20, active=20)
    sync_opportunities([busy.pk], TODAY)
    close_opportunity(Opportunity.objects.get(), "lost", reason="No budget this year", by=csm)
    assert sync_opportunities([busy.pk], TODAY) == 0


def test_an_expansion_opportunity_starts_the_expansion_play_and_closing_it_closes_its_tasks(csm):
    from tenure.risk.models import Task

    busy = customer(seats=20, active=20)
    sync_opportunities([busy.pk], TODAY)
    [task] = Task.objects.filter(account=busy, status="open")
    assert task.play.key == "expansion" and task.run.key == f"opportunity:{Opportunity.objects.get().pk}"
    close_opportunity(Opportunity.objects.get(), "won", amount="6000", by=csm)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.closed_by) == ("done", "improved", csm)


def test_the_risk_expansion_signal_shows_but_opens_no_second_expansion_play():
    from tenure.risk.models import Signal, Task
    from tenure.risk.work import plan_work

    busy = customer(seats=20, active=20)
    sync_opportunities([busy.pk], TODAY)
    Signal.objects.create(account=busy, driver="lifecycle", kind="expansion_ready", dedupe_key="expansion_ready",
                          title="Ready to expand", first_detected_on=TODAY, last_seen_on=TODAY)
    assert plan_work([busy.pk], TODAY) == (0, 0)  # the signal shows on the account; the opportunity has the play
    assert Task.objects.filter(account=busy, play__key="expansion").count() == 1
