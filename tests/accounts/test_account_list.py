import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tenure.users.models import Role
from tests.accounts.pages import listed
from tests.factories import make_account, make_contact, make_subscription, make_user

URL = reverse("accounts:list")
ALL = {"stage": "all"}  # churned accounts too (the list hides them by default)


@pytest.fixture
def book(csm):
    """Four accounts that differ in every column the list filters or sorts by."""
    bob = make_user(Role.CSM, username="bob", first_name="Bob", last_name="Baker")
    acme = make_account(name="Acme", domain="acme.example", segment="enterprise", stage="mature", owner=csm,
                        crm_id="CRM-1")
    beta = make_account(name="Beta Labs", domain="betalabs.example", segment="smb", stage="onboarding", owner=bob,
                        billing_id="cus_BETA")
    cobalt = make_account(name="Cobalt", domain="cobalt.example", segment="mid-market", stage="renewing",
                          product_group_id="grp-cobalt")
    delta = make_account(name="Delta", domain="delta.example", segment="enterprise", stage="churned", owner=bob)
    make_subscription(acme, seats=100, mrr=Decimal("5000"), end_date=dt.date(2031, 11, 30))
    make_subscription(acme, seats=10, mrr=Decimal("300"), end_date=dt.date(2031, 6, 30), status="trialing")
    make_subscription(beta, seats=5, mrr=Decimal("250"), end_date=dt.date(2031, 3, 31), status="past_due")
    make_subscription(cobalt, seats=50, mrr=Decimal("2000"), end_date=dt.date(2032, 1, 31))
    # Canceled subscriptions count for nothing: Delta has no live seats, MRR or renewal.
    make_subscription(delta, seats=500, mrr=Decimal("9000"), end_date=dt.date(2031, 2, 28), status="canceled")
    return {"acme": acme, "beta": beta, "cobalt": cobalt, "delta": delta, "bob": bob}


def test_list_shows_every_account_by_name(csm_client, book):
    assert listed(csm_client.get(URL, ALL)) == ["Acme", "Beta Labs", "Cobalt", "Delta"]


def test_list_shows_live_totals_and_next_renewal(csm_client, book):
    html = csm_client.get(URL, ALL).content.decode()
    acme_row = html[html.index(">Acme<"):html.index(">Beta Labs<")]
    assert ">110<" in acme_row  # 100 + 10 seats, trialing counts as live
    assert ">5,300<" in acme_row
    assert "30 Jun 2031" in acme_row  # the earliest live end date
    delta_row = html[html.index(">Delta<"):]
    assert "9,000" not in delta_row and ">500<" not in delta_row


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acm", ["Acme"]),  # part of a name
        ("BETALABS.ex", ["Beta Labs"]),  # part of a domain, any case
        ("crm-1", ["Acme"]),  # CRM id, any case
        ("cus_beta", ["Beta Labs"]),  # billing id
        ("GRP-COBALT", ["Cobalt"]),  # product group id
        ("nothing-like-this", []),
    ],
)
def test_search_matches_name_domain_and_external_ids(csm_client, book, q, expected):
    assert listed(csm_client.get(URL, {**ALL, "q": q})) == expected


def test_filter_by_owner(csm_client, book):
    assert listed(csm_client.get(URL, {**ALL, "owner": book["bob"].pk})) == ["Beta Labs", "Delta"]


def test_filter_unassigned(csm_client, book):
    assert listed(csm_client.get(URL, {**ALL, "owner": "none"})) == ["Cobalt"]


def test_filter_by_segment(csm_client, book):
    assert listed(csm_client.get(URL, {**ALL, "segment": "enterprise"})) == ["Acme", "Delta"]


def test_filter_by_stage(csm_client, book):
    assert listed(csm_client.get(URL, {**ALL, "stage": "renewing"})) == ["Cobalt"]


def test_filters_combine(csm_client, book):
    assert listed(csm_client.get(URL, {**ALL, "segment": "enterprise", "owner": book["bob"].pk})) == ["Delta"]
    assert listed(csm_client.get(URL, {**ALL, "segment": "enterprise", "q": "acme", "stage": "churned"})) == []


def test_filter_choices_list_owners_segments_and_stages(csm_client, book):
    html = csm_client.get(URL, ALL).content.decode()
    assert '<option value="none">Unassigned</option>' in html
    assert f'<option value="{book["bob"].pk}">Bob Baker</option>' in html
    for segment in ("enterprise", "mid-market", "smb"):
        assert f'<option value="{segment}">{segment}</option>' in html
    assert '<option value="renewing">Renewing</option>' in html


def test_unknown_filter_values_are_ignored_not_errors(csm_client, book):
    response = csm_client.get(URL, {"owner": "999999", "stage": "bogus", "sort": "password", "page": "x"})
    assert listed(response) == ["Acme", "Beta Labs", "Cobalt"]  # the default view: active customers


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Acme", "Beta Labs", "Cobalt", "Delta"]),
        ("-name", ["Delta", "Cobalt", "Beta Labs", "Acme"]),
        ("segment", ["Acme", "Delta", "Cobalt", "Beta Labs"]),
        ("stage", ["Delta", "Acme", "Beta Labs", "Cobalt"]),  # stage values alphabetically, then name
        ("owner", ["Acme", "Beta Labs", "Delta", "Cobalt"]),  # Alice, Bob, Bob, unassigned last
        ("-owner", ["Beta Labs", "Delta", "Acme", "Cobalt"]),  # unassigned last either way
        ("seats", ["Beta Labs", "Cobalt", "Acme", "Delta"]),  # no live seats last
        ("-seats", ["Acme", "Cobalt", "Beta Labs", "Delta"]),
        ("mrr", ["Beta Labs", "Cobalt", "Acme", "Delta"]),
        ("-mrr", ["Acme", "Cobalt", "Beta Labs", "Delta"]),
        ("renewal", ["Beta Labs", "Acme", "Cobalt", "Delta"]),
        ("-renewal", ["Cobalt", "Acme", "Beta Labs", "Delta"]),
    ],
)
def test_sort_by_each_column(csm_client, book, sort, expected):
    assert listed(csm_client.get(URL, {**ALL, "sort": sort})) == expected


def test_sorted_column_is_marked_and_its_link_reverses_the_order(csm_client, book):
    html = csm_client.get(URL, {"sort": "mrr", "segment": "enterprise"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?segment=enterprise&amp;sort=-mrr" in html
    # The other columns sort ascending first and keep the filter too.
    assert "?segment=enterprise&amp;sort=name" in html


@pytest.fixture
def many_accounts(db):
    # 120 accounts: three pages of 50, 50 and 20.
    for i in range(120):
        make_account(name=f"Customer {i:03d}", segment="smb" if i % 2 else "enterprise")


def test_list_is_paginated_fifty_per_page(csm_client, many_accounts):
    first = listed(csm_client.get(URL, ALL))
    third = listed(csm_client.get(URL, {**ALL, "page": 3}))
    assert first == [f"Customer {i:03d}" for i in range(50)]
    assert third == [f"Customer {i:03d}" for i in range(100, 120)]


def test_page_links_keep_filters_and_sort(csm_client, many_accounts):
    response = csm_client.get(URL, {"segment": "smb", "sort": "-name", "page": 1})
    assert listed(response)[0] == "Customer 119"
    html = response.content.decode()
    assert "Showing 1\u201350 of 60 accounts" in html
    assert "?segment=smb&amp;sort=-name&amp;page=2" in html
    page2 = listed(csm_client.get(URL, {**ALL, "segment": "smb", "sort": "-name", "page": 2}))
    assert len(page2) == 10
    assert page2[-1] == "Customer 001"


def test_page_past_the_end_shows_the_last_page(csm_client, many_accounts):
    assert listed(csm_client.get(URL, {**ALL, "page": 99}))[-1] == "Customer 119"


def test_htmx_request_gets_only_the_table(csm_client, book):
    response = csm_client.get(URL, {**ALL, "q": "acme"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert listed(response) == ["Acme"]
    assert "<html" not in html and 'id="account-filters"' not in html
    # The current sort travels with the filters form, so the next search keeps it.
    assert '<input type="hidden" name="sort" value="name" form="account-filters">' in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(csm_client, book):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = csm_client.get(URL, ALL, headers=headers).content.decode()
    assert "<html" in html and 'id="account-filters"' in html


def test_filters_form_works_without_javascript(csm_client, book):
    html = csm_client.get(URL, {**ALL, "q": "cobalt"}).content.decode()
    assert '<form id="account-filters" class="filters" method="get" action="/accounts/"' in html
    assert 'value="cobalt"' in html  # the search box keeps what was typed


def test_empty_result_says_so(csm_client, book):
    html = csm_client.get(URL, {**ALL, "q": "zzz"}).content.decode()
    assert "No accounts match these filters." in html


def test_read_only_user_can_see_the_list(reader_client, book):
    assert listed(reader_client.get(URL, ALL)) == ["Acme", "Beta Labs", "Cobalt", "Delta"]


def _populate(n: int, owner) -> None:
    for i in range(n):
        account = make_account(name=f"Heavy {i}", owner=owner if i % 2 else None)
        make_subscription(account)
        make_contact(account)


def _list_facts_queries(parts=("subscriptions", "usage")) -> int:
    """The queries of the account facts the list reads for its rows (by default subscriptions and usage)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tenure.accounts.models import Account
    from tenure.facts import load_facts

    ids = list(Account.objects.values_list("pk", flat=True)[:1])
    with CaptureQueriesContext(connection) as ctx:
        load_facts(ids, timezone.localdate(), parts=parts)
    return len(ctx)


@pytest.mark.parametrize("query", [{}, {"sort": "-mrr"}, {"sort": "renewal", "segment": "mid-market", "page": 2},
                                   {"sort": "-score", "owner": "none", "page": 2}, {"sort": "name", "q": "heavy"}])
def test_list_runs_a_pinned_number_of_queries_whatever_the_rows_and_order(csm_client, csm, query,
                                                                           django_assert_num_queries):
    # session, user, saved views, owner choices, segment choices, count, page, and one batch of account facts for
    # the page's rows, which also gives their live totals (tests/facts/test_queries.py): no query per row, and no
    # sum over every account's subscriptions to sort by MRR, seats or renewal (the stored sort totals).
    _populate(3, csm)
    pinned = 7 + _list_facts_queries()
    with django_assert_num_queries(pinned):
        csm_client.get(URL, query)
    _populate(120, csm)
    with django_assert_num_queries(pinned):
        response = csm_client.get(URL, query)
    assert len(listed(response)) == (12 if "owner" in query else 50)  # 61 accounts without an owner: page 2


def test_every_column_at_once_still_runs_a_pinned_number_of_queries(csm_client, csm, django_assert_num_queries):
    # Each column names the groups of account facts it shows; all of them together read each group once for the
    # page's rows, whatever their number.
    from tenure.accounts import columns

    query = {"cols": [c.key for c in columns.CATALOGUE], "sort": "-arr"}
    _populate(3, csm)
    pinned = 7 + _list_facts_queries(columns.facts_parts(columns.CATALOGUE))
    with django_assert_num_queries(pinned):
        csm_client.get(URL, query)
    _populate(120, csm)
    with django_assert_num_queries(pinned):
        response = csm_client.get(URL, query)
    assert len(listed(response)) == 50


@pytest.fixture
def small_large_count(monkeypatch):
    """Counts from 3 accounts up count as large (reused for a while); the cache is emptied after."""
    from django.core.cache import cache

    from tenure.accounts import views

    monkeypatch.setattr(views, "LARGE_COUNT", 3)
    cache.clear()
    yield
    cache.clear()


def _shown_total(response) -> str:
    return response.content.decode().split(" of ", 1)[1].split(" account", 1)[0]


def test_a_large_count_is_reused_for_a_while_and_a_small_one_is_exact(csm_client, book, small_large_count):
    from django.core.cache import cache

    assert _shown_total(csm_client.get(URL, ALL)) == "4"
    make_account(name="Echo")
    assert _shown_total(csm_client.get(URL, ALL)) == "4"  # the same filters within the window: the count kept
    assert _shown_total(csm_client.get(URL, {"stage": "mature"})) == "1"  # under the threshold: counted each time
    make_account(name="Foxtrot", stage="mature")
    assert _shown_total(csm_client.get(URL, {"stage": "mature"})) == "2"
    cache.clear()  # the window over
    assert _shown_total(csm_client.get(URL, ALL)) == "6"
