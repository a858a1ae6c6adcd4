"""Tasks a CSM owns: opened and changed by hand (page and API), given to someone they may give it to, snoozed
ones under a filter, and several at once: all of them, or none when one is refused."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tenure.risk.models import Task, TaskStatus
from tenure.risk.work import open_task
from tenure.users.models import Role
from tenure.users.services import issue_token
from tests.factories import make_account, make_contact, make_user

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api_for(user):
    _, raw = issue_token(user, "tests")
    c = Client(headers={"authorization": f"Bearer {raw}"})
    return lambda method, url, body=None: getattr(c, method)(url, json.dumps(body) if body is not None else None,
                                                            content_type="application/json")


def test_a_csm_opens_a_task_of_their_own_about_a_person_and_finds_it_on_my_work(csm):
    account = make_account(name="Initech", owner=csm)
    bill = make_contact(account, name="Bill Lumbergh")
    due = timezone.localdate() + 2 * DAY
    c = client_for(csm)
    page = c.get(reverse("risk:new_task"), {"account": account.pk})
    assert page.status_code == 200 and "Initech" in page.content.decode()
    response = c.post(reverse("risk:new_task"), {"account": account.pk, "title": "Ask Bill about the SSO rollout",
                                                 "due_on": due.isoformat(), "priority": 2, "contact": bill.pk,
                                                 "owner": csm.pk})
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.created_by, task.contact, task.due_on, task.priority, task.created_by_rule) == (
        csm, csm, bill, due, 2, "")
    work = c.get(reverse("risk:my_work")).content.decode()
    assert "Ask Bill about the SSO rollout" in work and "About Bill Lumbergh" in work


def test_a_person_of_another_account_or_a_colleague_is_refused_with_the_reason(csm):
    account = make_account(name="Initech", owner=csm)
    stranger = make_contact(make_account(name="Globex"), name="Hank Scorpio")
    colleague = make_user(Role.CSM, first_name="Dana")
    c = client_for(csm)
    fields = {"account": account.pk, "title": "Call", "due_on": timezone.localdate().isoformat(), "priority": 3,
              "owner": csm.pk}
    response = c.post(reverse("risk:new_task"), {**fields, "contact": stranger.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = c.post(reverse("risk:new_task"), {**fields, "owner": colleague.pk})
    assert response.status_code == 400
    assert not Task.objects.exists()
    api = api_for(csm)
    response = api("post", "/api/tasks", {"account_id": account.pk, "title": "Call", "contact_id": stranger.pk})
    assert response.status_code == 422 and "Hank Scorpio is not a person of Initech" in response.content.decode()
    response = api("post", "/api/tasks", {"account_id": account.pk, "title": "Call", "owner_id": colleague.pk})
    assert response.status_code == 422 and "yourself or the account" in response.content.decode()
    assert not Task.objects.exists()


def test_a_leader_gives_a_task_to_any_csm_and_a_reader_opens_none(leader, reader, csm):
    account = make_account(owner=make_user(Role.CSM))
    response = api_for(leader)("post", "/api/tasks", {"account_id": account.pk, "title": "Prepare the QBR",
                                                      "owner_id": csm.pk, "priority": 1})
    assert response.status_code == 201
    assert (response.json()["owner_id"], response.json()["created_by_id"]) == (csm.pk, leader.pk)
    assert api_for(reader)("post", "/api/tasks", {"account_id": account.pk, "title": "x"}).status_code == 403
    assert client_for(reader).get(reverse("risk:new_task"), {"account": account.pk}).status_code == 403


def test_a_task_is_changed_by_its_owner_and_a_closed_one_never(csm):
    account = make_account(owner=csm)
    task = open_task(account, title="Send the deck")
    api = api_for(csm)
    later = timezone.localdate() + 9 * DAY
    response = api("patch", f"/api/tasks/{task.pk}", {"due_on": later.isoformat(), "title": "Send the new deck"})
    assert response.status_code == 200 and response.json()["due_on"] == later.isoformat()
    task.refresh_from_db()
    assert task.title == "Send the new deck" and task.priority == 3  # what was not sent stays
    page = client_for(csm).post(reverse("risk:edit_task", args=[task.pk]), {
        "title": "Send the deck v3", "due_on": later.isoformat(), "priority": 1, "owner": csm.pk})
    assert page.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Send the deck v3", 1)
    other = make_user(Role.CSM)
    assert api_for(other)("patch", f"/api/tasks/{task.pk}", {"title": "mine now"}).status_code == 403
    api("post", f"/api/tasks/{task.pk}/close", {"reason": "completed", "outcome": "improved"})
    response = api("patch", f"/api/tasks/{task.pk}", {"title": "again"})
    assert response.status_code == 422 and "closed" in response.content.decode()


def test_snoozed_tasks_are_listed_under_their_filter(csm):
    account = make_account(name="Initech", owner=csm)
    task = open_task(account, title="Wait for the budget")
    c = client_for(csm)
    c.post(reverse("risk:snooze", args=[task.pk]), {"until": (timezone.localdate() + 5 * DAY).isoformat()})
    assert "Wait for the budget" not in c.get(reverse("risk:my_work"), {"due": "all"}).content.decode()
    snoozed = c.get(reverse("risk:my_work"), {"status": "snoozed"}).content.decode()
    assert "Wait for the budget" in snoozed and "Snoozed until" in snoozed and "1 snoozed task" in snoozed


def test_several_tasks_change_at_once_or_none_when_one_is_refused(csm, leader):
    mine = [open_task(make_account(owner=csm), title=f"t{i}") for i in range(3)]
    theirs = open_task(make_account(owner=make_user(Role.CSM)), title="not yours")
    c = client_for(csm)
    until = (timezone.localdate() + 4 * DAY).isoformat()
    response = c.post(reverse("risk:bulk"), {"task_ids": [t.pk for t in mine] + [theirs.pk], "action": "snooze",
                                             "until": until, "query": "due=all"}, follow=True)
    assert "Nothing was changed" in response.content.decode() and "not yours" in response.content.decode()
    assert not Task.objects.filter(status=TaskStatus.SNOOZED).exists()
    response = c.post(reverse("risk:bulk"), {"task_ids": [t.pk for t in mine], "action": "snooze", "until": until})
    assert response.status_code == 302 and response.url == reverse("risk:my_work")
    assert Task.objects.filter(status=TaskStatus.SNOOZED).count() == 3
    c.post(reverse("risk:bulk"), {"task_ids": [mine[0].pk], "action": "close", "reason": "completed",
                                  "outcome": "improved"})
    assert Task.objects.get(pk=mine[0].pk).status == TaskStatus.DONE
    # a leader hands the rest to another CSM, through the API
    dana = make_user(Role.CSM)
    response = api_for(leader)("post", "/api/tasks/bulk", {"task_ids": [mine[1].pk, mine[2].pk, theirs.pk],
                                                          "action": "reassign", "owner_id": dana.pk})
    assert response.status_code == 200 and {t["owner_id"] for t in response.json()} == {dana.pk}
    response = api_for(leader)("post", "/api/tasks/bulk", {"task_ids": [999999], "action": "snooze",
                                                          "until": until})
    assert response.status_code == 422 and "No task with id 999999" in response.content.decode()


@pytest.mark.parametrize("body", [
    {"task_ids": [], "action": "snooze"}, {"task_ids": [1], "action": "explode"},
    {"task_ids": [2**70], "action": "close"}, {"task_ids": ["x"], "action": "close"},
])
def test_bad_bulk_requests_are_named_not_500(csm, body):
    response = api_for(csm)("post", "/api/tasks/bulk", body)
    assert response.status_code == 422


def test_bad_bulk_forms_change_nothing_and_say_why(csm):
    task = open_task(make_account(owner=csm), title="t")
    c = client_for(csm)
    for data in ({"task_ids": ["abc"], "action": "snooze"}, {"task_ids": [task.pk], "action": "snooze"},
                 {"task_ids": [str(2**70)], "action": "close"}, {"task_ids": [task.pk], "action": "reassign"}):
        response = c.post(reverse("risk:bulk"), data, follow=True)
        assert response.status_code == 200 and 'class="error"' in response.content.decode(), data
    assert Task.objects.get().status == TaskStatus.OPEN
