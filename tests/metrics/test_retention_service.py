"""The metrics service on real rows: history written through the billing service, read back in bulk."""

import datetime as dt
from decimal import Decimal

import pytest

from tenure.billing import services as billing
from tenure.metrics import services
from tests.factories import make_account, make_subscription, make_user

D = dt.date


@pytest.fixture
def book(db):
    alice = make_user(username="csm-a", capacity=2)
    a = make_account(name="Acme", segment="enterprise", owner=alice)
    b = make_account(name="Beta", segment="smb")
    c = make_account(name="Gamma", segment="smb", owner=alice)
    sub_a = make_subscription(a, plan="Enterprise", mrr="1000", start_date=D(2025, 1, 1), end_date=D(2025, 12, 31),
                              billing_period="annual")
    billing.update_subscription(sub_a, seats=30, mrr="1200", effective_on=D(2025, 3, 15))  # expansion
    sub_b = make_subscription(b, plan="Starter", mrr="100", start_date=D(2025, 1, 10), end_date=None,
                              billing_period="monthly")
    billing.update_subscription(sub_b, status="canceled", end_date=D(2025, 2, 20), effective_on=D(2025, 2, 20))
    make_subscription(b, plan="Starter", mrr="80", start_date=D(2025, 4, 2), end_date=None, billing_period="monthly")
    sub_c = make_subscription(c, plan="Growth", mrr="500", start_date=D(2024, 11, 1), end_date=None,
                              billing_period="monthly")
    billing.update_subscription(sub_c, seats=10, mrr="300", effective_on=D(2025, 2, 5))  # seat cut
    return {"alice": alice, "a": a, "b": b, "c": c}


def test_monthly_movements_from_the_billing_history(book):
    report = services.retention(services.Filters(months=4), as_of=D(2025, 4, 30))
    rows = {m["month"]: m for m in report.months.to_dict("records")}
    jan, feb, mar, apr = (rows[f"2025-0{i}"] for i in (1, 2, 3, 4))
    assert (jan["starting_mrr"], jan["new"], jan["ending_mrr"]) == (Decimal("500.00"), Decimal("1100.00"),
                                                                    Decimal("1600.00"))
    assert (feb["contraction"], feb["churned"], feb["ending_mrr"]) == (Decimal("200.00"), Decimal("100.00"),
                                                                      Decimal("1300.00"))
    assert feb["grr"] == pytest.approx(1300 / 1600)
    assert feb["logo_churn_rate"] == pytest.approx(1 / 3)
    assert mar["expansion"] == Decimal("200.00") and mar["nrr"] == pytest.approx(1500 / 1300)
    assert apr["reactivation"] == Decimal("80.00") and apr["new"] == 0
    assert report.summary["ending_mrr"] == Decimal("1580.00")


def test_filters_by_segment_owner_plan_and_cohort(book):
    as_of = D(2025, 4, 30)
    smb = services.retention(services.Filters(segment="smb", months=4), as_of=as_of)
    assert smb.accounts == 2 and smb.summary["ending_mrr"] == Decimal("380.00")
    mine = services.retention(services.Filters(owner=str(book["alice"].pk), months=4), as_of=as_of)
    assert mine.accounts == 2 and mine.summary["ending_mrr"] == Decimal("1500.00")
    nobody = services.retention(services.Filters(owner="none", months=4), as_of=as_of)
    assert nobody.accounts == 1
    enterprise = services.retention(services.Filters(plan="Enterprise", months=4), as_of=as_of)
    assert enterprise.accounts == 1
    cohort = services.retention(services.Filters(cohort="2024-11", months=4), as_of=as_of)
    assert cohort.accounts == 1 and cohort.summary["starting_mrr"] == Decimal("500.00")


def test_metrics_load_in_a_few_queries(book, django_assert_max_num_queries):
    make_subscription(make_account(), start_date=D(2025, 1, 1))
    with django_assert_max_num_queries(3):
        history = services.load_history(as_of=D(2025, 4, 30))
        services.retention(services.Filters(), history=history)
        services.cohorts(services.Filters(), history=history)


def test_renewals_weight_arr_by_the_churn_risk_carried_to_each_renewal_date(book):
    from django.utils import timezone

    from tenure.predict.models import ChurnModel, ChurnPrediction

    model = ChurnModel.objects.create(version=1, kind="logistic", trained_at=timezone.now(), as_of=D(2025, 11, 1),
                                      horizon_days=30, grace_days=7, file="x.joblib")
    ChurnPrediction.objects.create(account=book["a"], model=model, probability=0.25, as_of=D(2025, 11, 1),
                                   scored_at=timezone.now())
    rows = services.renewals(90, as_of=D(2025, 11, 1))
    assert [r["account"] for r in rows] == ["Acme"]
    assert rows[0]["arr"] == Decimal("14400.00")
    # 60 days to the renewal is two of the model's 30-day windows: 1 − 0.75² = 43.75%, not the 30-day 25%.
    assert rows[0]["days_left"] == 60 and rows[0]["churn_by_renewal"] == 0.4375
    assert rows[0]["arr_at_risk"] == Decimal("6300.00")
    assert services.renewals(30, as_of=D(2025, 11, 1)) == []


def test_book_of_business_against_capacity(book):
    data = services.book_of_business(as_of=D(2025, 4, 30))
    alice = next(r for r in data["rows"] if r["owner"] == str(book["alice"]))
    assert alice["accounts"] == 2
    assert alice["arr"] == Decimal("18000.00")  # (1200 + 300) × 12
    assert alice["load"] == 1.0
    unassigned = next(r for r in data["rows"] if r["owner"] == "Unassigned")
    assert unassigned["accounts"] == 1
