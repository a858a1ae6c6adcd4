"""Tasks: opened by plays (a step at a time) and signals, deduplicated while open, snoozed and woken, closed with
reason and outcome."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tenure.risk import work
from tenure.risk.models import Play, Signal, Task
from tenure.risk.services import detect_signals
from tenure.risk.work import apply_play, close_task, open_task, snooze_task, wake_snoozed_tasks
from tenure.users.models import Role
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_user
from tests.risk.conftest import AS_OF

DAY = dt.timedelta(days=1)


@pytest.fixture
def account(csm):
    return make_account(name="Umbrella", owner=csm)


def test_the_shipped_plays_exist_with_their_steps(db):
    plays = {p.key: p for p in Play.objects.prefetch_related("steps")}
    assert {"usage-drop", "sponsor-left", "renewal-90", "expansion", "onboarding-stalled"} <= set(plays)
    assert [s.due_offset_days for s in plays["renewal-90"].steps.all()] == [0, 14, 45, 75]


def test_a_play_opens_its_first_step_only_due_at_its_offset_for_the_accounts_csm(account, csm):
    play = Play.objects.get(key="sponsor-left")
    [task] = apply_play(account, play, as_of=AS_OF)
    first = play.steps.first()
    assert (task.step, task.due_on, task.owner, task.play) == (first, AS_OF + first.due_offset_days * DAY, csm, play)


def test_a_play_is_not_applied_twice_while_it_is_under_way(account):
    play = Play.objects.get(key="expansion")
    [first] = apply_play(account, play, as_of=AS_OF)
    snooze_task(first, timezone.localdate() + 5 * DAY)
    assert apply_play(account, play, as_of=AS_OF) == []
    close_task(first, "completed", "improved")
    assert apply_play(account, play, as_of=AS_OF) == []  # closing a step moves the play on, it does not restart
    assert [t.step.order for t in Task.objects.filter(account=account, status="open")] == [1]


def test_two_signals_of_one_driver_open_one_play_and_one_task(csm):
    account = make_account(owner=csm)
    make_contact(account, name="Hank", roles=["executive_sponsor"], left_on=AS_OF - 5 * DAY)
    make_contact(account, name="Frank", roles=["champion"], left_on=AS_OF - 4 * DAY)
    detect_signals([account.pk], AS_OF)
    assert set(Signal.objects.filter(account=account).values_list("kind", flat=True)) == {"sponsor_left",
                                                                                          "champion_left"}
    [task] = Task.objects.filter(account=account)  # one play, its first step; not a play per signal
    assert task.play.key == "sponsor-left" and task.owner == csm and task.priority == 2


def test_unassigned_accounts_get_tasks_without_an_owner(db):
    account = make_account(owner=None)
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=AS_OF + 200 * DAY)
    make_ticket(account, priority="urgent", opened_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    detect_signals([account.pk], AS_OF)
    assert Task.objects.filter(account=account).exists()
    assert not Task.objects.filter(account=account, owner__isnull=False).exists()


def test_a_signal_without_a_play_opens_one_follow_up_task(past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    [task] = Task.objects.filter(account=past_due_account)
    assert task.title.startswith("Follow up: Payment failed") and task.due_on == AS_OF + 2 * DAY
    assert task.created_by_rule == "driver:downturn" and task.signal.kind == "payment_failed"


def test_open_task_with_the_same_key_is_deduplicated(account):
    assert open_task(account, title="Call", dedupe_key="k") is not None
    assert open_task(account, title="Call again", dedupe_key="k") is None
    assert open_task(make_account(), title="Elsewhere", dedupe_key="k") is not None


def test_snoozed_tasks_wake_on_their_day(account):
    task = open_task(account, title="Call")
    today = timezone.localdate()
    snooze_task(task, today + 3 * DAY)
    assert wake_snoozed_tasks(today + 2 * DAY) == 0
    assert wake_snoozed_tasks(today + 3 * DAY) == 1
    task.refresh_from_db()
    assert task.status == "open" and task.snoozed_until is None


def test_snooze_needs_a_future_day(account):
    with pytest.raises(ValidationError):
        snooze_task(open_task(account, title="Call"), timezone.localdate())


def test_closing_requires_a_reason_and_an_outcome(account, csm):
    task = open_task(account, title="Call")
    with pytest.raises(ValidationError) as exc:
        close_task(task, "", "", by=csm)
    assert set(exc.value.message_dict) == {"reason", "outcome"}
    with pytest.raises(ValidationError):
        close_task(task, "condition_cleared", "improved", by=csm)  # the system's reason, not a person's
    close_task(task, "completed", "improved", by=csm, note="Met the new VP")
    task.refresh_from_db()
    assert (task.status, task.close_reason, task.outcome, task.closed_by, task.close_note) == (
        "done", "completed", "improved", csm, "Met the new VP")
    assert task.closed_at is not None


def test_read_only_users_and_other_csms_cannot_act_on_a_task(account, reader):
    task = open_task(account, title="Call")
    other = make_user(Role.CSM)
    for user in (reader, other):
        with pytest.raises(PermissionDenied):
            close_task(task, "completed", "improved", by=user)
    close_task(task, "completed", "improved", by=make_user(Role.LEADER))


def test_the_work_queue_orders_by_priority_then_due_date(account, csm):
    late_low = open_task(account, title="a", priority=4, due_on=AS_OF)
    soon_high = open_task(account, title="b", priority=2, due_on=AS_OF + 9 * DAY)
    first_high = open_task(account, title="c", priority=2, due_on=AS_OF + 1 * DAY)
    urgent = open_task(account, title="d", priority=1, due_on=AS_OF + 30 * DAY)
    assert list(work.work_queue(csm)) == [urgent, first_high, soon_high, late_low]
