"""A signal opens when its condition holds, stays one row while it holds, and resolves itself when it clears."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenure.billing import services as billing
from tenure.risk.models import Signal, Task
from tenure.risk.services import detect_signals
from tests.factories import make_account, make_subscription, make_ticket
from tests.risk.conftest import AS_OF

DAY = dt.timedelta(days=1)


def test_a_failed_payment_opens_one_downturn_signal_with_its_numbers(past_due_account):
    result = detect_signals([past_due_account.pk], AS_OF)
    [signal] = Signal.objects.filter(account=past_due_account)
    assert result.opened == 1 and signal.driver == "downturn" and signal.kind == "payment_failed"
    assert signal.evidence["numbers"]["days_past_due"] == 20 and signal.severity == "high"
    assert signal.first_detected_on == signal.last_seen_on == AS_OF and signal.resolved_on is None


def test_while_the_condition_holds_the_signal_stays_one_row_and_is_refreshed(past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    result = detect_signals([past_due_account.pk], AS_OF + 3 * DAY)
    [signal] = Signal.objects.filter(account=past_due_account)
    assert result.opened == 0 and result.refreshed == 1
    assert signal.first_detected_on == AS_OF and signal.last_seen_on == AS_OF + 3 * DAY
    assert signal.evidence["numbers"]["days_past_due"] == 23


def test_when_the_condition_clears_the_signal_resolves_and_its_open_tasks_close(past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    assert Task.objects.filter(account=past_due_account, status="open").count() == 1
    billing.update_subscription(past_due_account.sub, status="active", effective_on=AS_OF + DAY)
    result = detect_signals([past_due_account.pk], AS_OF + 2 * DAY)
    [signal] = Signal.objects.filter(account=past_due_account)
    assert result.resolved == 1 and signal.resolved_on == AS_OF + 2 * DAY
    [task] = Task.objects.filter(account=past_due_account)
    assert task.status == "done" and task.close_reason == "condition_cleared" and task.outcome == "improved"


def test_a_condition_that_returns_opens_a_new_signal(past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    billing.update_subscription(past_due_account.sub, status="active", effective_on=AS_OF + DAY)
    detect_signals([past_due_account.pk], AS_OF + DAY)
    billing.update_subscription(past_due_account.sub, status="past_due", effective_on=AS_OF + 5 * DAY)
    detect_signals([past_due_account.pk], AS_OF + 5 * DAY)
    assert Signal.objects.filter(account=past_due_account).count() == 2
    assert Signal.objects.filter(account=past_due_account, resolved_on__isnull=True).count() == 1


def test_churned_accounts_are_not_checked_and_their_signals_resolve(past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    past_due_account.stage = "churned"
    past_due_account.save()
    result = detect_signals([past_due_account.pk], AS_OF + DAY)
    assert result.checked == 0 and result.resolved == 1


def test_detection_runs_a_fixed_number_of_queries_whatever_the_batch_size(csm):
    def build(n):
        ids = []
        for _ in range(n):
            a = make_account(owner=csm)
            make_subscription(a, start_date=dt.date(2025, 1, 1), end_date=AS_OF + 30 * DAY)  # renewal rule fires
            make_ticket(a, priority="urgent", opened_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
            ids.append(a.pk)
        return ids

    def count(ids):
        with CaptureQueriesContext(connection) as ctx:
            detect_signals(ids, AS_OF)
        return len(ctx.captured_queries)

    small, large = build(2), build(12)
    # The first run inserts signals, play runs and their first tasks in bulk.
    assert count(small) <= 46 and count(large) <= 46  # 40 before the community facts (5 queries, 1 for texts)
    assert count(small) == count(large)  # a second run refreshes them
