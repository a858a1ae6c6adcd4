"""Throttled sign-ins and API token guesses: after a few failures under one username or from one address, the
key is locked for a while and answers 429 with the time left. A successful sign-in clears its username and
address. Counts live in the database (``SignInThrottle``), so every web process shares them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tenure.users.models import SignInThrottle

WINDOW = dt.timedelta(minutes=15)  # failures count within this window…
LOCK = dt.timedelta(minutes=15)  # …and a key that reaches its limit is locked this long


@dataclass(frozen=True)
class Limit:
    key: str
    failures: int  # allowed within the window; the next one locks


def for_sign_in(username: str, address: str) -> list[Limit]:
    return [Limit(f"user:{username.strip().lower()[:200]}", 5), Limit(f"ip:{address}", 20)]


def for_portal_link(email: str, address: str) -> list[Limit]:
    """The customer portal's sign-in links: every request counts (as a failure would), so one inbox is not flooded
    and one address cannot try many emails."""
    return [Limit(f"portal-email:{email.strip().lower()[:200]}", 5), Limit(f"portal-ip:{address}", 20)]


def for_token(address: str) -> list[Limit]:
    return [Limit(f"token-ip:{address}", 20)]


def address_of(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TENURE_PROXY_HOPS trusted proxies the address the outermost of
    them saw. X-Forwarded-For is read from the right: a client can put anything at its left, and each trusted
    proxy appends the address it was reached from."""
    hops = settings.TENURE_PROXY_HOPS
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:100]
    return request.META.get("REMOTE_ADDR") or "unknown"


def locked_for(limits: list[Limit], now: dt.datetime | None = None) -> int:
    """Seconds until every one of these keys may try again (0: not locked)."""
    now = now or timezone.now()
    until = max((u for u in SignInThrottle.objects.filter(key__in=[lim.key for lim in limits], locked_until__gt=now)
                 .values_list("locked_until", flat=True)), default=None)
    return 0 if until is None else max(1, math.ceil((until - now).total_seconds()))


def failed(limits: list[Limit], now: dt.datetime | None = None) -> None:
    """Count one failure under each key; lock the keys that reach their limit."""
    now = now or timezone.now()
    for limit in limits:
        with transaction.atomic():
            updated = SignInThrottle.objects.filter(key=limit.key, window_started_at__gt=now - WINDOW).update(
                failures=F("failures") + 1)
            if not updated:  # no window open: start one (a concurrent first failure may have just done so)
                try:
                    with transaction.atomic():
                        SignInThrottle.objects.update_or_create(
                            key=limit.key, defaults={"failures": 1, "window_started_at": now})
                except IntegrityError:
                    SignInThrottle.objects.filter(key=limit.key).update(failures=F("failures") + 1)
            SignInThrottle.objects.filter(key=limit.key, failures__gte=limit.failures).update(
                locked_until=now + LOCK, failures=0, window_started_at=now)


def succeeded(limits: list[Limit]) -> None:
    SignInThrottle.objects.filter(key__in=[lim.key for lim in limits]).delete()


def wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
