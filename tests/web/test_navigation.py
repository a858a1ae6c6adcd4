"""The frame: one active navigation item, menus that show a role only what it may use, and error pages inside
the frame that say what happened."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tenure.users.models import Role
from tenure.web.context import MAIN, SETUP, active_item
from tests.factories import make_account, make_user


def _current(html: str) -> list[str]:
    nav = html[html.index('<nav class="mainnav"'):html.index("</nav>")]
    return re.findall(r'<a href="[^"]*" aria-current="[a-z]+">([^<]+)</a>', nav)


def _client(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


@pytest.mark.parametrize("name, item", [
    ("metrics:retention", "Retention"), ("metrics:cohorts", "Retention"), ("metrics:book", "Retention"),
    ("renewals:list", "Renewals"), ("renewals:reasons", "Renewals"),
    ("accounts:list", "Accounts"), ("accounts:assignment", "Assignment rules"), ("health:overview", "Health"),
    ("health:scorecards", "Scorecards"), ("risk:my_work", "My work"), ("risk:settings", "Signal settings"),
])
def test_every_page_has_exactly_one_active_item(db, name, item):
    html = _client(Role.LEADER).get(reverse(name)).content.decode()
    assert _current(html) == [item]


def test_a_page_below_an_item_is_in_that_item_by_its_address():
    labels = dict(MAIN + SETUP)
    assert labels[active_item("accounts:detail", "/accounts/12/")] == "Accounts"
    assert labels[active_item("health:scorecard", "/scores/scorecards/3/")] == "Scorecards"
    assert active_item("web:home", "/") is None


@pytest.mark.parametrize("role, writes_setup, writes", [
    (Role.ADMIN, True, True), (Role.LEADER, True, True), (Role.CS_OPS, True, True),
    (Role.CSM, False, True), (Role.READ_ONLY, False, False)])
def test_the_set_up_menu_lists_only_the_pages_a_role_may_open(db, role, writes_setup, writes):
    client = _client(role)
    html = client.get(reverse("accounts:list")).content.decode()
    menu = html[html.index("<summary>Set-up</summary>"):]
    menu = menu[:menu.index("</details>")]
    for name, label in SETUP:
        status = client.get(reverse(name)).status_code
        assert (f">{label}</a>" in menu) == (status == 200), (name, status)
    assert (">Signal settings</a>" in menu) == writes_setup
    assert (">Import</a>" in menu) == writes


def test_cs_operations_change_set_up_but_not_the_teams_queue(db):
    ops = _client(Role.CS_OPS)
    assert ops.get(reverse("risk:settings")).status_code == 200
    assert ops.post(reverse("risk:settings"), {}).status_code == 400  # let in: the empty form is what it refuses
    csm = make_user(Role.CSM)
    page = ops.get(reverse("risk:my_work"), {"owner": csm.pk}).content.decode()
    assert "Everyone" not in page  # the team's queue is a leader's


def test_a_refusal_is_a_page_inside_the_frame_that_says_why(db):
    response = _client(Role.CSM).get(reverse("risk:settings"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="mainnav"' in html and "change the signal settings" in html and "CSM" in html


def test_a_missing_page_is_a_page_inside_the_frame(db):
    client = _client(Role.CSM)
    response = client.get("/accounts/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="mainnav"' in html and "Nothing here" in html


def test_a_server_error_is_a_page_of_ours(db, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")  # as Django renders it: without a request
    assert "Something went wrong on our side" in html and "Tenure" in html


def test_an_account_page_marks_accounts(db):
    account = make_account()
    html = _client(Role.CSM).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert _current(html) == ["Accounts"]
