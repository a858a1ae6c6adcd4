"""The churn-reason report: counts and ARR by outcome and by churn reason, on a hand-built set."""

import datetime as dt
from decimal import Decimal as D

import pytest

from tenure.renewals.models import ChurnReason, Renewal, RenewalOutcome
from tenure.renewals.report import ClosedRenewalRow as Row
from tenure.renewals.report import churn_reason_report, offsets_due, opportunity_trigger
from tenure.renewals.services import churn_reasons
from tests.factories import make_account, make_subscription

ROWS = [
    Row("renewed", "", D("1000"), D("1000")),
    Row("renewed", "", D("2000"), None),  # no ARR after typed: kept
    Row("expanded", "", D("1000"), D("1500")),
    Row("downgraded", "", D("4000"), D("3000")),
    Row("churned", "competitor", D("500"), D("0")),
    Row("churned", "competitor", D("700"), D("99")),  # churned is 0 whatever was typed
    Row("churned", "sponsor_left", D("300"), None),
]


def line(lines, key):
    return next(x for x in lines if x.key == key)


def test_report_by_outcome():
    report = churn_reason_report(ROWS, RenewalOutcome.values, ChurnReason.values)
    assert [x.key for x in report.outcomes] == ["renewed", "expanded", "downgraded", "churned"]
    renewed, churned = line(report.outcomes, "renewed"), line(report.outcomes, "churned")
    assert (renewed.count, renewed.arr_before, renewed.arr_after) == (2, D("3000"), D("3000"))
    assert (churned.count, churned.arr_before, churned.arr_after) == (3, D("1500"), D("0"))
    assert line(report.outcomes, "downgraded").arr_change == D("-1000")
    assert (report.total.count, report.total.arr_before, report.total.arr_after) == (7, D("9500"), D("7500"))
    # kept: 1000 + 2000 + 1000 (expansion capped) + 3000 = 7000 of 9500
    assert report.gross_retention == pytest.approx(7000 / 9500)


def test_report_by_churn_reason_keeps_empty_reasons():
    report = churn_reason_report(ROWS, RenewalOutcome.values, ChurnReason.values)
    assert len(report.reasons) == len(ChurnReason.values)
    assert (line(report.reasons, "competitor").count, line(report.reasons, "competitor").arr_before) == (2, D("1200"))
    assert line(report.reasons, "sponsor_left").count == 1
    assert line(report.reasons, "budget_cuts").count == 0
    assert sum(x.count for x in report.reasons) == line(report.outcomes, "churned").count


def test_empty_report_has_no_retention():
    report = churn_reason_report([], RenewalOutcome.values, ChurnReason.values)
    assert report.total.count == 0 and report.gross_retention is None


def test_offsets_due_and_opportunity_trigger_are_pure_rules():
    assert offsets_due(121, (120, 90, 60, 30), []) == []
    assert offsets_due(50, (120, 90, 60, 30), [120]) == [90, 60]
    assert offsets_due(30, (30,), [30]) == []
    assert opportunity_trigger(0.9, 20, 90, 30) == "high_utilization"
    assert opportunity_trigger(0.89, 20, 90, 30) is None
    assert opportunity_trigger(0.1, 20, 90, 30) == "unused_capacity"
    assert opportunity_trigger(0.1, 5, 90, 30) is None  # too few seats to matter
    assert opportunity_trigger(None, 0, 90, 30) is None


@pytest.mark.django_db
def test_report_reads_closed_renewals_in_the_period():
    account = make_account()
    sub = make_subscription(account)
    for on, outcome, reason in [(dt.date(2026, 3, 1), "churned", "budget_cuts"),
                                (dt.date(2026, 4, 1), "renewed", ""), (dt.date(2025, 1, 1), "churned", "other")]:
        Renewal.objects.create(account=account, subscription=sub, renewal_on=on, arr_before=D("100"),
                               status="closed", outcome=outcome, reason=reason, arr_after=D("100"))
    Renewal.objects.create(account=account, subscription=sub, renewal_on=dt.date(2026, 5, 1), arr_before=D("100"))
    report = churn_reasons(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert report.total.count == 2
    assert line(report.reasons, "budget_cuts").count == 1 and line(report.reasons, "other").count == 0
