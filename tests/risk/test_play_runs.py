"""Signals of one driver on one account are one play; its steps open one after another; it ends when they clear."""

import datetime as dt

import pytest
from django.utils import timezone

from tenure.billing import services as billing
from tenure.integrations.models import WebhookDelivery, WebhookEndpoint
from tenure.risk.models import Play, PlayRun, Signal, Task
from tenure.risk.services import detect_signals
from tenure.risk.work import close_task
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch
from tests.risk.conftest import AS_OF

DAY = dt.timedelta(days=1)


@pytest.fixture
def disconnected(csm):
    """Sponsor and champion both gone, and an urgent ticket unresolved for weeks: three disconnection signals."""
    account = make_account(name="Hooli", owner=csm)
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    make_contact(account, name="Hank", roles=["executive_sponsor"], left_on=AS_OF - 5 * DAY)
    make_contact(account, name="Frank", roles=["champion"], left_on=AS_OF - 4 * DAY)
    make_ticket(account, priority="urgent", opened_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    return account


def active(account):
    return list(Task.objects.filter(account=account, status__in=["open", "snoozed"]).order_by("pk"))


def test_signals_of_one_driver_open_one_play_whose_task_references_all_of_them(disconnected, csm_client):
    detect_signals([disconnected.pk], AS_OF)
    signals = set(Signal.objects.filter(account=disconnected, driver="disconnection").values_list("pk", flat=True))
    assert len(signals) >= 3
    [run] = PlayRun.objects.filter(account=disconnected)
    assert run.key == "driver:disconnection" and run.play.key == "sponsor-left"
    assert set(run.signals.values_list("pk", flat=True)) == signals
    [task] = active(disconnected)  # the play's first step only, not a task per signal
    assert task.step.order == 0 and task.run == run
    assert set(csm_client.get(f"/api/tasks/{task.pk}").json()["signal_ids"]) == signals


def test_a_new_signal_of_the_same_driver_joins_the_play_under_way_without_new_tasks(disconnected):
    detect_signals([disconnected.pk], AS_OF)
    make_contact(disconnected, name="Dee", roles=["champion"], left_on=AS_OF)
    detect_signals([disconnected.pk], AS_OF)
    [run] = PlayRun.objects.filter(account=disconnected)
    assert run.signals.count() == Signal.objects.filter(account=disconnected, driver="disconnection").count()
    assert len(active(disconnected)) == 1


def test_signals_without_a_play_share_one_follow_up_for_their_driver(csm):
    account = make_account(owner=csm)
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31))
    make_touch(account, summary="They are evaluating alternatives: Retainly demoed last week.",
               occurred_at=dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
    detect_signals([account.pk], AS_OF)
    kinds = set(Signal.objects.filter(account=account, driver="competition").values_list("kind", flat=True))
    assert kinds == {"competitor_mentioned", "churn_intent"}
    [task] = [t for t in active(account) if t.created_by_rule == "driver:competition"]
    assert task.title.startswith("Follow up: ") and "1 more competition signal" in task.title
    assert task.play is None and task.run.signals.count() == 2


def test_the_next_step_opens_when_the_previous_closes(disconnected, csm):
    detect_signals([disconnected.pk], AS_OF)
    [first] = active(disconnected)
    close_task(first, "completed", "improved", by=csm)
    [second] = active(disconnected)
    assert second.step.order == 1 and second.run_id == first.run_id
    assert second.due_on == second.run.started_on + dt.timedelta(days=second.step.due_offset_days)


def test_the_next_step_opens_once_the_previous_is_past_due_not_before(disconnected):
    detect_signals([disconnected.pk], AS_OF)
    [first] = active(disconnected)
    assert first.due_on == AS_OF
    detect_signals([disconnected.pk], AS_OF)  # due today: still the CSM's one task
    assert len(active(disconnected)) == 1
    detect_signals([disconnected.pk], AS_OF + DAY)
    assert [t.step.order for t in active(disconnected)] == [0, 1]
    detect_signals([disconnected.pk], AS_OF + 2 * DAY)  # step 1 is due in a week: nothing more yet
    assert len(active(disconnected)) == 2


def test_a_snoozed_step_holds_the_next_one_back(disconnected, csm):
    from tenure.risk.work import snooze_task

    detect_signals([disconnected.pk], AS_OF)
    [first] = active(disconnected)
    snooze_task(first, timezone.localdate() + 30 * DAY, by=csm)
    detect_signals([disconnected.pk], AS_OF + 3 * DAY)
    assert len(active(disconnected)) == 1


def test_when_the_drivers_signals_all_clear_the_play_ends_and_its_tasks_close_with_a_webhook(past_due_account):
    WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/", event_types=["task.closed"])
    detect_signals([past_due_account.pk], AS_OF)
    [task] = active(past_due_account)
    billing.update_subscription(past_due_account.sub, status="active", effective_on=AS_OF + DAY)
    detect_signals([past_due_account.pk], AS_OF + 2 * DAY)
    task.refresh_from_db()
    assert (task.status, task.close_reason, task.outcome, task.closed_by) == ("done", "condition_cleared",
                                                                              "improved", None)
    assert PlayRun.objects.get().ended_on == AS_OF + 2 * DAY
    assert WebhookDelivery.objects.get(event_type="task.closed").payload["task_id"] == task.pk


def test_a_closed_step_does_not_come_back_while_the_signals_hold(disconnected, csm):
    detect_signals([disconnected.pk], AS_OF)
    steps = Play.objects.get(key="sponsor-left").steps.count()
    for day in range(0, 60, 5):
        for task in active(disconnected):
            close_task(task, "completed", "no_change", by=csm)
        detect_signals([disconnected.pk], AS_OF + day * DAY)
    assert Task.objects.filter(account=disconnected).count() == steps  # each step once
    assert PlayRun.objects.filter(account=disconnected).count() == 1
