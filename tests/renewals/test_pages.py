"""The renewal motions page, its close forms, the churn-reason report and the digest preference page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tenure.renewals.models import DigestPreference, Renewal
from tenure.renewals.services import sync_renewals
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewal(csm):
    account = make_account(name="Initech", owner=csm)
    today = timezone.localdate()
    make_subscription(account, mrr=Decimal("1000"), start_date=today - dt.timedelta(days=300),
                      end_date=today + dt.timedelta(days=40))
    sync_renewals([account.pk], today)
    return Renewal.objects.get()


def test_list_shows_open_renewals_with_days_left_and_tasks(csm_client, renewal):
    page = csm_client.get("/renewals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Initech" in html and "12,000" in html and '<span class="days-left">40</span>' in html
    assert '<span class="open-tasks">1</span> task' in html  # the play's first step
    assert f"/renewals/{renewal.pk}/close/" in html


def test_nav_links_to_renewal_motions(csm_client):
    page = csm_client.get("/accounts/").content.decode()
    nav = page[page.index('<nav class="mainnav"'):page.index("</nav>")]  # the main menu, not a page's own links
    assert 'href="/renewals/"' in nav


def test_writer_closes_a_renewal_through_the_form(csm_client, renewal):
    page = csm_client.post(f"/renewals/{renewal.pk}/close/", {"outcome": "churned", "reason": "budget_cuts"})
    assert page.status_code == 302
    renewal.refresh_from_db()
    assert (renewal.outcome, renewal.reason) == ("churned", "budget_cuts")
    report = csm_client.get("/renewals/reasons/?start=2000-01-01&end=2100-01-01").content.decode()
    assert "Budget cuts" in report and "12,000" in report


def test_churn_without_reason_through_the_form_changes_nothing(csm_client, renewal):
    page = csm_client.post(f"/renewals/{renewal.pk}/close/", {"outcome": "churned"}, follow=True)
    assert "Pick why the customer left" in page.content.decode()
    renewal.refresh_from_db()
    assert renewal.status == "open"


def test_read_only_user_sees_no_form_and_gets_403_on_post(reader_client, renewal):
    assert "/close/" not in reader_client.get("/renewals/").content.decode()
    assert reader_client.post(f"/renewals/{renewal.pk}/close/", {"outcome": "renewed"}).status_code == 403
    renewal.refresh_from_db()
    assert renewal.status == "open"


def test_close_form_requires_csrf(csm, renewal):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csm)
    assert client.post(f"/renewals/{renewal.pk}/close/", {"outcome": "renewed"}).status_code == 403


def test_anonymous_users_are_sent_to_login(renewal):
    assert Client().get("/renewals/").status_code == 302
    assert Client().get("/digest/").status_code == 302


def test_digest_preference_defaults_to_weekly_for_csms_and_saves(csm_client, csm):
    assert csm_client.get("/digest/").context["pref"].frequency == "weekly"
    assert csm_client.post("/digest/", {"frequency": "off"}).status_code == 302
    assert DigestPreference.objects.get(user=csm).frequency == "off"
