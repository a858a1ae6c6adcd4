"""Is the score true? AUC / churn rate per band on a known history (the outcomes themselves: tests/facts)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from tenure.billing.services import update_subscription
from tenure.health import services
from tenure.health.models import HealthSnapshot
from tenure.health.scoring import evaluate
from tests.factories import make_account, make_subscription

D = dt.date


def test_auc_and_churn_rate_per_band_on_a_known_answer():
    pairs = [(20, "red", True), (30, "red", True), (35, "red", False), (50, "yellow", True),
             (60, "yellow", False), (80, "green", False), (90, "green", False), (45, "yellow", False)]
    result = evaluate(pairs, 30)
    # churned scores 20, 30, 50 vs renewed 35, 45, 60, 80, 90: pairs where churned < renewed = 5 + 5 + 3 = 13 of 15
    assert result.auc == pytest.approx(round(13 / 15, 3))
    assert [(b.band, b.accounts, b.churned) for b in result.bands] == [("red", 3, 2), ("yellow", 3, 1),
                                                                       ("green", 2, 0)]
    assert result.bands[0].churn_rate == pytest.approx(2 / 3)
    assert evaluate([(50, "yellow", False)], 30).auc is None  # one class only


@pytest.mark.django_db
def test_backtest_over_stored_history_and_the_command(monkeypatch):
    today = D(2026, 6, 29)
    start, end = D(2025, 6, 1), D(2026, 5, 31)
    stayed, left = make_account(), make_account()
    for a in (stayed, left):
        make_subscription(a, start_date=start, end_date=end)
    update_subscription(stayed.subscriptions.get(), start_date=D(2026, 6, 1), end_date=D(2027, 5, 31),
                        effective_on=D(2026, 6, 1))
    update_subscription(left.subscriptions.get(), status="canceled", effective_on=D(2026, 6, 1))
    services.backfill_health(today=today, days=70, account_ids=[stayed.pk, left.pk])
    # the day 30 days before the outcomes (1 June) falls back to the grid day 27 April: make the leaver look bad
    grid = services.grid_day(D(2026, 5, 2), today)
    assert grid == D(2026, 4, 27)
    HealthSnapshot.objects.filter(account=left, day=grid).update(score=20, band="red")
    HealthSnapshot.objects.filter(account=stayed, day=grid).update(score=80, band="green")
    result = services.backtest(days=30, today=today)
    assert (result.samples, result.churned, result.auc) == (2, 1, 1.0)
    assert [(b.band, b.accounts, b.churned) for b in result.bands] == [("red", 1, 1), ("yellow", 0, 0),
                                                                       ("green", 1, 0)]
    # re-scored with a version: the same outcomes, scored again as of the same day
    rescored = services.backtest(days=30, today=today, version=services.default_version())
    assert rescored.samples == 2

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: today)
    out = StringIO()
    call_command("health", "backtest", "--days", "30", "--json", stdout=out)
    assert json.loads(out.getvalue())[0]["auc"] == 1.0
    out = StringIO()
    call_command("health", "backtest", stdout=out)
    assert "AUC 1.000" in out.getvalue() and "red" in out.getvalue()
