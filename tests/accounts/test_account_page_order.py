"""The account page in the order a CSM reads it, its key people, tickets open first, and a timeline that tells the
touches and the recorded changes together, a page at a time."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts import services
from tenure.risk.tasks import create_task
from tenure.risk.work import open_task
from tenure.users.audit import acting_as
from tests.accounts.pages import account_page as _page
from tests.accounts.pages import section as _section
from tests.factories import make_account, make_contact, make_touch

pytestmark = pytest.mark.django_db




def test_sections_come_in_a_csms_reading_order(csm_client, full_account):
    html = _page(csm_client, full_account)
    order = ["key-numbers", "key-people", "health", "churn-risk", "signals", "tasks", "timeline", "log-touch-title",
             "usage", "onboarding", "subscriptions", "contacts", "tickets"]
    positions = [html.index(f'id="{name}"') for name in order]
    assert positions == sorted(positions), sorted(zip(positions, order, strict=True))


def test_the_chart_library_is_loaded_once_and_after_the_page(csm_client, full_account):
    html = _page(csm_client, full_account)
    assert html.count("plotly.min.js") == 1
    assert not re.search(r"<script[^>]+src=\"[^\"]*plotly\.min\.js", html)  # loaded by charts.js once the page has
    assert html.count("tenure/charts.js") == 1


def test_key_people_show_the_sponsor_and_champion_with_their_last_touch(csm_client, full_account):
    people = _section(_page(csm_client, full_account), "key-people")
    sponsor = people[people.index("Executive sponsor"):people.index("Champion")]
    champion = people[people.index("Champion"):]
    # The kick-off 10 days ago had both; the champion also got the quote 3 days ago.
    assert "Hank Scorpio" in sponsor and "CEO" in sponsor and "(10 days ago)" in sponsor
    assert "Frank Grimes" in champion and "(3 days ago)" in champion


def test_a_sponsor_who_left_shows_their_successor_and_a_missing_one_says_so(csm, csm_client):
    account = make_account(name="Initech", owner=csm)
    bill = make_contact(account, name="Bill Lumbergh", roles=["executive_sponsor"])
    peter = make_contact(account, name="Peter Gibbons", roles=["user"])
    services.update_contact(bill, by=csm, left_on=timezone.localdate() - dt.timedelta(days=2), successor=peter)
    people = _section(_page(csm_client, account), "key-people")
    sponsor = people[people.index("Executive sponsor"):people.index("Champion")]
    assert "Peter Gibbons" in sponsor and "Never touched" in sponsor  # the successor now holds the role
    assert "Bill Lumbergh" in sponsor and "successor Peter Gibbons" in sponsor
    champion = people[people.index("Champion"):]
    assert "None recorded" in champion and reverse("accounts:new_person", args=[account.pk]) in champion


def test_open_tickets_come_first_and_closed_ones_are_folded_away(csm_client, full_account):
    tickets = _section(_page(csm_client, full_account), "tickets")
    folded = tickets.index("<details class=\"closed-tickets\"")
    assert tickets.index("Outage in EU") < tickets.index("Minor glitch") < folded  # urgent first
    assert tickets.index("Old solved issue") > folded


def test_the_timeline_tells_changes_beside_touches_newest_first(csm, csm_client, full_account):
    hank = full_account.contacts.get(name="Hank Scorpio")
    services.update_contact(hank, by=csm, roles=["executive_sponsor", "champion"], title="Chair")
    timeline = _section(_page(csm_client, full_account), "timeline")
    change = timeline[:timeline.index("Champion worried about budget")]  # the change is newer than every touch
    assert f"by {csm}" in change and "Hank Scorpio" in change
    assert "Now champion" in change and "Title: " in change and "CEO" in change and "Chair" in change
    assert "is_champion" not in timeline and "True" not in timeline  # words, not keys


def test_automatic_tasks_stay_off_the_timeline_and_a_persons_task_is_on_it(csm, full_account):
    from tests.factories import timeline_changes

    with acting_as(label="work queue"):
        open_task(full_account, title="Follow up: automatic")
    assert not [c for c in timeline_changes(full_account) if "automatic" in c]
    with acting_as(csm):
        create_task(full_account, by=csm, title="Send the QBR deck")
    assert any(c.startswith(f"{csm}: create task Send the QBR deck") for c in timeline_changes(full_account))


def test_older_items_come_a_page_at_a_time_without_gaps_or_repeats(csm_client, full_account):
    now = timezone.now()
    for i in range(25):
        make_touch(full_account, summary=f"Weekly call {i:02}", occurred_at=now - dt.timedelta(days=20 + i))
    html = _page(csm_client, full_account)
    seen = re.findall(r"Weekly call (\d\d)", _section(html, "timeline"))
    pages = 1
    link = re.search(r'hx-get="([^"]+)"', _section(html, "timeline"))
    while link:
        response = csm_client.get(link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert response.status_code == 200
        part = response.content.decode()
        assert "<html" not in part  # a fragment, swapped in below the items shown
        seen += re.findall(r"Weekly call (\d\d)", part)
        link = re.search(r'hx-get="([^"]+)"', part)
        pages += 1
    assert seen == [f"{i:02}" for i in range(25)]  # newest first, each once
    assert pages >= 2


@pytest.mark.parametrize("before", ["", "yesterday", "2026-02-30T10:00:00", "2026-13-01"])
def test_a_timeline_page_asked_for_with_a_bad_time_is_refused_in_words(csm_client, full_account, before):
    response = csm_client.get(reverse("accounts:timeline", args=[full_account.pk]), {"before": before})
    assert response.status_code == 400 and b"before" in response.content


def test_the_older_timeline_opens_as_a_page_without_htmx(csm_client, full_account):
    url = reverse("accounts:timeline", args=[full_account.pk])
    response = csm_client.get(url, {"before": timezone.now().isoformat()})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Sent the renewal quote" in html
