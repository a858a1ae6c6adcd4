import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tenure.billing import services
from tenure.billing.models import SubscriptionChange
from tests.factories import make_subscription

pytestmark = pytest.mark.django_db


def test_every_change_is_kept_so_mrr_can_be_rebuilt():
    sub = make_subscription(seats=20, mrr="1000", start_date=dt.date(2026, 1, 1))
    services.update_subscription(sub, seats=30, mrr="1500", effective_on=dt.date(2026, 4, 1))
    services.update_subscription(sub, plan="Enterprise", mrr="3000", effective_on=dt.date(2026, 7, 1))
    services.update_subscription(sub, status="canceled", end_date=dt.date(2026, 9, 30),
                                 effective_on=dt.date(2026, 9, 30))
    rows = list(sub.history.values_list("effective_on", "plan", "seats", "mrr", "status"))
    assert rows == [
        (dt.date(2026, 1, 1), "Growth", 20, Decimal("1000.00"), "active"),
        (dt.date(2026, 4, 1), "Growth", 30, Decimal("1500.00"), "active"),
        (dt.date(2026, 7, 1), "Enterprise", 30, Decimal("3000.00"), "active"),
        (dt.date(2026, 9, 30), "Enterprise", 30, Decimal("3000.00"), "canceled"),
    ]


def test_a_change_to_nothing_new_records_nothing():
    sub = make_subscription(seats=20, mrr="1000")
    assert services.update_subscription(sub, seats=20, mrr="1000.00") is False
    assert SubscriptionChange.objects.filter(subscription=sub).count() == 1


def test_a_refused_change_leaves_subscription_and_history_alone():
    sub = make_subscription(seats=20, start_date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="before the start date"):
        services.update_subscription(sub, end_date=dt.date(2026, 1, 1))
    sub.refresh_from_db()
    assert sub.end_date == dt.date(2026, 12, 31)
    assert sub.history.count() == 1


@pytest.mark.parametrize(("raw", "amount"), [("1,250.50", Decimal("1250.50")), ("$99", Decimal("99.00")),
                                             (Decimal("5"), Decimal("5"))])
def test_money_is_read_as_people_write_it(raw, amount):
    assert services.parse_money(raw) == amount


@pytest.mark.parametrize("raw", ["ten", "-1"])
def test_bad_money_is_named(raw):
    with pytest.raises(ValidationError):
        services.parse_money(raw)


def test_arr_is_twelve_times_mrr():
    assert make_subscription(mrr="1250.00").arr == Decimal("15000.00")
