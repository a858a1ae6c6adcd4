"""The demo's product usage: sent through the ingestion path, shaped by each account's scenario."""

import datetime as dt
import statistics

import pytest
from django.db.models import Sum

from tenure.accounts.models import Contact
from tenure.demo.models import DemoScenario, UsageTrend
from tenure.demo.services import build_demo
from tenure.facts import load_facts
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event, Feature, ProductUser
from tests.conftest import rows_for_a_module
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db

ACCOUNTS = 40


@pytest.fixture(scope="module")
def _demo_with_usage_of_the_module(django_db_setup, django_db_blocker):
    with rows_for_a_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_demo(seed=3, accounts=ACCOUNTS, today=TODAY, churn_model=False)
        yield built


@pytest.fixture
def demo_with_usage(_demo_with_usage_of_the_module):
    return _demo_with_usage_of_the_module


def _mau(account_id: int, end: dt.date) -> int:
    return load_facts([account_id], end)[account_id].active_users


def test_usage_arrives_through_ingestion_and_rolls_up(demo_with_usage):
    tracked = Event.objects.filter(type="track").count()
    assert demo_with_usage.counts["usage events"] == Event.objects.count() > 1000
    assert DailyFeatureUsage.objects.aggregate(n=Sum("count"))["n"] == tracked
    assert DailyAccountActivity.objects.aggregate(n=Sum("events"))["n"] == tracked
    contacts_before = demo_with_usage.counts["contacts"]
    assert Contact.objects.count() == contacts_before  # identify calls matched the demo's contacts
    identified = ProductUser.objects.filter(contact__isnull=False).count()
    assert identified == Contact.objects.exclude(product_user_id=None).filter(
        product_user_id__in=ProductUser.objects.values("user_id")).count() > 0
    assert Feature.objects.filter(is_key=True).count() == 5
    assert not Event.objects.filter(timestamp__date__gt=TODAY).exists()


def test_churned_accounts_stop_using_the_product(demo_with_usage):
    churned = DemoScenario.objects.filter(churned_on__isnull=False)
    assert churned.exists()
    for s in churned:
        assert not DailyAccountActivity.objects.filter(account_id=s.account_id, day__gt=s.churned_on).exists()


def test_declining_accounts_lose_active_users(demo_with_usage):
    declining = [s for s in DemoScenario.objects.filter(usage_trend=UsageTrend.DECLINING)
                 if s.usage_change_on and (s.churned_on or TODAY) - s.usage_change_on > dt.timedelta(days=60)]
    assert declining
    drops = []
    for s in declining:
        before = _mau(s.account_id, s.usage_change_on)
        after = _mau(s.account_id, s.churned_on or TODAY)
        if before >= 5:
            drops.append(after / before)
    assert drops and statistics.median(drops) < 0.7


def test_license_utilization_looks_like_a_real_vendor(demo_with_usage):
    live = DemoScenario.objects.filter(churned_on__isnull=True).values_list("account_id", flat=True)
    utilization = [f.utilization for f in load_facts(live, TODAY).values() if f.utilization is not None]
    assert len(utilization) > ACCOUNTS // 2
    assert max(utilization) <= 1.0
    assert 0.3 < statistics.median(utilization) < 0.75


def test_same_seed_same_usage():
    def rollups():
        return sorted(
            DailyFeatureUsage.objects.values_list("account__crm_id", "day", "event", "count", "users")
        )

    build_demo(seed=3, accounts=30, today=TODAY, churn_model=False)
    first = rollups()
    assert first
    # A rebuild wipes the old usage, then sends the same again.
    build_demo(seed=3, accounts=30, today=TODAY, churn_model=False)
    assert rollups() == first


def test_a_usage_dip_falls_until_the_patch_is_resolved_and_recovers_within_a_month():
    from tenure.demo.models import Cause
    from tenure.demo.usage import _trend

    start, until = dt.date(2026, 3, 1), dt.date(2026, 4, 30)
    story = DemoScenario(scenario="steady", usage_trend=UsageTrend.STEADY, scare=Cause.USAGE_DECLINE,
                         scare_from=start, scare_until=until)
    first, end = dt.date(2025, 6, 1), TODAY

    def level(day):
        return _trend(story, day, first, end)

    assert level(start - dt.timedelta(days=1)) == 1.0
    assert 1.0 > level(dt.date(2026, 4, 1)) > level(until) == pytest.approx(0.45)
    assert level(until + dt.timedelta(days=15)) == pytest.approx(0.725)
    assert level(until + dt.timedelta(days=30)) == 1.0
    story.scare = Cause.COMPETITOR  # other rough patches leave usage alone
    assert level(until) == 1.0
