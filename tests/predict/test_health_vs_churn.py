"""Health and churn risk side by side: where they disagree, the account page says which facts drive each."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.health import scoring, services
from tenure.health.measures import DEFAULT_DEFINITION
from tenure.health.models import HealthSnapshot
from tenure.predict.models import ChurnModel, ChurnPrediction
from tenure.predict.panels import HIGH_CHURN, LOW_CHURN, disagreement
from tests.factories import make_account, make_subscription

HEALTHY = {"license_utilization": 80, "active_user_trend": 20, "key_feature_breadth": 90, "days_since_activity": 1,
           "open_high_tickets": 0, "oldest_open_ticket": 0, "sentiment": 85, "sponsor_engagement": 10,
           "renewal_proximity": 300}
SICK = {"license_utilization": 5, "active_user_trend": -60, "key_feature_breadth": 0, "days_since_activity": 40,
        "open_high_tickets": 3, "oldest_open_ticket": 90, "sentiment": 10, "sponsor_engagement": 200,
        "renewal_proximity": 300}
UP = [{"label": "Days since anyone used the product", "value": "45", "typical": "2", "direction": "up"},
      {"label": "Seats change over 90 days", "value": "-40%", "typical": "+0%", "direction": "up"},
      {"label": "Days as a customer", "value": "900", "typical": "400", "direction": "down"}]


def _account(raws: dict, probability: float, drivers: list[dict]):
    account = make_account()
    make_subscription(account)
    scored = scoring.score(raws, DEFAULT_DEFINITION)
    HealthSnapshot.objects.create(account=account, day=timezone.localdate(), score=scored.score, band=scored.band,
                                  version=services.default_version(), measures=scored.measures)
    model = ChurnModel.objects.first() or ChurnModel.objects.create(
        version=1, kind="logistic", trained_at=timezone.now(), as_of=timezone.localdate(), horizon_days=90,
        grace_days=7, file="x.joblib")
    ChurnPrediction.objects.create(account=account, model=model, probability=probability, drivers=drivers,
                                   as_of=timezone.localdate() - dt.timedelta(days=1), scored_at=timezone.now())
    return account, scored


def _churn_panel(client, account) -> str:
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    start = html.index('id="churn-risk"')
    return html[start:html.index("</section>", start)]


@pytest.mark.django_db
def test_a_green_account_with_a_high_churn_probability_says_which_facts_drive_each(csm_client):
    account, scored = _account(HEALTHY, 0.97, UP)
    assert scored.band == "green"
    panel = _churn_panel(csm_client, account)
    assert "Health and churn risk disagree." in panel
    assert f"Health is green {scored.score:.0f} but the churn model says 97%" in panel
    assert "sponsor or champion engagement (20 of 20 points)" in panel  # the measure earning the most points
    assert "days since anyone used the product (45, typical 2)" in panel  # the model's top driver up
    assert "days as a customer" not in panel.split("Why")[0]  # a driver that lowers the risk is not a reason for it


@pytest.mark.django_db
def test_an_account_whose_health_and_churn_risk_agree_shows_no_sentence(csm_client):
    account, scored = _account(HEALTHY, 0.03, [])
    assert scored.band == "green"
    assert "disagree" not in _churn_panel(csm_client, account)


@pytest.mark.django_db
def test_a_red_account_with_a_low_churn_probability_names_what_pulls_the_score_down(csm_client):
    account, scored = _account(SICK, 0.04, UP)
    assert scored.band == "red"
    panel = _churn_panel(csm_client, account)
    assert "Health is red" in panel and "pulled down by sponsor or champion engagement (0 of 20 points)" in panel
    assert "lowered by days as a customer (900, typical 400)" in panel


def test_the_cut_offs_are_the_disagreement_rule():
    rows = scoring.score(HEALTHY, DEFAULT_DEFINITION).measures
    assert disagreement("green", 80, rows, HIGH_CHURN, UP)
    assert not disagreement("green", 80, rows, HIGH_CHURN - 0.01, UP)
    assert disagreement("red", 30, rows, LOW_CHURN, UP)
    assert not disagreement("red", 30, rows, LOW_CHURN + 0.01, UP)
    assert not disagreement("yellow", 60, rows, 0.99, UP)
