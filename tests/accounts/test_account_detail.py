import re

import pytest
from django.urls import reverse

from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch


def _page(client, account) -> str:
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_header_shows_who_the_account_is(csm_client, full_account):
    html = _page(csm_client, full_account)
    assert "<h1>Globex</h1>" in html
    for text in ("globex.example", "enterprise", "Renewing", "Alice Archer", "CRM-77", "cus_globex"):
        assert text in html
    assert "<dt>region</dt><dd>EMEA</dd>" in html


def test_key_numbers_count_only_live_subscriptions(csm_client, full_account):
    html = _page(csm_client, full_account)
    numbers = _section(html, "key-numbers")
    # Growth (now 50 seats, 2,500) + Add-on (5 seats, 100); the canceled Legacy plan does not count.
    assert ">2,600<" in numbers  # MRR
    assert ">31,200<" in numbers  # ARR
    assert ">55<" in numbers  # seats
    assert "30 Sep 2030" in numbers  # next renewal (live: the term covers today)


def test_contacts_show_roles_and_who_has_left(csm_client, full_account):
    contacts = _section(_page(csm_client, full_account), "contacts")
    assert "Hank Scorpio" in contacts and "CEO" in contacts
    assert '<span class="pill">Executive sponsor</span>' in contacts
    assert '<span class="pill">Champion</span><span class="pill">Admin</span>' in contacts
    gone = contacts[contacts.index("Gone Person"):]
    assert "Left" in gone and "1 Jun 2025" in gone
    # People still at the customer come first.
    assert contacts.index("Plain User") < contacts.index("Gone Person")


def test_subscriptions_show_their_history(csm_client, full_account):
    subs = _section(_page(csm_client, full_account), "subscriptions")
    assert subs.count("<details") == 3
    growth = subs[subs.index(">Growth<"):subs.index(">Add-on<")]
    assert "1 Jan 2026" in growth and "1 Mar 2026" in growth  # two history entries
    assert ">40<" in growth and ">50<" in growth
    assert "Canceled" in subs


def test_tickets_list_open_ones_first_by_priority(csm_client, full_account):
    tickets = _section(_page(csm_client, full_account), "tickets")
    subjects = re.findall(r'<span class="strong">(.*?)</span>', tickets)
    assert subjects == ["Outage in EU", "Minor glitch", "Old solved issue"]
    assert "2 open" in tickets
    assert "4/5" in tickets  # CSAT
    assert "Urgent" in tickets and "Solved" in tickets


def test_timeline_shows_touches_newest_first(csm_client, full_account):
    timeline = _section(_page(csm_client, full_account), "timeline")
    summaries = ["Champion worried about budget", "Sent the renewal quote", "Kick-off with the sponsor"]
    positions = [timeline.index(s) for s in summaries]
    assert positions == sorted(positions)
    kickoff = timeline[timeline.index("Meeting"):]
    assert "With Frank Grimes, Hank Scorpio" in kickoff
    assert "Positive" in timeline and "Negative" in timeline


def test_unknown_account_is_404(csm_client, db):
    assert csm_client.get(reverse("accounts:detail", args=[999999])).status_code == 404


def test_writer_sees_the_log_a_touch_form(csm_client, full_account):
    html = _page(csm_client, full_account)
    assert "Log a touch" in html
    assert f'action="{reverse("accounts:log_touch", args=[full_account.pk])}"' in html
    # Only people still at the customer can be picked.
    form = html[html.index("log-touch-title"):]
    assert "Frank Grimes" in form and "Gone Person" not in form


def test_read_only_user_sees_the_page_without_the_form(reader_client, full_account):
    html = _page(reader_client, full_account)
    assert "Globex" in html and "Frank Grimes" in html
    assert "Log a touch" not in html
    assert reverse("accounts:log_touch", args=[full_account.pk]) not in html


def test_empty_account_page_renders(csm_client, db):
    html = _page(csm_client, make_account(name="Brand New"))
    assert "No contacts yet." in html and "No subscriptions." in html and "No tickets." in html
    assert "Nothing on the timeline yet." in html


def _grow(account, n: int) -> None:
    contacts = [make_contact(account) for _ in range(n)]
    for i in range(n):
        make_subscription(account, plan=f"Plan {i}")
        make_ticket(account, contact=contacts[i])
        make_touch(account, contacts=contacts[: i + 1])


@pytest.mark.parametrize("extra", [0, 8])
def test_detail_query_count_does_not_grow_with_rows(csm_client, full_account, extra, django_assert_max_num_queries):
    # session, user, account+owner, contacts, subscriptions, their history, tickets, touches, touch contacts,
    # and the form's contact choices, plus the usage panel's fixed set of rollup reads: the same twenty at most
    # whatever the account holds. The health panel adds three (trend, the two compared snapshots, pulse).
    # The churn panel adds one (the prediction with its model), the signals panel one, and the onboarding and
    # success plan panel three (projects with milestones, goals, templates).
    # The key numbers and the usage panel's seats read the account facts: one batch, a fixed number of queries.
    from tests.facts.test_queries import facts_queries

    _grow(full_account, extra)
    with django_assert_max_num_queries(20 + 3 + 1 + 1 + 3 + facts_queries()):
        _page(csm_client, full_account)
