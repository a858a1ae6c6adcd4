"""Fresh within minutes: the refresh pipeline re-scores accounts whose inputs changed; `tenure score` on demand."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tenure import pipeline
from tenure.changes.models import Watermark
from tenure.changes.services import CHANGE_SOURCES
from tenure.health.models import AccountHealth, HealthSnapshot
from tenure.health.services import record_pulse
from tenure.surveys.services import record_response
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


def age_everything() -> None:
    """Every input an hour old and the last runs 10 minutes ago: nothing changed since."""
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for source in CHANGE_SOURCES:
        source.model.objects.update(**{source.timestamp: hour_ago})
    Watermark.objects.update(last_run=timezone.now() - dt.timedelta(minutes=10))


def test_pulses_and_answers_are_watched():
    models = {s.model._meta.label for s in CHANGE_SOURCES}
    assert {"engagement.Pulse", "surveys.SurveyResponse"} <= models


@pytest.mark.parametrize("change", ["pulse", "nps"])
def test_a_new_pulse_or_answer_is_rescored_by_the_next_dispatch(change):
    quiet, busy = make_account(), make_account()
    for a in (quiet, busy):
        make_subscription(a)
    pipeline.refresh_everyone()
    assert AccountHealth.objects.count() == 2
    sentiment = {m["key"]: m for m in HealthSnapshot.objects.get(account=busy).measures}["sentiment"]
    assert sentiment["missing"]
    age_everything()
    if change == "pulse":
        record_pulse(account=busy, rating="red", comment="Champion is leaving")
    else:
        record_response(account=busy, score=2, comment="Too slow")
    assert pipeline.refresh_changed() >= 1
    sentiment = {m["key"]: m for m in HealthSnapshot.objects.get(account=busy).measures}["sentiment"]
    assert not sentiment["missing"] and sentiment["raw"] < 50


def test_score_command_scores_changed_accounts_or_all():
    for _ in range(3):
        make_subscription(make_account())
    out = StringIO()
    call_command("score", stdout=out)  # the first run: everything
    assert "Refreshed 3 accounts" in out.getvalue()
    age_everything()
    out = StringIO()
    call_command("score", stdout=out)
    assert "Refreshed 0 accounts" in out.getvalue()
    out = StringIO()
    call_command("score", "--all", stdout=out)
    assert "Refreshed 3 accounts" in out.getvalue()
    assert HealthSnapshot.objects.count() == 3
