"""Suggested weights over stored history: a draft version with its back-test, accepted like any scorecard save."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from tenure.billing.services import update_subscription
from tenure.health import scoring, services
from tenure.health.measures import DEFAULT_DEFINITION
from tenure.health.models import AccountHealth, HealthSnapshot, WeightSuggestion
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 6, 29)


@pytest.fixture
def history(monkeypatch):
    """30 accounts whose terms end every 5 days from 1 Jan 2026; every third one churns. Sentiment told churners
    apart 30 and 90 days before; sponsor engagement (20 of the default's weight) did not."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    version = services.default_version()
    for i in range(30):
        account = make_account()
        end = D(2026, 1, 1) + dt.timedelta(days=5 * i)
        sub = make_subscription(account, start_date=D(2025, 1, 1), end_date=end)
        churns = i % 3 == 0
        if not churns:
            update_subscription(sub, end_date=end + dt.timedelta(days=365), effective_on=end - dt.timedelta(days=10))
        raws = {"license_utilization": 50, "active_user_trend": 0, "key_feature_breadth": 50, "days_since_activity": 5,
                "open_high_tickets": 0, "oldest_open_ticket": 0, "renewal_proximity": 90,
                "sentiment": (25 if churns else 55) + (i * 37) % 40, "sponsor_engagement": (i * 53) % 200}
        scored = scoring.score(raws, DEFAULT_DEFINITION)
        for days in (30, 90):
            HealthSnapshot.objects.update_or_create(
                account=account, day=services.grid_day(end + dt.timedelta(days=1 - days), TODAY),
                defaults={"score": scored.score, "band": scored.band, "version": version, "measures": scored.measures})
    return version


def test_a_suggestion_is_a_draft_until_accepted_then_the_next_version(history, django_capture_on_commit_callbacks):
    draft = services.suggest_weights(today=TODAY)
    weights = {m["key"]: m["weight"] for m in draft.definition["measures"]}
    assert weights["sentiment"] > weights["sponsor_engagement"]
    assert draft.report["samples"] == 30 and draft.report["churned"] == 10
    assert set(draft.report["horizons"]) == {"30", "90"}
    after = draft.report["horizons"]["90"]["in_sample"]["after"]
    assert after["auc"] > draft.report["horizons"]["90"]["in_sample"]["before"]["auc"]
    card = history.scorecard
    assert card.versions.count() == 1 and services.open_suggestion(card) == draft  # not in force yet
    with django_capture_on_commit_callbacks(execute=True):
        version = services.accept_suggestion(draft)
    assert version.number == 2 and version.definition == draft.definition and "suggested weights" in version.note
    assert services.open_suggestion(card) is None
    with pytest.raises(ValueError):
        services.accept_suggestion(draft)


def test_scorecard_page_suggests_shows_the_backtest_and_accepts(history, leader, csm_client,
                                                              django_capture_on_commit_callbacks):
    card = history.scorecard
    assert csm_client.post(f"/scores/scorecards/{card.pk}/suggest/").status_code == 403
    client = Client()
    client.force_login(leader)
    assert client.post(f"/scores/scorecards/{card.pk}/suggest/", {"days": "90"}).status_code == 302
    page = client.get(f"/scores/scorecards/{card.pk}/").content.decode()
    assert 'id="suggestion-backtest"' in page and "Accept as version 2" in page
    assert "Out of sample: five folds by account" in page
    assert 'band-red">Red</span> today' in page and "at least 15% of the outcomes" in page
    draft = WeightSuggestion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/scores/suggestions/{draft.pk}/accept/").status_code == 302
    assert card.versions.get(number=2).definition == draft.definition


def test_the_suggest_command_prints_before_and_after_and_can_accept(history, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("health", "suggest", "--days", "90", "--accept", stdout=out)
    text = out.getvalue()
    assert "Sentiment" in text and "in sample" in text and "out of sample" in text
    assert "before current" in text and "after  suggested" in text and "Accepted: Default v2" in text


def test_after_accepting_the_backtest_shows_the_version_in_force_beside_the_stored_snapshots(
        history, django_capture_on_commit_callbacks):
    out = StringIO()
    call_command("health", "backtest", "--days", "90", stdout=out)
    assert "Default v1" not in out.getvalue()  # one version: the stored snapshots are its scores
    with django_capture_on_commit_callbacks(execute=True):
        call_command("health", "suggest", "--days", "90", "--accept", stdout=StringIO())
    out = StringIO()
    call_command("health", "backtest", "--days", "90", stdout=out)
    text = out.getvalue()
    assert "stored snapshots" in text and "Default v2: score 90 days before 30 outcomes (10 churned)" in text


def test_the_draft_counts_todays_accounts_per_band_before_and_after(history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.score_all()
    draft = services.suggest_weights(days=90)
    today = draft.report["today"]
    assert sum(today["before"].values()) == sum(today["after"].values()) == AccountHealth.objects.count() > 0
    page = StringIO()
    call_command("health", "suggest", "--days", "90", stdout=page)
    assert "today's accounts: red" in page.getvalue()
