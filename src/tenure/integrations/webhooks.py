"""Outgoing webhooks: emit an event, deliver it signed, retry with back-off, keep the log, replay on demand.

Signature: every request carries ``Tenure-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed
with the endpoint's secret, plus ``Tenure-Event`` (type) and ``Tenure-Delivery`` (event id, the same on every
retry and replay, so receivers can de-duplicate). A 2xx answer is a delivery; anything else, a timeout or a
refused connection is retried after 30 s, 1, 2, 4 … minutes, up to MAX_ATTEMPTS, then marked failed.

Delivery is a job declared here, beside the attempt it runs: ``deliver_webhooks`` is queued when the emitting
change commits, and ``retry_due`` (every minute, see tenure/jobs.py) queues the retries whose time has come.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from tenure.integrations.models import (
    EVENT_LABELS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
TIMEOUT_SECONDS = 5.0
EVENT_TYPES = tuple(EVENT_LABELS)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: recompute the signature and check the time is recent (documented for users)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the given number of failed attempts: 30 s, 1 min, 2 min, 4 min …"""
    return FIRST_RETRY * (2 ** max(0, attempts - 1))


def slack_text(event_type: str, payload: dict) -> str:
    summary = payload.get("summary") or event_type.replace(".", " ")
    link = payload.get("url")
    return f"*{summary}*" + (f"\n<{link}|Open in Tenure>" if link else "")


def body_for(delivery: WebhookDelivery) -> bytes:
    if delivery.endpoint.format == WebhookFormat.SLACK:
        message = {"text": slack_text(delivery.event_type, delivery.payload)}
    else:
        message = {"id": delivery.event_id, "type": delivery.event_type,
                   "created_at": delivery.created_at.isoformat(), "data": delivery.payload}
    return json.dumps(message, default=str).encode()


def emit(event_type: str, payload: dict) -> list[WebhookDelivery]:
    """Record the event for every endpoint that wants it; deliveries start once the caller's change commits."""
    return emit_many([(event_type, payload)])


def emit_many(events: list[tuple[str, dict]]) -> list[WebhookDelivery]:
    """emit() for many events at once (a detection batch): one query for the endpoints, one insert."""
    unknown = {t for t, _ in events} - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown webhook event type {sorted(unknown)[0]!r}")
    endpoints = list(WebhookEndpoint.objects.filter(active=True)) if events else []
    now = timezone.now()
    deliveries = [
        WebhookDelivery(endpoint=e, event_id=event_id, event_type=event_type, payload=payload, next_attempt_at=now)
        for event_type, payload, event_id in ((t, p, str(uuid.uuid4())) for t, p in events)
        for e in endpoints if e.wants(event_type)
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    if deliveries:
        transaction.on_commit(lambda: _enqueue([d.pk for d in deliveries]))
    return deliveries


@db_task()
def deliver_webhooks(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        attempt(delivery_id)


def _enqueue(ids: list[int]) -> None:
    for start in range(0, len(ids), 50):
        deliver_webhooks(ids[start : start + 50])


def retry_due() -> None:
    """Queue the deliveries whose back-off has passed, and any a dead worker left half-sent."""
    release_stuck()
    _enqueue(due_deliveries())


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take a due delivery for sending; False if another worker has it, or it is done or not yet due."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        WebhookDelivery.objects.filter(
            due, pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )


def attempt(delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """One delivery attempt, if the delivery is due and nobody else is sending it. Returns the new status."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = body_for(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tenure-Webhooks/1",
        "Tenure-Event": delivery.event_type,
        "Tenure-Delivery": delivery.event_id,
        "Tenure-Signature": sign(delivery.endpoint.secret, int(now.timestamp()), body),
    }
    code, error = None, ""
    try:
        request = urllib.request.Request(delivery.endpoint.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as e:
        code, error = e.code, (e.reason if isinstance(e.reason, str) else "")[:300]  # the code is kept apart
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        error = str(getattr(e, "reason", e))[:300] or type(e).__name__
    delivery.last_status_code, delivery.last_error = code, error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_status_code", "last_error"])
    return delivery.status


def due_deliveries(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now
        ).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )


def release_stuck(now: dt.datetime | None = None) -> int:
    """A worker that died mid-send leaves a delivery 'sending'; after a while it is retried."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=TIMEOUT_SECONDS * 12)
    return WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, last_attempt_at__lt=cutoff).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now
    )


def replay(delivery: WebhookDelivery) -> None:
    """Send a delivery again (same event id), whatever happened to it before."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _enqueue([delivery.pk]))


def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=str(uuid.uuid4()), event_type="test", next_attempt_at=timezone.now(),
        payload={"summary": f"Test event from Tenure for {endpoint.name}"},
    )
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery
