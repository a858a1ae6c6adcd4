"""Each churn cause is written into the data where a CSM (and a model) would find it."""

import datetime as dt
import itertools

import pytest
from django.db.models import Q

from tenure.demo.models import Cause, DemoScenario, Scenario, UsageTrend
from tenure.demo.texts import COMPETITORS
from tenure.engagement.models import Touch
from tenure.support.models import Ticket
from tests.demo.conftest import TODAY

DAY = dt.timedelta(days=1)


def _stories(cause):
    found = list(DemoScenario.objects.filter(cause=cause).select_related("account"))
    assert {s.scenario for s in found} == {Scenario.CHURNED, Scenario.AT_RISK}, cause  # rough patches: `scare`
    return found


def _end(story) -> dt.date:
    return story.churned_on or TODAY


def _history(account):
    return [c for sub in account.subscriptions.filter(external_id__endswith="A") for c in sub.history.all()]


def test_sponsor_left_before_the_churn_and_a_note_says_so(small_demo):
    for story in _stories(Cause.SPONSOR_LEFT):
        sponsor = story.account.contacts.get(is_executive_sponsor=True)
        assert sponsor.left_on is not None and sponsor.left_on < _end(story)
        assert sponsor.left_on == story.warning_on
        assert Touch.objects.filter(account=story.account, summary__contains=f"{sponsor.name} ({sponsor.title})",
                                    occurred_at__date__gte=sponsor.left_on).exists()
        assert not Touch.objects.filter(contacts=sponsor, occurred_at__date__gte=sponsor.left_on).exists()


def test_silent_sponsor_stops_appearing_on_touches_months_before(small_demo):
    for story in _stories(Cause.SPONSOR_SILENT):
        sponsor = story.account.contacts.get(is_executive_sponsor=True)
        assert sponsor.left_on is None
        last = Touch.objects.filter(contacts=sponsor).order_by("-occurred_at").first()
        assert last is not None and last.occurred_at.date() < _end(story) - 85 * DAY
        if story.churned_on:
            assert last.occurred_at.date() < story.churned_on - 90 * DAY
            assert Touch.objects.filter(account=story.account, summary__contains="no reply").exists()


def test_usage_decline_is_noted_and_stored_for_the_usage_generator(small_demo):
    for story in _stories(Cause.USAGE_DECLINE):
        assert story.usage_trend == UsageTrend.DECLINING
        assert story.usage_change_on == story.warning_on < _end(story)
        assert Touch.objects.filter(account=story.account, summary__contains="declining").exists()
        assert Ticket.objects.filter(account=story.account, body__contains="usage keeps dropping").exists()


def test_every_churned_account_has_usage_declining_before_it_left(small_demo):
    for story in DemoScenario.objects.filter(scenario=Scenario.CHURNED):
        assert story.usage_trend == UsageTrend.DECLINING
        assert story.usage_change_on < story.churned_on


def test_seat_cut_shows_a_seat_decrease_in_the_history(small_demo):
    for story in _stories(Cause.SEAT_CUT):
        history = _history(story.account)
        cuts = [b for a, b in itertools.pairwise(history) if b.seats < a.seats]
        assert cuts and cuts[0].effective_on == story.warning_on < _end(story)
        assert Ticket.objects.filter(account=story.account, subject="Reduce our seat count").exists()


def test_failed_payment_shows_past_due_before_the_cancellation(small_demo):
    for story in _stories(Cause.PAYMENT_FAILED):
        history = _history(story.account)
        statuses = [c.status for c in history]
        assert "past_due" in statuses
        if story.churned_on:
            assert statuses[-1] == "canceled" and statuses[-2] == "past_due"
            assert history[-1].effective_on == story.churned_on
        else:
            assert statuses[-1] == "past_due"
        assert Ticket.objects.filter(account=story.account, category="billing", contact__is_billing=True).exists()


def test_competitor_is_named_in_a_ticket_or_touch(small_demo):
    for story in _stories(Cause.COMPETITOR):
        assert story.competitor in COMPETITORS
        named = Q(summary__contains=story.competitor)
        assert Touch.objects.filter(named, account=story.account).exists()
        assert Ticket.objects.filter(account=story.account, body__contains=story.competitor).exists()


@pytest.mark.parametrize("cause", list(Cause))
def test_each_churn_cause_has_a_churned_account_with_an_exit_note(small_demo, cause):
    churned = DemoScenario.objects.filter(cause=cause, scenario=Scenario.CHURNED)
    assert churned.exists()
    for story in churned:
        assert story.account.stage == "churned"
        assert Touch.objects.filter(account=story.account, summary__startswith="Churned on").exists()


def test_competitors_are_only_fictional_names(small_demo):
    real = ("Gainsight", "Totango", "ChurnZero", "Vitally", "Planhat")
    for name in real:
        assert not Touch.objects.filter(summary__icontains=name).exists()
        assert not Ticket.objects.filter(body__icontains=name).exists()


def test_a_customer_that_never_adopted_leaves_early_with_onboarding_stuck(small_demo):
    from tenure.engagement.models import Milestone

    for story in _stories(Cause.NEVER_ADOPTED):
        main = story.account.subscriptions.get(external_id__endswith="A")
        first = main.history.order_by("effective_on").first()
        assert story.active_share <= 0.3
        assert Touch.objects.filter(account=story.account, summary__contains="Go-live").exists()
        if story.churned_on:  # within months of signing, or at the first annual renewal
            assert (story.churned_on - first.effective_on).days <= 370
        else:  # still onboarding, whether weeks in or most of an annual term
            assert Milestone.objects.filter(project__account=story.account, done_on__isnull=True,
                                            due_on__lt=TODAY).exists()
        assert "little warning" not in story.notes  # it shows from the kickoff on


def test_some_leavers_show_their_cause_only_weeks_before(small_demo):
    quiet = [s for s in DemoScenario.objects.filter(scenario=Scenario.CHURNED) if "little warning" in s.notes]
    assert quiet
    for story in quiet:
        if story.cause != Cause.NEVER_ADOPTED:
            assert (story.churned_on - story.warning_on).days <= 40
    assert not DemoScenario.objects.filter(cause=Cause.SPONSOR_SILENT, notes__contains="little warning").exists()


def test_healthy_accounts_come_through_rough_patches_that_look_like_a_leavers_signs(small_demo):
    patched = list(DemoScenario.objects.exclude(scare="").select_related("account"))
    assert patched and {s.scenario for s in patched} <= {Scenario.STEADY, Scenario.EXPANDING}
    resolved = {
        Cause.COMPETITOR: "is staying", Cause.USAGE_DECLINE: "recovering", Cause.SPONSOR_SILENT: "at last",
        Cause.PAYMENT_FAILED: "Payment received",
    }
    for story in patched:
        assert story.scare_from < story.scare_until < TODAY and story.churned_on is None
        assert story.account.stage != "churned"
        during = Touch.objects.filter(account=story.account, sentiment="negative",
                                      occurred_at__date__range=(story.scare_from, story.scare_until))
        assert during.exists()
        resolution = Touch.objects.filter(account=story.account, summary__contains=resolved[story.scare],
                                          sentiment="positive")
        if story.scare == Cause.PAYMENT_FAILED:  # paid before the patch is over; the history shows it
            assert resolution.filter(occurred_at__date__range=(story.scare_from, story.scare_until)).exists()
            statuses = [c.status for c in _history(story.account)]
            assert "past_due" in statuses and statuses[-1] == "active"
        else:
            assert resolution.filter(occurred_at__date=story.scare_until).exists()
        if story.scare == Cause.COMPETITOR:
            assert story.competitor in COMPETITORS
