"""Outgoing webhooks against a real HTTP receiver on loopback: signed, retried with back-off, logged, replayed."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tenure.integrations import webhooks
from tenure.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


class Receiver:
    """A loopback HTTP server that answers with the statuses it is told, optionally slowly."""

    def __init__(self, statuses=(200,), delay=0.0):
        self.statuses, self.delay, self.requests = list(statuses), delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(**kw):
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def endpoint(url, **kw):
    return WebhookEndpoint.objects.create(name="CRM", url=url, secret="s3cret", **kw)


def test_event_is_delivered_signed_once_the_change_commits(receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("signal.opened", {"summary": "Sponsor left Acme", "account_id": 7})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    headers, body = receiver.requests[0]
    assert json.loads(body)["data"] == {"summary": "Sponsor left Acme", "account_id": 7}
    assert headers["Tenure-Event"] == "signal.opened" and headers["Tenure-Delivery"] == delivery.event_id
    assert webhooks.verify("s3cret", headers["Tenure-Signature"], body)
    assert not webhooks.verify("wrong", headers["Tenure-Signature"], body)


def test_failing_receiver_is_retried_with_back_off_then_succeeds_once(receiver_factory):
    receiver = receiver_factory(statuses=[500, 503, 200])
    endpoint(receiver.url)
    webhooks.emit("task.opened", {"summary": "Call the sponsor"})
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks.attempt(delivery.pk, now) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)
    assert webhooks.attempt(delivery.pk, now) is None  # not due yet: nothing sent
    later = now + dt.timedelta(seconds=31)
    assert webhooks.due_deliveries(later) == [delivery.pk]
    assert webhooks.attempt(delivery.pk, later) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == later + dt.timedelta(minutes=1)
    assert webhooks.attempt(delivery.pk, later + dt.timedelta(minutes=2)) == DeliveryStatus.DELIVERED
    assert webhooks.attempt(delivery.pk, later + dt.timedelta(hours=1)) is None  # delivered: never sent again
    assert len(receiver.requests) == 3
    assert len({h["Tenure-Delivery"] for h, _ in receiver.requests}) == 1  # one event id across retries
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (3, 200)


def test_a_refusal_is_logged_once_with_its_words(receiver_factory, leader_client):
    receiver = receiver_factory(statuses=[403])
    endpoint(receiver.url)
    webhooks.emit("task.opened", {"summary": "Call the sponsor"})
    delivery = WebhookDelivery.objects.get()
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_status_code == 403 and "403" not in delivery.last_error  # the code is kept apart
    page = leader_client.get("/integrations/webhooks/").content.decode()
    assert "HTTP 403" in page and "HTTP 403 HTTP 403" not in page


def test_slow_receiver_times_out_and_is_retried(receiver_factory, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    receiver = receiver_factory(delay=1.0)
    endpoint(receiver.url)
    webhooks.emit("test", {"summary": "hello"})
    delivery = WebhookDelivery.objects.get()
    assert webhooks.attempt(delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and "timed out" in delivery.last_error


def test_gives_up_after_the_last_attempt(receiver_factory, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    receiver = receiver_factory(statuses=[500])
    endpoint(receiver.url)
    webhooks.emit("test", {})
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    webhooks.attempt(delivery.pk, now)
    assert webhooks.attempt(delivery.pk, now + dt.timedelta(hours=1)) == DeliveryStatus.FAILED
    assert webhooks.due_deliveries(now + dt.timedelta(days=1)) == []


def test_replay_sends_the_same_event_again(receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("survey.answered", {"summary": "NPS 3 from Acme"})
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.replay(delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [h["Tenure-Delivery"] for h, _ in receiver.requests] == [delivery.event_id] * 2


def test_two_workers_never_send_the_same_attempt(receiver_factory):
    receiver = receiver_factory()
    endpoint(receiver.url)
    webhooks.emit("test", {})
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks.claim(delivery.pk, now) is True
    assert webhooks.claim(delivery.pk, now) is False


def test_slack_format_and_event_filter(receiver_factory):
    receiver = receiver_factory()
    endpoint(receiver.url, format="slack", event_types=["signal.opened"])
    webhooks.emit("task.opened", {"summary": "not wanted"})
    webhooks.emit("signal.opened", {"summary": "Usage down 40% at Acme", "url": "http://tenure/accounts/7/"})
    assert WebhookDelivery.objects.count() == 1
    webhooks.attempt(WebhookDelivery.objects.get().pk)
    assert json.loads(receiver.requests[0][1]) == {
        "text": "*Usage down 40% at Acme*\n<http://tenure/accounts/7/|Open in Tenure>"
    }


def test_unknown_event_type_is_refused():
    with pytest.raises(ValueError, match="unknown webhook event type 'nope'"):
        webhooks.emit("nope", {})


def test_a_delivery_left_sending_by_a_dead_worker_is_retried():
    e = endpoint("http://127.0.0.1:9/")
    d = WebhookDelivery.objects.create(endpoint=e, event_id="x", event_type="test", payload={}, status="sending",
                                       last_attempt_at=timezone.now() - dt.timedelta(minutes=5))
    assert webhooks.release_stuck() == 1
    d.refresh_from_db()
    assert d.status == "retrying"


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def test_leader_adds_a_receiver_sends_a_test_and_replays(leader_client, receiver_factory,
                                                         django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    response = leader_client.post("/integrations/webhooks/", {"name": "Ops", "url": receiver.url, "format": "json",
                                                        "event_types": ["signal.opened"]})
    assert response.status_code == 302
    e = WebhookEndpoint.objects.get()
    assert e.event_types == ["signal.opened"] and len(e.secret) == 64
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(f"/integrations/webhooks/{e.pk}/test/")
    page = leader_client.get("/integrations/webhooks/").content.decode()
    assert "Delivered" in page and "HTTP 200" in page
    d = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(f"/integrations/webhooks/deliveries/{d.pk}/replay/")
    assert len(receiver.requests) == 2


def test_csm_sees_the_log_but_cannot_manage(csm_client):
    assert csm_client.get("/integrations/webhooks/").status_code == 200
    assert csm_client.post("/integrations/webhooks/", {"name": "x", "url": "http://127.0.0.1/"}).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_signals_tasks_and_band_changes_reach_webhooks():
    import datetime as dt

    from tenure.health.models import AccountHealth
    from tenure.health.services import _refresh_current
    from tenure.risk.services import detect_signals
    from tenure.risk.work import close_task, open_task
    from tests.factories import make_account, make_contact

    endpoint("http://127.0.0.1:9/")
    account = make_account()
    make_contact(account, roles=["executive_sponsor"], left_on=dt.date(2026, 1, 1))
    detect_signals([account.pk], dt.date(2026, 6, 1))
    types = list(WebhookDelivery.objects.values_list("event_type", flat=True))
    assert "signal.opened" in types and "task.opened" in types
    task = open_task(account, title="Call them")
    close_task(task, "completed", "improved")
    assert WebhookDelivery.objects.filter(event_type="task.closed").exists()

    class Scored:
        score, band = 40, "red"

    from tenure.health.models import ScorecardVersion

    version = ScorecardVersion.objects.first()  # the default scorecard ships with the migrations
    AccountHealth.objects.create(account=account, day=dt.date(2026, 6, 1), score=80, band="green", version=version)
    _refresh_current([account.pk], dt.date(2026, 6, 2), {account.pk: (version, Scored)}, timezone.now())
    change = WebhookDelivery.objects.get(event_type="health.band_changed")
    assert (change.payload["from"], change.payload["to"]) == ("green", "red")
