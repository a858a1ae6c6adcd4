"""My work: open tasks grouped by account, most pressing first, a page of accounts at a time; CSMs see theirs,
leaders everyone's in a fixed number of queries; actions through htmx."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tenure.risk.models import Task
from tenure.risk.services import detect_signals
from tenure.risk.work import open_task
from tenure.users.models import Role
from tests.factories import make_account, make_user
from tests.risk.conftest import AS_OF

DAY = dt.timedelta(days=1)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def queue(csm):
    today = timezone.localdate()
    bob = make_user(Role.CSM, username="bob")
    mine, his, nobody = make_account(name="Mine", owner=csm), make_account(name="His", owner=bob), make_account()
    return {
        "low": open_task(mine, title="Low soon", priority=4, due_on=today),
        "urgent": open_task(mine, title="Urgent later", priority=1, due_on=today + 10 * DAY),
        "high": open_task(mine, title="High next", priority=2, due_on=today + DAY),
        "his": open_task(his, title="Bob's task", priority=1, due_on=today),
        "nobody": open_task(nobody, title="Nobody's task", priority=2, due_on=today),
        "far": open_task(mine, title="Far away", priority=1, due_on=today + 60 * DAY),
        "bob": bob,
    }


def titles(response):
    return [t.title for g in response.context["groups"] for t in g.tasks]


def test_a_csm_sees_their_own_open_tasks_by_priority_then_due_date(csm_client, queue):
    response = csm_client.get(reverse("risk:my_work"))
    assert response.status_code == 200
    assert titles(response) == ["Urgent later", "High next", "Low soon"]
    assert response.context["later"] == 1


def test_tasks_due_later_show_on_asking(csm_client, queue):
    assert titles(csm_client.get(reverse("risk:my_work") + "?due=all"))[:2] == ["Urgent later", "Far away"]


def test_a_leader_sees_everyones_tasks_and_filters_by_csm(leader, queue):
    c = client_for(leader)
    assert set(titles(c.get(reverse("risk:my_work")))) == {"Urgent later", "High next", "Low soon", "Bob's task",
                                                          "Nobody's task"}
    assert titles(c.get(reverse("risk:my_work"), {"owner": queue["bob"].pk})) == ["Bob's task"]
    assert titles(c.get(reverse("risk:my_work"), {"owner": "none"})) == ["Nobody's task"]


def test_a_csm_cannot_filter_to_see_someone_elses_tasks(csm_client, queue):
    assert "Bob's task" not in titles(csm_client.get(reverse("risk:my_work"), {"owner": queue["bob"].pk}))


def test_csms_land_on_my_work(csm_client, reader_client):
    assert csm_client.get("/").url == reverse("risk:my_work")
    assert reader_client.get("/").url == reverse("accounts:list")


def test_tasks_are_grouped_by_account_in_the_order_of_their_most_pressing_task(leader, queue):
    # Bob's urgent task is due today, Mine's urgent one in ten days: the accounts come in the order their first
    # task would in one list by priority then due date.
    response = client_for(leader).get(reverse("risk:my_work"))
    groups = [(g.account.name, [t.title for t in g.tasks]) for g in response.context["groups"]]
    assert groups == [("His", ["Bob's task"]), ("Mine", ["Urgent later", "High next", "Low soon"]),
                      (queue["nobody"].account.name, ["Nobody's task"])]


def test_my_work_pages_accounts_not_tasks(leader):
    csm = make_user(Role.CSM)
    for i in range(30):
        account = make_account(name=f"Account {i:02d}", owner=csm)
        for j in range(2):
            open_task(account, title=f"t{i}-{j}", priority=1 + i % 4)
    c = client_for(leader)
    first, second = c.get(reverse("risk:my_work")), c.get(reverse("risk:my_work"), {"page": 2})
    assert len(first.context["groups"]) == 25 and len(second.context["groups"]) == 5
    assert all(len(g.tasks) == 2 for g in first.context["groups"])  # an account's tasks stay together
    names = [g.account.name for g in first.context["groups"] + second.context["groups"]]
    assert len(set(names)) == 30
    assert 'rel="next"' in first.content.decode()


def test_accounts_with_many_tasks_page_whole_and_in_order(leader):
    # More tasks than the first read of the queue holds: the page keeps reading until it has its accounts.
    today = timezone.localdate()
    csm = make_user(Role.CSM)
    for i in range(30):
        account = make_account(name=f"Account {i:02d}", owner=csm)
        for j in range(6):
            open_task(account, title=f"t{i}-{j}", priority=1 + (i + j) % 4, due_on=today + ((i * 7 + j) % 13) * DAY)
    c = client_for(leader)
    pages = [c.get(reverse("risk:my_work"), {"page": n}).context for n in (1, 2, 3)]
    assert [len(p["groups"]) for p in pages] == [25, 5, 5]  # a page past the end shows the last
    groups = pages[0]["groups"] + pages[1]["groups"]
    assert all(len(g.tasks) == 6 for g in groups) and len({g.account.pk for g in groups}) == 30
    firsts = [(g.tasks[0].priority, g.tasks[0].due_on) for g in groups]
    assert firsts == sorted(firsts)
    assert pages[1]["page"].start_index == 26 and not pages[1]["page"].has_next


def test_a_leaders_my_work_runs_a_pinned_number_of_queries_whatever_the_queue(csm, leader):
    account = make_account(owner=csm)
    for i in range(3):
        open_task(account, title=f"t{i}")
    c = client_for(leader)
    c.get(reverse("risk:my_work"))
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("risk:my_work"))
    for i in range(3, 60):
        open_task(make_account(owner=make_user(Role.CSM)), title=f"t{i}", due_on=timezone.localdate() + i % 14 * DAY)
    with CaptureQueriesContext(connection) as many:
        response = c.get(reverse("risk:my_work"))
    assert response.context["task_count"] == 60 and len(response.context["groups"]) == 25
    # session, user, tasks due later, tasks due soon, the queue's first accounts, their tasks, CSMs, and the
    # people tasks may be given to in bulk
    assert len(few) == len(many) == 8


def test_snoozing_through_htmx_returns_the_row_snoozed(csm_client, queue):
    until = timezone.localdate() + 4 * DAY
    response = csm_client.post(reverse("risk:snooze", args=[queue["low"].pk]), {"until": until.isoformat()},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Snoozed until" in response.content
    queue["low"].refresh_from_db()
    assert queue["low"].status == "snoozed" and queue["low"].snoozed_until == until


def test_closing_without_reason_and_outcome_is_refused_with_the_row_and_its_errors(csm_client, queue):
    response = csm_client.post(reverse("risk:close", args=[queue["low"].pk]), {"reason": "", "outcome": ""},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"This field is required" in response.content
    assert Task.objects.get(pk=queue["low"].pk).status == "open"


def test_closing_with_reason_and_outcome_stores_them(csm_client, queue, csm):
    response = csm_client.post(reverse("risk:close", args=[queue["low"].pk]),
                               {"reason": "completed", "outcome": "improved", "note": "done"})
    assert response.status_code == 302
    task = Task.objects.get(pk=queue["low"].pk)
    assert (task.status, task.close_reason, task.outcome, task.closed_by) == ("done", "completed", "improved", csm)


def test_read_only_users_cannot_act_on_tasks(reader_client, queue):
    for name, data in (("risk:snooze", {"until": "2099-01-01"}), ("risk:close", {"reason": "completed",
                                                                                   "outcome": "improved"})):
        assert reader_client.post(reverse(name, args=[queue["low"].pk]), data).status_code == 403
    assert Task.objects.get(pk=queue["low"].pk).status == "open"


def test_a_csm_cannot_act_on_another_csms_task(csm_client, queue):
    response = csm_client.post(reverse("risk:close", args=[queue["his"].pk]),
                               {"reason": "completed", "outcome": "improved"})
    assert response.status_code == 403


def test_each_task_links_to_its_signals_evidence(csm_client, past_due_account):
    detect_signals([past_due_account.pk], AS_OF)
    task = Task.objects.get(account=past_due_account, signal__kind="payment_failed")
    page = csm_client.get(reverse("risk:my_work")).content.decode()
    assert reverse("risk:signal", args=[task.signal_id]) in page
    detail = csm_client.get(reverse("risk:signal", args=[task.signal_id]))
    assert detail.status_code == 200 and b"Days past due" in detail.content


def test_a_queue_past_the_count_cap_says_more_than(leader, queue, monkeypatch):
    from tenure.risk import views

    monkeypatch.setattr(views, "COUNT_CAP", 3)
    html = client_for(leader).get(reverse("risk:my_work")).content.decode()
    assert "More than 3 open tasks" in html  # five due soon
    monkeypatch.setattr(views, "COUNT_CAP", 5)
    assert "5 open tasks" in client_for(leader).get(reverse("risk:my_work")).content.decode()
