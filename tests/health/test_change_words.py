"""A change is said once, with its size: "▼ 4" beside an arrow, "down 4" in words, never "▼ -4" nor "down -4"; and
nothing reads "−0" (a pull or a change under half a point is 0)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tenure.health import services
from tenure.health.explain import explain, format_raw
from tenure.health.models import AccountHealth, HealthSnapshot
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def scored(name: str, weeks: int = 3):
    account = make_account(name=name)
    make_subscription(account, start_date=TODAY - dt.timedelta(days=300), end_date=TODAY + dt.timedelta(days=60))
    services.backfill_health(today=TODAY, days=7 * weeks, account_ids=[account.pk])
    return account


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_score_column_says_down_4_not_down_minus_4(csm_client):
    fell, rose = scored("Fell"), scored("Rose")
    AccountHealth.objects.filter(account=fell).update(score=40, band="red", week_ago_score=44)
    AccountHealth.objects.filter(account=rose).update(score=90, band="green", week_ago_score=80)
    body = words(csm_client.get("/accounts/?sort=score").content.decode())
    assert "40 ▼ down 4 in a week" in body
    assert "90 ▲ up 10 in a week" in body
    assert "-4" not in body and "−4" not in body


def test_the_health_panel_says_the_fall_once(csm_client):
    account = scored("Falling")
    latest, previous = HealthSnapshot.objects.filter(account=account).order_by("-day")[:2]
    HealthSnapshot.objects.filter(pk=previous.pk).update(score=latest.score + 4)
    body = words(csm_client.get(f"/accounts/{account.pk}/").content.decode())
    assert f"▼ 4 since {previous.day.day} {previous.day:%b}" in body
    assert "▼ -4" not in body and "▼ −4" not in body


def row(key, raw, points, unit="%", modifier=False):
    return {"key": key, "label": "X", "raw": raw, "unit": unit, "points": points, "missing": False,
            "modifier": modifier}


def test_nothing_reads_minus_zero_or_one_days():
    assert explain(row("renewal_proximity", 200, -0.3, unit="days", modifier=True), None) == \
        "renewal in 200 days: 0 points of the score"
    assert format_raw(row("active_user_trend", 0.3, 5)) == "0%"
    assert format_raw(row("active_user_trend", -0.3, 5)) == "0%"
    assert format_raw(row("oldest_open_ticket", 1, 5, unit="days")) == "1 day"
    assert format_raw(row("oldest_open_ticket", 3, 5, unit="days")) == "3 days"
