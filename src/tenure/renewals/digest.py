"""Each user's digest email: new signals on their accounts, tasks due soon, renewals coming, biggest health
drops. ``send_digests(now)`` (hourly job) sends to the users who are due and have something to say."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from tenure.health.models import AccountHealth
from tenure.renewals.models import DigestFrequency, DigestPreference, Renewal, RenewalStatus
from tenure.risk.models import ACTIVE_TASK_STATUSES, Signal, Task
from tenure.users.models import Role, User

TASK_DAYS, RENEWAL_DAYS, TOP_DROPS = 7, 90, 5
INTERVAL = {DigestFrequency.DAILY: dt.timedelta(days=1), DigestFrequency.WEEKLY: dt.timedelta(days=7)}
SLACK = dt.timedelta(minutes=30)  # an hourly job a few minutes late still sends on the same day


def preference_for(user) -> DigestPreference:
    """The stored preference, or the default (weekly for CSMs, off for everyone else) unsaved."""
    try:
        pref = user.digest_preference  # loaded with the user by send_digests
    except DigestPreference.DoesNotExist:
        pref = None
    if pref is None:
        frequency = DigestFrequency.WEEKLY if user.role == Role.CSM else DigestFrequency.OFF
        pref = DigestPreference(user=user, frequency=frequency)
    return pref


@dataclass
class Digest:
    user: User
    since: dt.datetime
    today: dt.date
    signals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    renewals: list = field(default_factory=list)
    drops: list = field(default_factory=list)  # (AccountHealth, points dropped)

    @property
    def is_empty(self) -> bool:
        return not (self.signals or self.tasks or self.renewals or self.drops)


def build_digest(user, since: dt.datetime, today: dt.date) -> Digest:
    digest = Digest(user, since, today)
    digest.signals = list(Signal.objects.filter(account__owner=user, created_at__gte=since, resolved_on__isnull=True)
                          .select_related("account").order_by("severity", "-created_at")[:50])
    digest.tasks = list(Task.objects.filter(owner=user, status__in=ACTIVE_TASK_STATUSES,
                                            due_on__lte=today + dt.timedelta(days=TASK_DAYS))
                        .select_related("account").order_by("due_on", "priority")[:50])
    digest.renewals = list(Renewal.objects.filter(account__owner=user, status=RenewalStatus.OPEN,
                                                  renewal_on__range=(today, today + dt.timedelta(days=RENEWAL_DAYS)))
                           .select_related("account").order_by("renewal_on"))
    healths = AccountHealth.objects.filter(account__owner=user, score__isnull=False, week_ago_score__isnull=False)
    drops = sorted(((h, round(h.week_ago_score - h.score, 1)) for h in healths.select_related("account")
                    if h.week_ago_score - h.score > 0), key=lambda x: -x[1])
    digest.drops = drops[:TOP_DROPS]
    for r in digest.renewals:
        r.days_left = (r.renewal_on - today).days
    return digest


def render_digest(digest: Digest) -> EmailMultiAlternatives:
    context = {"d": digest, "base_url": settings.TENURE_BASE_URL}
    subject = (f"Tenure digest: {len(digest.tasks)} tasks due, {len(digest.signals)} new signals, "
               f"{len(digest.renewals)} renewals coming")
    message = EmailMultiAlternatives(subject, render_to_string("renewals/digest_email.txt", context),
                                     settings.DEFAULT_FROM_EMAIL, [digest.user.email])
    message.attach_alternative(render_to_string("renewals/digest_email.html", context), "text/html")
    return message


def is_due(pref: DigestPreference, now: dt.datetime) -> bool:
    interval = INTERVAL.get(pref.frequency)
    return interval is not None and (pref.last_sent_at is None or now - pref.last_sent_at >= interval - SLACK)


def send_digest(user, now: dt.datetime, *, dry_run: bool = False, force: bool = False) -> Digest | None:
    """Send one user's digest if due (or forced) and not empty; record when. Returns the digest sent."""
    pref = preference_for(user)
    if not user.email or (not force and not is_due(pref, now)):
        return None
    since = pref.last_sent_at or now - INTERVAL.get(pref.frequency, INTERVAL[DigestFrequency.WEEKLY])
    digest = build_digest(user, since, timezone.localdate(now))
    if digest.is_empty:
        return None
    if not dry_run:
        render_digest(digest).send()
        pref.last_sent_at = now
        pref.save()
    return digest


def send_digests(now: dt.datetime | None = None, *, dry_run: bool = False) -> int:
    now = now or timezone.now()
    sent = 0
    for user in User.objects.filter(is_active=True).exclude(email="").select_related("digest_preference"):
        if send_digest(user, now, dry_run=dry_run) is not None:
            sent += 1
    return sent
