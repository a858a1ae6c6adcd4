"""Retention, cohorts and book-of-business pages, their CSV exports and API endpoints; the renewal forecast's old
address leads to the Renewals page."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.billing import services as billing
from tests.factories import make_account, make_subscription


@pytest.fixture
def history(db, csm):
    today = timezone.localdate()
    a = make_account(name="Acme", owner=csm, segment="enterprise")
    sub = make_subscription(a, mrr="1000", start_date=today - dt.timedelta(days=200),
                            end_date=today + dt.timedelta(days=40))
    billing.update_subscription(sub, mrr="1500", seats=40, effective_on=today - dt.timedelta(days=60))
    b = make_account(name="Beta", segment="smb")
    make_subscription(b, mrr="100", start_date=today - dt.timedelta(days=300), end_date=today - dt.timedelta(days=90),
                      status="canceled")
    return {"a": a, "b": b}


PAGES = ["metrics:retention", "metrics:cohorts", "metrics:book"]


@pytest.mark.parametrize("name", PAGES)
def test_page_needs_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_for_a_reader(reader_client, history, name):
    response = reader_client.get(reverse(name))
    assert response.status_code == 200
    assert b"USD" in response.content
    assert b"plotly.min.js" in response.content


def test_retention_page_writes_out_its_formulas_and_numbers(reader_client, history):
    response = reader_client.get(reverse("metrics:retention"), {"months": 12})
    text = response.content.decode()
    assert "(starting MRR − contraction − churned) ÷ starting MRR" in text
    assert "(starting MRR + expansion − contraction − churned) ÷ starting MRR" in text
    assert "churned in the period ÷ customers at its start" in text
    assert "1,500" in text


def test_retention_csv_adds_up(reader_client, history):
    response = reader_client.get(reverse("metrics:retention"), {"export": "csv", "months": 12})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 12
    for r in rows:
        f = {k: float(r[k] or 0) for k in ("starting_mrr", "new", "expansion", "contraction", "churned",
                                           "reactivation", "ending_mrr")}
        assert round(f["starting_mrr"] + f["new"] + f["expansion"] + f["reactivation"] - f["contraction"]
                     - f["churned"], 2) == round(f["ending_mrr"], 2)
    assert float(rows[-1]["ending_mrr"]) == 1500


@pytest.mark.parametrize("name", ["metrics:cohorts", "metrics:book"])
def test_every_table_downloads_as_csv(reader_client, history, name):
    response = reader_client.get(reverse(name), {"export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert len(response.content.decode().splitlines()) >= 2


def test_the_old_renewal_forecast_address_leads_to_the_renewals_page(reader_client, history):
    response = reader_client.get(reverse("metrics:renewals"), {"days": 30, "sort": "risk"})
    assert response.status_code == 301 and response["Location"] == "/renewals/?days=30&sort=risk"
    assert reader_client.get("/metrics/renewals/")["Location"] == "/renewals/"
    response = reader_client.get(reverse("metrics:renewals"), {"days": 90, "sort": "risk"}, follow=True)
    assert b"Acme" in response.content and b"Beta" not in response.content
    response = reader_client.get(reverse("metrics:renewals"), {"days": 30}, follow=True)
    assert response.status_code == 200 and b"Acme" not in response.content
    csv_download = reader_client.get(reverse("metrics:renewals"), {"export": "csv"}, follow=True)
    assert csv_download["Content-Type"].startswith("text/csv") and b"Acme" in csv_download.content
    tabs = reader_client.get(reverse("metrics:retention")).content.decode()
    assert reverse("metrics:renewals") not in tabs


def test_filters_change_the_numbers(reader_client, history):
    response = reader_client.get(reverse("metrics:retention"), {"segment": "smb", "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert float(rows[-1]["ending_mrr"]) == 0


def test_pages_make_few_queries(reader_client, history, django_assert_max_num_queries):
    for name in PAGES:
        with django_assert_max_num_queries(16):  # 14, and the day the figures stand on (facts.last_known_day)
            assert reader_client.get(reverse(name)).status_code == 200


def test_api_endpoints(reader_client, history):
    data = reader_client.get("/api/metrics/retention?months=6").json()
    assert data["currency"] == "USD" and len(data["months"]) == 6
    assert data["months"][-1]["ending_mrr"] == "1500.00"
    assert "cohorts" in reader_client.get("/api/metrics/cohorts").json()
    renewals = reader_client.get("/api/metrics/renewals?days=90").json()["renewals"]
    assert [r["account"] for r in renewals] == ["Acme"]
    owners = reader_client.get("/api/metrics/book").json()["owners"]
    assert any(o["owner"] == "Alice Archer" and o["accounts"] == 1 for o in owners)


def test_api_needs_authentication(client, db):
    assert client.get("/api/metrics/retention").status_code == 401


@pytest.mark.parametrize("as_of, partial", [("2026-06-17", True), ("2026-06-30", False)])
def test_the_as_of_days_month_is_labelled_partial_unless_it_is_over(reader_client, history, as_of, partial):
    response = reader_client.get(reverse("metrics:retention"), {"months": 3, "as_of": as_of})
    text = response.content.decode()
    assert ("2026-06 <span class=\"muted small\">(to 17 Jun, partial)</span>" in text) == partial
    assert ("2026-06 (partial)" in text) == partial  # the charts' months too
    assert "2026-05 <span" not in text  # a month that is over is never partial
