"""Names anyone can set (a CSM, a CSV import, a write key's `group` traits) never run as script in a page, nor as a
formula in a spreadsheet export."""

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tenure import pipeline
from tenure.users.models import Role
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch, make_user

pytestmark = pytest.mark.django_db
SCRIPT = "</script><script>alert(10)</script>"
FORMULA = "=cmd|' /C calc'!A0"


def _paths(resolver=None, prefix: str = ""):
    """Every page path without parameters, plus those taking only an account id."""
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if not route.startswith(("admin/", "api/", "v1/")):
                yield from _paths(p, route)
        elif isinstance(p, URLPattern) and route.count("<") <= 1:
            yield route


@pytest.fixture
def hostile(db):
    owner = make_user(Role.CSM, username="j", first_name="J" + SCRIPT, last_name=FORMULA)
    account = make_account(name=FORMULA + SCRIPT, owner=owner, industry=SCRIPT)
    make_subscription(account, plan=SCRIPT, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 1, 31))
    make_contact(account, name=SCRIPT, title=FORMULA, roles=["executive_sponsor"])
    make_touch(account, summary=SCRIPT)
    make_ticket(account, subject=SCRIPT)
    pipeline.refresh([account.pk])
    return account


def test_every_page_shows_hostile_names_as_text(hostile):
    leader = Client()
    leader.force_login(make_user(Role.LEADER, username="boss"))
    account_page = re.compile(r"^accounts/<int:(pk|account_id)>/")
    pages = sorted({"/" + account_page.sub(f"accounts/{hostile.pk}/", p) for p in _paths()
                    if "<" not in p or account_page.match(p)})
    assert "/metrics/book/" in pages and f"/accounts/{hostile.pk}/" in pages
    for path in pages:
        response = leader.get(path)
        assert response.status_code < 500, path
        if response.get("Content-Type", "").startswith("text/html"):
            assert "<script>alert(10)" not in response.content.decode(), path


@pytest.mark.parametrize("path", ["/metrics/retention/", "/metrics/cohorts/", "/renewals/", "/accounts/",
                                  "/metrics/book/"])
def test_csv_exports_neutralise_formulas_and_keep_numbers_numeric(hostile, path):
    leader = Client()
    leader.force_login(make_user(Role.LEADER, username="boss"))
    response = leader.get(path, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [c for row in rows for c in row]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), path
    assert not any(c.startswith("-") and not c.lstrip("-").replace(".", "", 1).isdigit() for c in cells), path


def test_the_csv_cell_rule():
    from tenure.exports import csv_cell

    assert csv_cell("=SUM(A1)") == "'=SUM(A1)" and csv_cell("@x") == "'@x" and csv_cell("+1") == "'+1"
    assert csv_cell("-x") == "'-x" and csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx"
    assert csv_cell(-120) == -120 and csv_cell(3.5) == 3.5 and csv_cell(None) == "" and csv_cell("Acme") == "Acme"
