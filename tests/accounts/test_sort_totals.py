"""The accounts list sorts by seats, MRR and renewal from totals stored on the account (an index walk at 100,000
accounts): every subscription change stores them at once, and the daily job follows the calendar."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.accounts.models import Account
from tenure.billing import services as billing
from tests.accounts.pages import listed
from tests.factories import make_account, make_subscription

URL = reverse("accounts:list")
pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _year_from(day):
    return {"start_date": day - 30 * DAY, "end_date": day + 300 * DAY}


def test_a_subscription_change_moves_the_account_in_the_mrr_order_on_the_next_load(csm_client):
    today = timezone.localdate()
    make_subscription(make_account(name="Acme"), mrr=Decimal("500"), **_year_from(today))
    small = make_subscription(make_account(name="Beta"), mrr=Decimal("100"), **_year_from(today))
    assert listed(csm_client.get(URL, {"sort": "-mrr"})) == ["Acme", "Beta"]
    billing.update_subscription(small, mrr=Decimal("900"))
    assert listed(csm_client.get(URL, {"sort": "-mrr"})) == ["Beta", "Acme"]
    billing.update_subscriptions([(small, {"status": "canceled"})])
    assert listed(csm_client.get(URL, {"sort": "-mrr"})) == ["Acme", "Beta"]  # no live MRR: last


def test_a_subscription_moved_to_another_account_moves_both_totals():
    today = timezone.localdate()
    old, new = make_account(name="Old"), make_account(name="New")
    sub = make_subscription(old, seats=40, **_year_from(today))
    billing.update_subscriptions([(sub, {"account": new})])
    totals = dict(Account.objects.values_list("name", "sort_seats"))
    assert totals == {"Old": None, "New": 40}


def test_the_daily_job_takes_terms_that_ended_or_began_out_of_or_into_the_totals():
    today = timezone.localdate()
    ending = make_subscription(
        make_account(name="Ending"), mrr=Decimal("300"), start_date=today - 300 * DAY, end_date=today
    )
    starting = make_subscription(
        make_account(name="Starting"), mrr=Decimal("200"), start_date=today + DAY, end_date=today + 365 * DAY
    )
    assert Account.objects.get(pk=ending.account_id).sort_mrr == Decimal("300")
    assert Account.objects.get(pk=starting.account_id).sort_mrr is None
    assert billing.store_calendar_totals(today + DAY) == 2  # the day after: one ended, one began
    totals = dict(Account.objects.values_list("name", "sort_mrr"))
    assert totals == {"Ending": None, "Starting": Decimal("200")}


def test_storing_totals_leaves_the_accounts_change_time_alone():
    # The per-minute refresh reads updated_at: totals stored for the calendar are no change to the account.
    sub = make_subscription(make_account(name="Acme"))
    before = Account.objects.get(pk=sub.account_id).updated_at
    billing.store_live_totals(None, timezone.localdate() + 400 * DAY)
    after = Account.objects.get(pk=sub.account_id)
    assert after.updated_at == before and after.sort_mrr is None


def test_a_subscription_deleted_in_the_admin_leaves_no_total_behind(admin_client):
    today = timezone.localdate()
    account = make_account(name="Acme")
    sub = make_subscription(account, seats=40, mrr=Decimal("500"), **_year_from(today))
    assert Account.objects.get(pk=account.pk).sort_seats == 40
    response = admin_client.post(reverse("admin:billing_subscription_delete", args=[sub.pk]), {"post": "yes"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.sort_seats, account.sort_mrr, account.sort_renewal) == (None, None, None)
