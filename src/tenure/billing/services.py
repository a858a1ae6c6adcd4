"""Subscriptions. Every change goes through here so its history entry is never forgotten.

End dates are stored **inclusive**: a subscription's ``end_date`` is the last day its term covers (paid for),
and the renewal is the day after. Every reader assumes it (``billing.models.live_q``, the coverage of
``tenure.facts.outcomes`` behind churn, renewals and the retention metrics). Billing systems usually export the
other convention, an **exclusive** end: the next term's start (Stripe's ``current_period_end``); a door that
takes such dates converts them with ``stored_end_date`` so both read the same history the same way.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenure import bulk
from tenure.billing.models import TRACKED_FIELDS, Invoice, Subscription, SubscriptionChange, SubscriptionStatus
from tenure.users import audit

SUBSCRIPTION_FIELDS = ("account", "external_id", *TRACKED_FIELDS)


class EndDates(StrEnum):
    """How a source writes a term's end date. Tenure stores INCLUSIVE."""

    INCLUSIVE = "inclusive"  # the last paid day: a monthly term is Jan 1 to Jan 31
    EXCLUSIVE = "exclusive"  # the next term's start, as billing systems export: Jan 1 to Feb 1


def stored_end_date(end_date: dt.date | None, written: EndDates | str) -> dt.date | None:
    """The end date as Tenure stores it (the last paid day), from one written in the ``written`` convention."""
    if end_date is None or EndDates(written) is EndDates.INCLUSIVE:
        return end_date
    return end_date - dt.timedelta(days=1)


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
    store_live_totals([sub.account_id])
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
    accounts = {sub.account_id}
    for key, value in changes.items():
        setattr(sub, key, value)
    _validate(sub)
    sub.save()
    if set(changes) & set(TRACKED_FIELDS):
        snapshot(sub, effective_on or default_effective_date(sub, changes), source).save()
    store_live_totals(accounts | {sub.account_id})
    return True


def default_effective_date(sub: Subscription, changes: dict) -> dt.date:
    # A cancellation takes effect when the term ends, if that is already known and not in the future.
    today = timezone.localdate()
    if changes.get("status") == SubscriptionStatus.CANCELED and sub.end_date and sub.end_date <= today:
        return sub.end_date
    return max(today, sub.start_date)


# ---- many at once: imports and the demo -----------------------------------------------------------------------
# A fixed number of queries per call. ``clean=False`` skips field validation for a caller that validated each
# row itself (the importer, to name the line of each error).


def _prepare_in_place(sub: Subscription, clean: bool) -> None:
    for key, value in _prepare({f: getattr(sub, f) for f in ("external_id", "mrr", "currency")}).items():
        setattr(sub, key, value)
    if clean:
        if sub.end_date and sub.start_date and sub.end_date < sub.start_date:
            raise ValidationError({"end_date": "is before the start date"})
        bulk.clean_changed(sub, ())


@transaction.atomic
def create_subscriptions(subs: Iterable[Subscription], *, source: str = "app",
                         effective_on: Sequence[dt.date | None] | None = None,
                         history: Sequence[Sequence[tuple[dt.date, dict]]] | None = None,
                         clean: bool = True) -> list[Subscription]:
    """Insert new subscriptions (unsaved objects) and their history in bulk. Each gets one history entry, its
    state on ``effective_on[i]`` (default: its start date), unless ``history[i]`` gives its whole past as
    (effective_on, tracked fields) pairs, oldest first (the demo's)."""
    subs = list(subs)
    for sub in subs:
        _prepare_in_place(sub, clean)
    bulk.insert(Subscription, subs)
    audit.record_created(Subscription, subs, label=None if source == "app" else source)
    entries = []
    for i, sub in enumerate(subs):
        past = history[i] if history is not None else None
        if past:
            entries += [SubscriptionChange(subscription=sub, effective_on=on, source=source, **state)
                        for on, state in past]
        else:
            entries.append(snapshot(sub, (effective_on[i] if effective_on else None) or sub.start_date, source))
    bulk.insert(SubscriptionChange, entries)
    store_live_totals({sub.account_id for sub in subs})
    return subs


@transaction.atomic
def update_subscriptions(changes: Iterable[tuple[Subscription, dict]], *, source: str = "app",
                         clean: bool = True) -> list[Subscription]:
    """Apply changes to many subscriptions (each pair: the subscription as stored, its new values; an
    ``effective_on`` key dates the change, by default the rule of update_subscription). A change of a tracked
    field writes a history entry. Returns the subscriptions that changed."""
    changed: list[Subscription] = []
    accounts: set[int] = set()  # before and after a move to another account
    names: set[str] = set()
    entries = []
    olds: list[tuple[Subscription, dict]] = []
    for sub, fields in changes:
        fields = dict(fields)
        effective_on = fields.pop("effective_on", None)
        if "account" in fields:
            fields["account_id"] = bulk.attvalue(fields.pop("account"))
        account_id = fields.pop("account_id", sub.account_id)
        diff = changed_fields(sub, fields)
        if account_id != sub.account_id:
            diff["account_id"] = account_id
        if not diff:
            continue
        accounts |= {sub.account_id, account_id}
        olds.append((sub, {k: getattr(sub, k) for k in diff}))
        for key, value in diff.items():
            setattr(sub, key, value)
        if clean:
            if sub.end_date and sub.start_date and sub.end_date < sub.start_date:
                raise ValidationError({"end_date": "is before the start date"})
            bulk.clean_changed(sub, diff)
        if set(diff) & set(TRACKED_FIELDS):
            entries.append(snapshot(sub, effective_on or default_effective_date(sub, diff), source))
        names.update(diff)
        changed.append(sub)
    bulk.save_changed(Subscription, changed, names)
    bulk.insert(SubscriptionChange, entries)
    audit.record_changes(Subscription, [
        (sub, {k.removesuffix("_id"): (v, getattr(sub, k)) for k, v in old.items()}) for sub, old in olds],
        label=None if source == "app" else source)
    store_live_totals(accounts)
    return changed


def store_live_totals(account_ids=None, on: dt.date | None = None) -> int:
    """Copy onto these accounts (None: every account) the totals of their subscriptions live on a day (today by
    default) that the accounts list sorts by: seats, MRR and the first end date (Account.sort_*; empty without a
    live subscription). One UPDATE; every subscription change calls it for its accounts, and a daily job for all
    (the calendar alone moves a subscription in or out of its term). Leaves ``updated_at`` alone: nothing about the
    account changed. Returns the accounts updated."""
    from django.db.models import Min, OuterRef, Subquery, Sum

    from tenure.accounts.models import Account
    from tenure.billing.models import live_q

    if account_ids is not None:
        account_ids = [pk for pk in account_ids if pk is not None]
        if not account_ids:
            return 0
    live = (Subscription.objects.filter(live_q(on or timezone.localdate()), account=OuterRef("pk"))
            .order_by().values("account"))
    accounts = Account.objects.all() if account_ids is None else Account.objects.filter(pk__in=account_ids)
    return accounts.update(
        sort_seats=Subquery(live.annotate(total=Sum("seats")).values("total")),
        sort_mrr=Subquery(live.annotate(total=Sum("mrr")).values("total")),
        sort_renewal=Subquery(live.annotate(first=Min("end_date")).values("first")),
    )


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


CALENDAR_SLACK_DAYS = 7  # a daily run missed for up to a week still catches the terms that began or ended meanwhile


def store_calendar_totals(on: dt.date | None = None) -> int:
    """The daily part of the sort totals: the accounts of subscriptions whose term began or ended in the last days
    (the calendar moved them in or out of being live; every other change stored its totals when it was made)."""
    on = on or timezone.localdate()
    since = on - dt.timedelta(days=CALENDAR_SLACK_DAYS)
    moved = (Subscription.objects.filter(Q(start_date__gt=since, start_date__lte=on)
                                         | Q(end_date__gte=since - dt.timedelta(days=1), end_date__lt=on))
             .values_list("account_id", flat=True).distinct())
    return store_live_totals(set(moved), on)


# ---- invoices: what the billing system billed and how its payment went -----------------------------------------

INVOICE_FIELDS = ("account", "subscription", "number", "status", "currency", "amount_due", "amount_paid",
                  "amount_refunded", "issued_on", "due_on", "paid_at", "payment_failures",
                  "last_payment_failure_at", "needs_customer_action", "disputed")


def mark_past_due(sub: Subscription, on: dt.date, source: str) -> bool:
    """A failed payment: the subscription is past due from ``on`` (the payment-failed signal reads it at once)."""
    if sub.status != SubscriptionStatus.ACTIVE:
        return False
    return update_subscription(sub, status=SubscriptionStatus.PAST_DUE, effective_on=on, source=source)


@transaction.atomic
def save_invoices(rows: Sequence[tuple[str, dict]]) -> list[tuple[Invoice, str]]:
    """Create or update invoices by the billing system's id: rows of (external id, fields), in a fixed number of
    queries. Returns each invoice with created, updated or unchanged, in the rows' order."""
    for _, fields in rows:
        unknown = set(fields) - set(INVOICE_FIELDS)
        if unknown:
            raise ValidationError({f: "not an invoice field" for f in sorted(unknown)})
        for key in ("amount_due", "amount_paid", "amount_refunded"):
            if key in fields:
                fields[key] = parse_money(fields[key])
        if fields.get("currency"):
            fields["currency"] = fields["currency"].strip().upper()
    return bulk.save_by_key(Invoice, rows)
