"""Closing a renewal: an outcome, a reason when churned, a timeline note, its play's tasks closed (by whom,
with their webhooks), and the renewals page counted exactly those tasks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tenure.engagement.models import Touch
from tenure.integrations.models import WebhookDelivery, WebhookEndpoint
from tenure.renewals.models import Renewal
from tenure.renewals.services import close_renewal, sync_renewals
from tenure.risk.models import Task
from tenure.risk.work import advance_runs, open_task
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewal(csm):
    account = make_account(name="Initech", owner=csm)
    make_subscription(account, mrr=Decimal("1000"), end_date=dt.date(2026, 12, 31))
    sync_renewals([account.pk], dt.date(2026, 9, 2))  # 120 days: the play's first step, due 90 days before
    advance_runs(dt.date(2026, 10, 3), account_ids=[account.pk])  # past due: the second step opens
    return Renewal.objects.get()


def test_churned_without_a_reason_is_refused(renewal, csm):
    with pytest.raises(ValidationError) as exc:
        close_renewal(renewal, "churned", by=csm)
    assert "reason" in exc.value.message_dict
    renewal.refresh_from_db()
    assert renewal.status == "open"
    assert Task.objects.filter(status="open").count() == 2


def test_unknown_outcome_is_refused(renewal, csm):
    with pytest.raises(ValidationError):
        close_renewal(renewal, "maybe", by=csm)


def test_churn_closes_tasks_writes_timeline_note_and_zeroes_arr(renewal, csm):
    close_renewal(renewal, "churned", "competitor", arr_after="5000", by=csm, note="Went to Retainly.")
    renewal.refresh_from_db()
    assert (renewal.status, renewal.outcome, renewal.reason, renewal.arr_after, renewal.closed_by) == (
        "closed", "churned", "competitor", Decimal("0"), csm)
    tasks = list(Task.objects.filter(account=renewal.account))
    assert len(tasks) == 2 and all(t.status == "done" for t in tasks)
    assert {(t.close_reason, t.outcome, t.closed_by_id) for t in tasks} == {("completed", "churning", csm.pk)}
    note = Touch.objects.get(account=renewal.account)
    assert note.kind == "note" and note.author == csm
    assert "Churned (moved to a competitor)" in note.summary and "Went to Retainly." in note.summary


def test_renewed_keeps_arr_when_none_given_and_drops_any_reason(renewal, csm):
    close_renewal(renewal, "renewed", "budget_cuts", by=csm)
    renewal.refresh_from_db()
    assert (renewal.arr_after, renewal.reason) == (Decimal("12000"), "")


def test_closing_twice_is_refused(renewal, csm):
    close_renewal(renewal, "expanded", arr_after=15000, by=csm)
    with pytest.raises(ValidationError):
        close_renewal(renewal, "renewed", by=csm)


def test_read_only_users_cannot_close(renewal, reader):
    with pytest.raises(PermissionDenied):
        close_renewal(renewal, "renewed", by=reader)


def test_closed_renewal_is_not_reopened_by_the_next_sync(renewal):
    close_renewal(renewal, "renewed", by=make_user(username="boss", role="leader"))
    sync_renewals([renewal.account_id], dt.date(2026, 11, 15))
    assert Renewal.objects.count() == 1
    assert not Task.objects.filter(status="open").exists()


def test_the_renewals_page_counts_the_tasks_closing_will_close(renewal, csm, leader, client):
    open_task(renewal.account, title="Unrelated call")  # the account's other work is not the renewal's
    client.force_login(leader)
    [row] = client.get(reverse("renewals:list")).context["renewals"]
    WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/", event_types=["task.closed"])
    close_renewal(renewal, "renewed", by=leader)
    closed = Task.objects.filter(account=renewal.account, status="done")
    assert row.open_tasks == closed.count() == 2
    assert set(closed.values_list("closed_by", flat=True)) == {leader.pk}
    assert WebhookDelivery.objects.filter(event_type="task.closed").count() == 2
    assert Task.objects.get(title="Unrelated call").status == "open"
