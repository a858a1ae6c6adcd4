"""Scorecards: versions are immutable, each score records its version, a change re-scores its accounts."""

import pytest
from django.utils import timezone

from tenure.health import services
from tenure.health.models import AccountHealth, HealthSnapshot, Scorecard, ScorecardVersion
from tests.factories import make_account, make_subscription, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def default():
    return services.default_version()


def test_the_default_scorecard_ships_with_the_database(default):
    assert default.scorecard.name == "Default" and default.number == 1
    keys = [m["key"] for m in default.definition["measures"]]
    assert keys == ["license_utilization", "active_user_trend", "key_feature_breadth", "days_since_activity",
                    "open_high_tickets", "oldest_open_ticket", "sentiment", "sponsor_engagement",
                    "knowledge_engagement", "community_engagement", "renewal_proximity"]
    assert default.definition["thresholds"] == {"red": 50, "green": 75}


def test_every_stored_score_records_the_version_that_produced_it(default):
    account = make_account()
    make_subscription(account)
    services.score_accounts([account.pk], timezone.localdate())
    snap = HealthSnapshot.objects.get(account=account)
    assert snap.version == default
    assert AccountHealth.objects.get(account=account).version == default


def test_editing_a_scorecard_makes_a_new_version_and_rescores_its_accounts(default, django_capture_on_commit_callbacks):
    account = make_account()
    make_subscription(account)
    make_ticket(account, priority="urgent")
    services.score_accounts([account.pk], timezone.localdate())
    before = HealthSnapshot.objects.get(account=account)
    definition = {**default.definition, "thresholds": {"red": 99, "green": 100}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        v2 = services.apply_scorecard(default.scorecard, definition, note="stricter")
    assert len(callbacks) == 1
    assert v2.number == 2
    default.refresh_from_db()
    assert default.definition["thresholds"] == {"red": 50, "green": 75}  # the old version is untouched
    after = HealthSnapshot.objects.get(account=account)  # same day: replaced
    assert after.version == v2 and after.band == "red" and before.band != "red"
    assert AccountHealth.objects.get(account=account).band == "red"


def test_the_most_specific_scorecard_covers_an_account(default, django_capture_on_commit_callbacks):
    smb = make_account(segment="smb")
    other = make_account(segment="enterprise")
    for a in (smb, other):
        make_subscription(a)
    with django_capture_on_commit_callbacks(execute=True):
        card = services.create_scorecard(name="SMB", segment="smb")
    assert services.covered_accounts(card) == [smb.pk]
    services.score_all()
    assert HealthSnapshot.objects.get(account=smb).version.scorecard == card
    assert HealthSnapshot.objects.get(account=other).version == default


def test_an_invalid_definition_is_refused(default):
    bad = {**default.definition, "thresholds": {"red": 80, "green": 50}}
    with pytest.raises(ValueError):
        services.apply_scorecard(default.scorecard, bad)
    assert ScorecardVersion.objects.count() == 1


def test_scorecard_page_saves_a_version(leader, default, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    page = client.get(f"/scores/scorecards/{default.scorecard_id}/")
    assert page.status_code == 200
    data = {b.name: "" if b.value() is None else b.value() for b in page.context["form"]}
    data.update({"sentiment__weight": "30", "sponsor_engagement__mapping": "≤14: 100, ≤60: 50, else: 0",
                 "note": "sentiment matters more"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/scores/scorecards/{default.scorecard_id}/", data)
    assert response.status_code == 302
    v2 = default.scorecard.versions.get(number=2)
    by_key = {m["key"]: m for m in v2.definition["measures"]}
    assert by_key["sentiment"]["weight"] == 30
    assert by_key["sponsor_engagement"]["mapping"] == {"type": "bands", "bands": [[14, 100], [60, 50]], "else": 0}
    assert v2.note == "sentiment matters more" and v2.created_by == leader


def test_a_bad_mapping_is_shown_and_nothing_saved(leader, default):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    page = client.get(f"/scores/scorecards/{default.scorecard_id}/")
    data = {b.name: "" if b.value() is None else b.value() for b in page.context["form"]}
    data["sentiment__mapping"] = "lots"
    response = client.post(f"/scores/scorecards/{default.scorecard_id}/", data)
    assert response.status_code == 400
    assert "cannot read" in response.content.decode()
    assert default.scorecard.versions.count() == 1


def test_only_leaders_and_admins_change_scorecards(csm_client, reader_client, default):
    for client in (csm_client, reader_client):
        assert client.get("/scores/scorecards/").status_code == 200
        assert client.post(f"/scores/scorecards/{default.scorecard_id}/", {}).status_code == 403
        assert client.post("/scores/scorecards/", {"name": "X", "segment": "", "stage": "renewing"}).status_code == 403
    assert Scorecard.objects.count() == 1 and ScorecardVersion.objects.count() == 1


def test_saving_a_scorecard_unchanged_makes_no_new_version(leader, default, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    page = client.get(f"/scores/scorecards/{default.scorecard_id}/")
    data = {b.name: "" if b.value() is None else b.value() for b in page.context["form"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/scores/scorecards/{default.scorecard_id}/", data, follow=True)
    assert default.scorecard.versions.count() == 1
    assert "Nothing changed: version 1 stays in force" in response.content.decode()
