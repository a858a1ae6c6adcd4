"""The health panel on the account page, the Score column of the accounts list, the pulse, the Health page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenure.engagement.models import Pulse
from tenure.health import services
from tenure.health.models import AccountHealth
from tenure.health.panels import account_health_panel
from tests.factories import make_account, make_subscription, make_ticket

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def scored_account(weeks: int = 3, **kw):
    account = make_account(**kw)
    make_subscription(account, start_date=TODAY - dt.timedelta(days=300), end_date=TODAY + dt.timedelta(days=60))
    services.backfill_health(today=TODAY, days=7 * weeks, account_ids=[account.pk])
    return account


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_panel_shows_score_band_trend_and_every_measure_in_plain_words(csm_client):
    account = scored_account()
    make_ticket(account, priority="urgent", opened_at=timezone.now() - dt.timedelta(days=2))
    services.score_accounts([account.pk], TODAY)
    page = csm_client.get(f"/accounts/{account.pk}/")
    assert page.status_code == 200
    body = text(page)
    assert "Health score" in body and 'id="health-chart"' in page.content.decode()
    assert "1 open high-priority ticket: \u2212" in body  # the new ticket, vs the snapshot a week before
    assert "no NPS answer, pulse or touch sentiment in the last year" in body
    assert "renewal in 60 days" in body
    assert len(page.context["health_rows"]) == 11


def test_panel_query_count_does_not_grow_with_history(csm_client):
    short, long = scored_account(weeks=1), scored_account(weeks=20)
    counts = []
    for account in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            account_health_panel(account)
        counts.append(len(ctx))
    assert counts == [3, 3]


def test_accounts_list_shows_score_band_and_arrow_and_sorts_by_score(csm_client):
    accounts = [scored_account(name=f"Acme {i}") for i in range(3)]
    unscored = make_account(name="Acme unscored")

    AccountHealth.objects.filter(account=accounts[0]).update(score=20, band="red", week_ago_score=30)
    AccountHealth.objects.filter(account=accounts[1]).update(score=90, band="green", week_ago_score=80)
    AccountHealth.objects.filter(account=accounts[2]).update(score=50, band="yellow", week_ago_score=51)
    with CaptureQueriesContext(connection) as few:
        page = csm_client.get("/accounts/?sort=-score")
    body = page.content.decode()
    names = re.findall(r'class="account-name"[^>]*>([^<]+)<', body)
    assert names == ["Acme 1", "Acme 2", "Acme 0", "Acme unscored"]
    assert 'class="pill band-green"' in body and "▼" in body and "▲" in body and "▬" in body
    ascending = csm_client.get("/accounts/?sort=score").content.decode()
    assert re.findall(r'class="account-name"[^>]*>([^<]+)<', ascending)[:3] == ["Acme 0", "Acme 2", "Acme 1"]
    for _ in range(4):
        scored_account(weeks=1)
    with CaptureQueriesContext(connection) as more:
        csm_client.get("/accounts/?sort=-score")
    assert len(more) == len(few)
    assert not AccountHealth.objects.filter(account=unscored).exists()  # listed last because it has no score


def test_a_writer_records_a_pulse_from_the_panel(csm_client, csm):
    account = scored_account(weeks=1)
    response = csm_client.post(f"/scores/accounts/{account.pk}/pulse/", {"rating": "red", "comment": "Budget cut"})
    assert response.status_code == 302 and response["Location"].endswith(f"/accounts/{account.pk}/#health")
    pulse = Pulse.objects.get(account=account)
    assert (pulse.rating, pulse.comment, pulse.author) == ("red", "Budget cut", csm)
    page = csm_client.get(f"/accounts/{account.pk}/")
    assert "Budget cut" in text(page) and "Record pulse" in text(page)


def test_read_only_users_cannot_pulse(reader_client):
    account = scored_account(weeks=1)
    assert reader_client.post(f"/scores/accounts/{account.pk}/pulse/", {"rating": "red"}).status_code == 403
    assert not Pulse.objects.exists()
    assert "Record pulse" not in text(reader_client.get(f"/accounts/{account.pk}/"))


def test_health_page_shows_distribution_and_backtest(leader):
    from django.test import Client

    client = Client()
    client.force_login(leader)
    scored_account()
    version = services.default_version()
    page = client.get(f"/scores/?days=30&a={version.pk}&b={version.pk}")
    assert page.status_code == 200
    body = text(page)
    assert "Is the score true?" in body and "Stored snapshots" in body and "Default v1 re-scored" in body
    html = page.content.decode()  # a comparison re-scores history: the form says so while it works, in place
    assert 'hx-indicator="#bt-working"' in html and 'id="bt-working"' in html and 'id="bt-panel"' in html


def test_api_gives_the_score_with_its_explanations(csm_client):
    account = scored_account(weeks=1)
    data = csm_client.get(f"/api/health/accounts/{account.pk}").json()
    assert data["version"] == 1 and len(data["measures"]) == 11
    assert all(m["text"] for m in data["measures"])
    assert len(csm_client.get(f"/api/health/accounts/{account.pk}/history").json()) == 2
    created = csm_client.post(f"/api/health/accounts/{account.pk}/pulses", {"rating": "yellow"},
                              content_type="application/json")
    assert created.status_code == 201


def test_api_refuses_a_pulse_from_a_read_only_user(reader_client):
    account = scored_account(weeks=1)
    response = reader_client.post(f"/api/health/accounts/{account.pk}/pulses", {"rating": "yellow"},
                                  content_type="application/json")
    assert response.status_code == 403
