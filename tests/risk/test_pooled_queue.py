"""Accounts the pooled tech-touch team serves get their automatic tasks in the pooled queue, not on a CSM's list."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from tenure.accounts.assignment import assign_accounts
from tenure.accounts.models import Account, AssignmentRule
from tenure.billing import services as billing
from tenure.risk.models import Task
from tenure.risk.services import detect_signals
from tenure.risk.work import close_task, work_queue
from tenure.users.models import Role
from tests.factories import make_account, make_subscription, make_user
from tests.risk.conftest import AS_OF


@pytest.fixture
def tech_touch(db):
    """A CSM on the pooled team, and a small account the rules gave to the pool whose payment failed."""
    member = make_user(Role.CSM, username="pat")
    rule = AssignmentRule.objects.create(name="Tech touch", position=10, coverage="pooled")
    rule.team.set([member])
    account = make_account(name="Tiny Co")
    assign_accounts([account.pk])
    account.refresh_from_db()
    assert account.coverage == "pooled" and account.owner is None
    sub = make_subscription(account, start_date=AS_OF - dt.timedelta(days=40), end_date=dt.date(2027, 12, 31))
    billing.update_subscription(sub, status="past_due", effective_on=AS_OF - dt.timedelta(days=20))
    detect_signals([account.pk], AS_OF)
    return {"member": member, "account": Account.objects.get(pk=account.pk),
            "task": Task.objects.get(account=account)}


def titles(response) -> list[str]:
    return [t.title for g in response.context["groups"] for t in g.tasks]


def test_a_pooled_accounts_automatic_task_is_in_the_pooled_queue_and_on_no_csms_list(tech_touch, csm, leader):
    task = tech_touch["task"]
    assert task.owner is None
    assert list(work_queue(leader, "pooled")) == [task]
    assert task not in work_queue(leader, "none")  # pooled is not "unassigned"
    assert task not in work_queue(csm) and task not in work_queue(csm, "pooled")  # alice is not on the team


def test_the_pooled_teams_members_see_the_pooled_queue_and_work_it(tech_touch):
    member = tech_touch["member"]
    client = Client()
    client.force_login(member)
    assert titles(client.get(reverse("risk:my_work"))) == []  # their own list holds no pooled task
    assert titles(client.get(reverse("risk:my_work"), {"owner": "pooled"})) == [tech_touch["task"].title]
    close_task(tech_touch["task"], "completed", "improved", by=member)
    assert Task.objects.get(pk=tech_touch["task"].pk).closed_by == member


def test_a_csm_outside_the_pooled_team_cannot_see_or_close_pooled_tasks(tech_touch, csm_client, csm):
    assert titles(csm_client.get(reverse("risk:my_work"), {"owner": "pooled"})) == []
    with pytest.raises(PermissionDenied):
        close_task(tech_touch["task"], "completed", "improved", by=csm)


def test_the_leaders_view_labels_pooled_accounts_as_tech_touch(tech_touch, leader):
    client = Client()
    client.force_login(leader)
    page = client.get(reverse("risk:my_work"), {"owner": "pooled"}).content.decode()
    assert "Tiny Co" in page and "Tech touch (pooled)" in page
