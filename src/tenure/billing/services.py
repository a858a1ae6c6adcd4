"""Subscriptions. Every change goes through here so its history entry is never forgotten."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.billing.models import TRACKED_FIELDS, Subscription, SubscriptionChange, SubscriptionStatus

SUBSCRIPTION_FIELDS = ("account", "external_id", *TRACKED_FIELDS)


def parse_money(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace(",", "").removeprefix("$")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"mrr": f"{value!r} is not an amount"}) from None
    if amount < 0:
        raise ValidationError({"mrr": "must not be negative"})
    return amount.quantize(Decimal("0.01"))


def _prepare(fields: dict) -> dict:
    fields = dict(fields)
    unknown = set(fields) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError({f: "not a subscription field" for f in sorted(unknown)})
    if "mrr" in fields and fields["mrr"] is not None:
        fields["mrr"] = parse_money(fields["mrr"])
    if fields.get("currency"):
        fields["currency"] = fields["currency"].strip().upper()
    if "external_id" in fields:
        fields["external_id"] = (fields["external_id"] or "").strip() or None
    return fields


def snapshot(sub: Subscription, effective_on: dt.date, source: str) -> SubscriptionChange:
    return SubscriptionChange(
        subscription=sub, effective_on=effective_on, source=source, **{f: getattr(sub, f) for f in TRACKED_FIELDS}
    )


def _validate(sub: Subscription) -> None:
    if sub.end_date and sub.start_date and sub.end_date < sub.start_date:
        raise ValidationError({"end_date": "is before the start date"})
    sub.full_clean()


@transaction.atomic
def create_subscription(*, effective_on: dt.date | None = None, source: str = "app", **fields) -> Subscription:
    sub = Subscription(**_prepare(fields))
    _validate(sub)
    sub.save()
    snapshot(sub, effective_on or sub.start_date, source).save()
    return sub


def changed_fields(sub: Subscription, changes: dict) -> dict:
    """The subset of changes that differ from what the subscription already has."""
    return {k: v for k, v in _prepare(changes).items() if getattr(sub, k) != v}


@transaction.atomic
def update_subscription(
    sub: Subscription, *, effective_on: dt.date | None = None, source: str = "app", **changes
) -> bool:
    """Apply changes; record a history entry when a tracked field moved. Returns whether anything changed."""
    changes = changed_fields(sub, changes)
    if not changes:
        return False
    for key, value in changes.items():
        setattr(sub, key, value)
    _validate(sub)
    sub.save()
    if set(changes) & set(TRACKED_FIELDS):
        snapshot(sub, effective_on or default_effective_date(sub, changes), source).save()
    return True


def default_effective_date(sub: Subscription, changes: dict) -> dt.date:
    # A cancellation takes effect when the term ends, if that is already known and not in the future.
    today = timezone.localdate()
    if changes.get("status") == SubscriptionStatus.CANCELED and sub.end_date and sub.end_date <= today:
        return sub.end_date
    return max(today, sub.start_date)


def history(sub: Subscription) -> list[SubscriptionChange]:
    return list(sub.history.all())


def seats_by_account(account_ids, on: dt.date | None = None) -> dict[int, int]:
    """Seats bought per account across its subscriptions live on a day (today by default)."""
    from django.db.models import Sum

    from tenure.billing.models import live_q

    qs = Subscription.objects.filter(live_q(on or timezone.localdate()), account_id__in=list(account_ids))
    return {row["account_id"]: row["seats"] or 0 for row in qs.values("account_id").annotate(seats=Sum("seats"))}


def arr_by_account(account_ids, on: dt.date | None = None) -> dict[int, Decimal]:
    """Annual recurring revenue per account: 12 × the MRR of its subscriptions live on a day (today by default)."""
    from django.db.models import Sum

    from tenure.billing.models import live_q

    rows = (Subscription.objects.filter(live_q(on or timezone.localdate()), account_id__in=list(account_ids))
            .values("account_id").annotate(mrr=Sum("mrr")))
    return {row["account_id"]: (row["mrr"] or Decimal("0")) * 12 for row in rows}
