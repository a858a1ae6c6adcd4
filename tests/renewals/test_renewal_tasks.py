"""Renewal tasks open at each offset before the renewal date, once each; the first applies the renewal play."""

import datetime as dt
from decimal import Decimal

import pytest

from tenure.renewals.models import Renewal
from tenure.renewals.services import refresh, sync_renewals
from tenure.risk.models import Task
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db
RENEWAL = dt.date(2026, 12, 31)


def days_before(n: int) -> dt.date:
    return RENEWAL - dt.timedelta(days=n)


@pytest.fixture
def account():
    account = make_account(name="Initech", owner=make_user(username="carla"))
    make_subscription(account, mrr=Decimal("1000"), end_date=RENEWAL)
    return account


def test_no_renewal_before_the_largest_offset(account):
    sync_renewals([account.pk], days_before(121))
    assert not Renewal.objects.exists()
    assert not Task.objects.exists()


def test_first_offset_opens_the_renewal_and_applies_the_renewal_play(account):
    result = sync_renewals([account.pk], days_before(120))
    renewal = Renewal.objects.get()
    assert (renewal.renewal_on, renewal.arr_before, renewal.status) == (RENEWAL, Decimal("12000"), "open")
    tasks = list(Task.objects.filter(account=account))
    assert {t.play.key for t in tasks} == {"renewal-90"} and len(tasks) == 4
    assert all(t.owner == account.owner for t in tasks)
    assert result == {"renewals opened": 1, "renewal tasks opened": 4}
    assert renewal.offsets_opened == [120]


def test_each_offset_opens_one_follow_up_task_once(account):
    for day in (120, 119, 100, 90, 90, 89, 60, 45, 30, 29, 5):
        sync_renewals([account.pk], days_before(day))
    follow_ups = list(Task.objects.filter(account=account, created_by_rule="renewal").order_by("pk"))
    assert [t.title.split(":")[0] for t in follow_ups] == ["Renewal in 90 days", "Renewal in 60 days",
                                                           "Renewal in 30 days"]
    assert Renewal.objects.get().offsets_opened == [120, 90, 60, 30]
    assert Renewal.objects.count() == 1


def test_a_closed_follow_up_is_not_reopened_at_the_same_offset(account):
    sync_renewals([account.pk], days_before(120))
    sync_renewals([account.pk], days_before(90))
    Task.objects.filter(created_by_rule="renewal").update(status="done", close_reason="completed",
                                                          outcome="no_change")
    sync_renewals([account.pk], days_before(89))
    assert Task.objects.filter(created_by_rule="renewal").count() == 1


def test_renewal_found_late_opens_the_play_once_not_a_task_per_missed_offset(account):
    sync_renewals([account.pk], days_before(50))
    assert Task.objects.filter(account=account).count() == 4  # the play, no follow-ups for 120/90/60
    assert Renewal.objects.get().offsets_opened == [120, 90, 60]


def test_offsets_come_from_the_setting(account, settings):
    settings.TENURE_RENEWAL_OFFSETS = (45, 10)
    sync_renewals([account.pk], days_before(60))
    assert not Renewal.objects.exists()
    sync_renewals([account.pk], days_before(45))
    sync_renewals([account.pk], days_before(10))
    assert Task.objects.filter(created_by_rule="renewal").get().title.startswith("Renewal in 10 days")


def test_canceled_subscriptions_and_churned_accounts_have_no_renewal():
    gone = make_account(stage="churned")
    make_subscription(gone, end_date=RENEWAL)
    canceled = make_account()
    make_subscription(canceled, end_date=RENEWAL, status="canceled")
    refresh([gone.pk, canceled.pk], days_before(30))
    assert not Renewal.objects.exists()


def test_every_account_refresh_runs_the_renewals_step(account):
    from tenure import pipeline

    pipeline.refresh([account.pk], days_before(100))
    assert Renewal.objects.filter(account=account, status="open").count() == 1
