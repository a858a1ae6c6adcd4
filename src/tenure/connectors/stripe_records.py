"""Stripe's objects as Tenure's records: a subscription's MRR, plan, seats and term, an invoice's payment story.
Pure: dictionaries in, field values out (``connectors.stripe`` reads and stores them).

MRR the way Stripe's billing analytics count it: active and past-due subscriptions count; trials, unpaid, paused,
incomplete and canceled ones do not; each licensed item's price × quantity, normalised to a month (a year / 12, a
week × 52 / 12, a day × 365 / 12, over the interval count); recurring discounts (forever, or repeating and not yet
ended) applied, one-off ones not; tax never (prices before tax). Metered items add no MRR and no seats."""

from __future__ import annotations

import datetime as dt
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from tenure.billing import services as billing
from tenure.billing.models import BillingPeriod, SubscriptionStatus

# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = frozenset([
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof",
    "xpf",
])
STATUS = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,  # still the customer's, not paid: payment trouble, no MRR
    "paused": SubscriptionStatus.PAST_DUE,  # a trial that ended without a payment method: the same
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete_expired": SubscriptionStatus.CANCELED,
}
COUNTS_MRR = frozenset({"active", "past_due"})
MONTHS_PER = {"day": Decimal(12) / 365, "week": Decimal(12) / 52, "month": Decimal(1), "year": Decimal(12)}


def major(amount, currency: str) -> Decimal:
    """An amount in Stripe's smallest unit (cents) in the currency's units."""
    value = Decimal(int(amount or 0))
    return value if (currency or "").lower() in ZERO_DECIMAL else value / 100


def _price(item: dict) -> dict:
    """An item's price, from the current API (``price``, ``recurring``) or the older one (``plan``)."""
    price = item.get("price") or {}
    plan = item.get("plan") or {}
    recurring = price.get("recurring") or {}
    return {
        "id": price.get("id") or plan.get("id") or "",
        "amount": price.get("unit_amount") if price.get("unit_amount") is not None else plan.get("amount"),
        "currency": price.get("currency") or plan.get("currency") or "usd",
        "interval": recurring.get("interval") or plan.get("interval") or "month",
        "interval_count": recurring.get("interval_count") or plan.get("interval_count") or 1,
        "usage_type": recurring.get("usage_type") or plan.get("usage_type") or "licensed",
        "nickname": price.get("nickname") or plan.get("nickname") or plan.get("name") or "",
        "product": price.get("product") or plan.get("product") or "",
    }


def _items(sub: dict) -> list[dict]:
    items = (sub.get("items") or {}).get("data")
    if items:
        return items
    return [{"plan": sub["plan"], "quantity": sub.get("quantity") or 1}] if sub.get("plan") else []


def _discounted(monthly: Decimal, discount: dict | None, months_per_period: Decimal, now: int) -> Decimal:
    coupon = (discount or {}).get("coupon") or {}
    if not coupon or coupon.get("duration") == "once":
        return monthly
    if discount.get("end") and int(discount["end"]) <= now:
        return monthly  # a repeating discount that has run out
    if coupon.get("percent_off"):
        monthly *= 1 - Decimal(str(coupon["percent_off"])) / 100
    if coupon.get("amount_off"):
        # an amount off each invoice: spread over the months one invoice covers
        monthly -= major(coupon["amount_off"], coupon.get("currency") or "") / months_per_period
    return max(monthly, Decimal(0))


def subscription_mrr(sub: dict, now: int | None = None) -> Decimal:
    """The subscription's monthly recurring revenue as Stripe's analytics count it (see the module's text)."""
    if sub.get("status") not in COUNTS_MRR:
        return Decimal("0.00")
    now = int(time.time()) if now is None else now
    total = Decimal(0)
    months_per_period = Decimal(1)
    for item in _items(sub):
        price = _price(item)
        if price["usage_type"] == "metered" or price["amount"] is None:
            continue
        months_per_period = MONTHS_PER.get(price["interval"], Decimal(1)) * int(price["interval_count"])
        total += major(price["amount"], price["currency"]) * int(item.get("quantity") or 1) / months_per_period
    total = _discounted(total, sub.get("discount"), months_per_period, now)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def date_of(timestamp) -> dt.date | None:
    """A Stripe time (seconds since the epoch) as its day in UTC; None for none."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC).date() if timestamp else None


def time_of(timestamp) -> dt.datetime | None:
    """A Stripe time (seconds since the epoch) as an aware moment; None for none."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC) if timestamp else None


def _billing_period(sub: dict) -> str:
    items = _items(sub)
    price = _price(items[0]) if items else {"interval": "month", "interval_count": 1}
    months = MONTHS_PER.get(price["interval"], Decimal(1)) * int(price["interval_count"])
    return {Decimal(12): BillingPeriod.ANNUAL, Decimal(3): BillingPeriod.QUARTERLY}.get(months, BillingPeriod.MONTHLY)


def subscription_fields(sub: dict, products: dict[str, str], now: int | None = None) -> dict:
    """The Tenure subscription a Stripe subscription is (dates: Stripe's period end is exclusive, Tenure's end
    date is the last paid day; a canceled subscription ends the day before it ended)."""
    status = sub.get("status")
    if status not in STATUS:
        raise ValidationError(f"status {status!r} is not a subscription yet (its first payment is not complete)")
    items = _items(sub)
    licensed = [i for i in items if _price(i)["usage_type"] != "metered"]
    prices = [_price(i) for i in items]
    plan = " + ".join(products.get(p["product"]) or p["nickname"] or p["id"] for p in prices) or "Stripe"
    start = date_of(sub.get("start_date") or sub.get("created"))
    if STATUS[status] == SubscriptionStatus.CANCELED:
        end = date_of(sub.get("ended_at") or sub.get("canceled_at") or sub.get("current_period_end"))
        end = max(start, end - dt.timedelta(days=1)) if end else None
    else:
        end = billing.stored_end_date(date_of(sub.get("current_period_end")), billing.EndDates.EXCLUSIVE)
        end = max(start, end) if end else None
    currency = (prices[0]["currency"] if prices else "usd").upper()
    return {
        "plan": plan[:100], "seats": sum(int(i.get("quantity") or 1) for i in licensed),
        "mrr": subscription_mrr(sub, now), "currency": currency, "start_date": start, "end_date": end,
        "status": STATUS[status], "billing_period": _billing_period(sub),
    }


INVOICE_STATUS = {"draft", "open", "paid", "void", "uncollectible"}


def invoice_fields(invoice: dict) -> dict:
    """What Tenure keeps of a Stripe invoice: its amounts, dates and how its payment went."""
    status = invoice.get("status") or ("paid" if invoice.get("paid") else "open")
    if status not in INVOICE_STATUS:
        raise ValidationError(f"status {status!r} is not an invoice status")
    currency = invoice.get("currency") or "usd"
    charge = invoice.get("charge")
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at") or invoice.get("created")
    fields = {
        "number": invoice.get("number") or "", "status": status, "currency": currency,
        "amount_due": major(invoice.get("amount_due"), currency),
        "amount_paid": major(invoice.get("amount_paid"), currency),
        "issued_on": date_of(invoice.get("created") or invoice.get("date")), "due_on": date_of(invoice.get("due_date")),
        "paid_at": time_of(paid_at) if status == "paid" else None,
        "payment_failures": max(int(invoice.get("attempt_count") or 0) - (1 if status == "paid" else 0), 0),
    }
    if isinstance(charge, dict) and charge.get("amount_refunded") is not None:
        fields["amount_refunded"] = major(charge["amount_refunded"], currency)
    return fields
