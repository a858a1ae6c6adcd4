"""Load what the measures read, for a batch of accounts over a period, in a handful of bulk queries."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db.models import Min, Q
from django.utils import timezone

from tenure.accounts.models import Contact
from tenure.billing.models import SubscriptionChange
from tenure.engagement.models import Touch
from tenure.health.measures import (
    ACTIVITY_LOOKBACK,
    NPS_WEIGHT,
    PULSE_VALUES,
    PULSE_WEIGHT,
    SENTIMENT_LOOKBACK,
    TOUCH_VALUES,
    TOUCH_WEIGHT,
    WINDOW,
    Inputs,
)
from tenure.health.models import Pulse
from tenure.support.models import Ticket
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity, Feature

EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of a local day: rows before it happened on or before the previous day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def local_ordinals(stamps) -> np.ndarray:
    """Aware datetimes (None allowed) → local day ordinals (NaN for None), vectorised."""
    if len(stamps) == 0:
        return np.array([], dtype=float)
    idx = pd.to_datetime(pd.Series(stamps, dtype="object"), utc=True)
    local = idx.dt.tz_convert(timezone.get_current_timezone_name()).dt.tz_localize(None).dt.normalize()
    days = (local - pd.Timestamp("1970-01-01")).dt.days + EPOCH_ORDINAL
    return days.to_numpy(dtype=float)


def _ordinals(days) -> list[int]:
    return [d.toordinal() for d in days]


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def load_inputs(account_ids, start: dt.date, end: dt.date) -> Inputs:
    """Inputs for scoring ``account_ids`` on any day from ``start`` to ``end``. Eleven queries whatever the count."""
    ids = sorted(account_ids)
    after = day_start(end + dt.timedelta(days=1))
    key_events = list(Feature.objects.filter(is_key=True).values_list("event", flat=True))

    users = _frame(DailyUserActivity.objects.filter(
        account_id__in=ids, day__range=(start - dt.timedelta(days=2 * WINDOW - 1), end))
        .values_list("account_id", "user_key", "day"), ["account_id", "user_key", "day"])
    features = _frame(DailyFeatureUsage.objects.filter(
        account_id__in=ids, day__range=(start - dt.timedelta(days=WINDOW - 1), end), event__in=key_events)
        .values_list("account_id", "event", "day"), ["account_id", "event", "day"])
    activity = _frame(DailyAccountActivity.objects.filter(
        account_id__in=ids, day__range=(start - dt.timedelta(days=ACTIVITY_LOOKBACK), end))
        .values_list("account_id", "day"), ["account_id", "day"])
    for frame in (users, features, activity):
        if not frame.empty:
            frame["day"] = _ordinals(frame["day"])

    subs = _frame(SubscriptionChange.objects.filter(subscription__account_id__in=ids, effective_on__lte=end)
                  .values_list("subscription_id", "subscription__account_id", "effective_on", "status",
                               "start_date", "end_date", "seats"),
                  ["subscription_id", "account_id", "effective_on", "status", "start_date", "end_date", "seats"])
    if not subs.empty:
        for col in ("effective_on", "start_date"):
            subs[col] = _ordinals(subs[col])
        subs["end_date"] = [np.nan if d is None else d.toordinal() for d in subs["end_date"]]

    tickets = _frame(Ticket.objects.filter(account_id__in=ids, opened_at__lt=after)
                     .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=day_start(start)))
                     .values_list("account_id", "priority", "opened_at", "resolved_at"),
                     ["account_id", "priority", "opened", "resolved"])
    if not tickets.empty:
        tickets["opened"] = local_ordinals(tickets["opened"])
        tickets["resolved"] = local_ordinals(tickets["resolved"])

    since = day_start(start - dt.timedelta(days=SENTIMENT_LOOKBACK))
    parts = []
    nps = list(SurveyResponse.objects.filter(account_id__in=ids, kind=SurveyKind.NPS, answered_at__gte=since,
                                             answered_at__lt=after).values_list("account_id", "answered_at", "score"))
    parts += [(a, t, s * 10.0, NPS_WEIGHT) for a, t, s in nps]
    pulses = Pulse.objects.filter(account_id__in=ids, created_at__gte=since, created_at__lt=after)
    parts += [(a, t, PULSE_VALUES[r], PULSE_WEIGHT) for a, t, r in pulses.values_list("account_id", "created_at",
                                                                                        "rating")]
    touches = Touch.objects.filter(account_id__in=ids, occurred_at__gte=since, occurred_at__lt=after).exclude(
        sentiment="")
    parts += [(a, t, TOUCH_VALUES[s], TOUCH_WEIGHT) for a, t, s in touches.values_list("account_id", "occurred_at",
                                                                                        "sentiment")]
    readings = _frame(parts, ["account_id", "day", "value", "weight"])
    if not readings.empty:
        readings["day"] = local_ordinals(readings["day"])

    key_people = Q(is_executive_sponsor=True) | Q(is_champion=True)
    sponsors = _frame(Contact.objects.filter(key_people, account_id__in=ids).values_list("account_id", "left_on"),
                      ["account_id", "left_on"])
    Through = Touch.contacts.through
    sponsor_touches = _frame(Through.objects.filter(
        Q(contact__is_executive_sponsor=True) | Q(contact__is_champion=True), touch__account_id__in=ids,
        touch__occurred_at__gte=since, touch__occurred_at__lt=after)
        .values_list("touch__account_id", "touch__occurred_at", "contact__left_on"),
        ["account_id", "day", "left_on"])
    if not sponsor_touches.empty:
        sponsor_touches["day"] = local_ordinals(sponsor_touches["day"])
    for frame in (sponsors, sponsor_touches):
        if not frame.empty:
            frame["left_on"] = [np.nan if d is None else d.toordinal() for d in frame["left_on"]]

    first = DailyAccountActivity.objects.aggregate(first=Min("day"))["first"]
    return Inputs(account_ids=ids, key_features=len(key_events), users=users, features=features, activity=activity,
                  usage_since=first.toordinal() if first else None,
                  subscriptions=subs, tickets=tickets, readings=readings, sponsor_touches=sponsor_touches,
                  sponsors=sponsors)
