"""Stripe: customers become accounts, subscriptions become Tenure subscriptions with Stripe's own MRR, invoices keep
the payment story (failures, refunds, disputes). A backfill pages through Stripe's lists; after it, the events API
(30 days of history) and signed webhooks keep Tenure current, both through the one inbox. What a Stripe object
means in Tenure (MRR, terms, invoices) is ``connectors.stripe_records``."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator

import stripe
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from tenure.accounts import services as accounts
from tenure.accounts.models import Account
from tenure.billing import services as billing
from tenure.billing.models import Subscription, SubscriptionStatus
from tenure.connectors import matching
from tenure.connectors.models import SourceLink
from tenure.connectors.records import Item, store_accounts, store_contacts
from tenure.connectors.stripe_records import date_of, invoice_fields, major, subscription_fields, time_of
from tenure.connectors.sync import (
    Page,
    Source,
    SourceError,
    Tally,
    WebhookRefused,
    all_or_nothing,
    each_or_page,
    fingerprint,
    keep_events,
    links,
    register,
    save_links,
)

PAGE = 100  # Stripe's largest page

@register
class Stripe(Source):
    kind = "stripe"
    label = "Stripe"
    # events first: its cursor starts at the first run, so what changes during the backfill is caught after it
    object_types = ("events", "customers", "subscriptions", "invoices")
    credential_fields = (("api_key", "Secret API key (sk_… or rk_…)"), ("webhook_secret", "Webhook signing secret"))
    required = ("api_key",)  # the signing secret only for webhooks: the events API keeps a sync current without
    default_rules = {"customers.name": "tenure", "customers.domain": "tenure", "billing_contacts.name": "tenure",
                     "billing_contacts.email": "tenure"}

    def __init__(self, connection):
        super().__init__(connection)
        self._products: dict[str, str] | None = None

    # -- the API -----------------------------------------------------------------------------------------------
    @property
    def client(self) -> stripe.StripeClient:
        key = self.credentials.get("api_key")
        if not key:
            raise SourceError("no API key: enter the Stripe secret key on the connection's page")
        base = self.options.get("api_base")
        return stripe.StripeClient(key, base_addresses={"api": base} if base else None, max_network_retries=3)

    def _call(self, fn):
        try:
            return fn()
        except stripe.AuthenticationError as exc:
            raise SourceError(f"Stripe refused the API key: {exc.user_message or exc}") from None
        except stripe.PermissionError as exc:
            raise SourceError(f"the API key may not read this: {exc.user_message or exc}") from None
        except stripe.APIConnectionError as exc:
            raise SourceError(f"Stripe could not be reached: {exc.user_message or exc}") from None
        except stripe.StripeError as exc:
            raise SourceError(f"Stripe answered with an error: {exc.user_message or exc}") from None

    def check(self) -> str:
        found, _ = self._list("/v1/customers", {"limit": 1})
        return f"Connected to Stripe{' (test server)' if self.options.get('api_base') else ''}: " + (
            "customers are readable" if found else "the account has no customers yet")

    def products(self) -> dict[str, str]:
        if self._products is None:
            self._products = {}
            params = {"limit": PAGE}
            while True:
                products, has_more = self._list("/v1/products", params)
                self._products.update({p["id"]: p.get("name") or "" for p in products})
                if not has_more or not products:
                    break
                params["starting_after"] = products[-1]["id"]
        return self._products

    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        if object_type == "events":
            yield from self._event_pages(cursor)
            return
        if cursor.get("done"):
            return
        params = {"limit": PAGE, **({"status": "all"} if object_type == "subscriptions" else {})}
        after = cursor.get("after")
        while True:
            records, has_more = self._list(f"/v1/{object_type}", {**params, **({"starting_after": after} if after
                                                                              else {})})
            after = records[-1]["id"] if records else after
            done = not has_more or not records
            yield Page(records, {"done": True} if done else {"after": after})
            if done:
                return

    def _list(self, path: str, params: dict) -> tuple[list[dict], bool]:
        """One page of a Stripe list as plain dicts (the library's objects cost more than the sync itself)."""
        client = self.client
        response = self._call(lambda: client.raw_request("get", path, **params))
        try:
            page = json.loads(response.body)
            return list(page["data"]), bool(page.get("has_more"))
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"Stripe answered {path} with something that is not a list: {exc}") from None

    def _event_pages(self, cursor: dict) -> Iterator[Page]:
        if "since" not in cursor:
            yield Page([], {"since": int(time.time()) - 5})  # the first run: what happens from now on
            return
        since, after = cursor["since"], cursor.get("after")
        newest = cursor.get("newest", since)
        while True:
            params = {"limit": PAGE, "created": {"gt": since}, **({"starting_after": after} if after else {})}
            records, has_more = self._list("/v1/events", params)
            newest = max([newest, *(e["created"] for e in records)])
            after = records[-1]["id"] if records else after
            if not has_more or not records:
                yield Page(records, {"since": newest})
                return
            yield Page(records, {"since": since, "after": after, "newest": newest})

    # -- storing a page ----------------------------------------------------------------------------------------
    def store(self, tally: Tally, object_type: str, records: list) -> None:
        if object_type == "events":
            keep_events(self, records)  # counted when processed, as the records they change
            return
        now = int(time.time())
        {"customers": self.store_customers, "subscriptions": self.store_subscriptions,
         "invoices": self.store_invoices}[object_type](tally, records, now)

    def _customer_values(self, customer: dict) -> dict:
        domain = matching.company_domain(customer.get("email"))
        name = (customer.get("name") or customer.get("description") or domain
                or customer.get("email") or customer["id"]).strip()[:200]
        return {"name": name, "domain": domain, "billing_id": customer["id"]}

    def store_customers(self, tally: Tally, records: list, now: int, event_time: int | None = None) -> None:
        each_or_page(tally, "customers", records, lambda rows, t: self._store_customers(t, rows, now, event_time))

    def _store_customers(self, tally: Tally, records: list, now: int, event_time: int | None) -> None:
        """A page of customers: accounts matched by link, billing id, then the email's domain; the customer's
        email a billing contact on it."""
        version, from_event = event_time or now, event_time is not None
        known = links(self.connection, "customers", [c["id"] for c in records])
        items = []
        for customer in records:
            if customer.get("deleted") or _stale(known.get(customer["id"]), version, from_event):
                tally.add("customers", "unchanged")  # deleted in Stripe: the account and its history stay
                continue
            items.append(Item(customer["id"], self._customer_values(customer), customer, version))
        found = store_accounts(self, tally, "customers", items, id_field="billing_id")
        people = [Item(i.raw["id"], {"email": i.raw["email"], "name": (i.raw.get("name") or "")[:200],
                                     "is_billing": True}, i.raw, version, account=found.get(i.source_id))
                  for i in items if i.raw.get("email") and found.get(i.source_id)]
        store_contacts(self, Tally(), "billing_contacts", people)  # counted as their customers

    def _accounts_for(self, customer_ids) -> dict[str, Account]:
        """The accounts of Stripe customer ids: by link, else by billing id."""
        ids = {_id(c) for c in customer_ids if c}
        linked = links(self.connection, "customers", ids)
        found = Account.objects.in_bulk([lk.record_id for lk in linked.values()])
        result = {cid: found[lk.record_id] for cid, lk in linked.items() if lk.record_id in found}
        missing = ids - set(result)
        if missing:
            by_id = accounts.find_accounts_by("billing_id", missing)
            result.update({cid: by_id[cid.lower()] for cid in missing if cid.lower() in by_id})
        return result

    def _account_for(self, customer_id: str) -> Account | None:
        return self._accounts_for([customer_id]).get(customer_id)

    def store_subscriptions(self, tally: Tally, records: list, now: int, event_time: int | None = None) -> None:
        each_or_page(tally, "subscriptions", records,
                     lambda rows, t: self._store_subscriptions(t, rows, now, event_time))

    def _store_subscriptions(self, tally: Tally, records: list, now: int, event_time) -> None:
        """``event_time``: None (a listing, as of now), an event's time, or one time per record (a batch of
        events)."""
        times = event_time if isinstance(event_time, list) else [event_time] * len(records)
        known = links(self.connection, "subscriptions", [s["id"] for s in records])
        stored = Subscription.objects.in_bulk([lk.record_id for lk in known.values()])
        by_external = {s.external_id.lower(): s for s in Subscription.objects.annotate(_key=Lower("external_id"))
                       .filter(_key__in=[r["id"].lower() for r in records])}
        owners = self._accounts_for(s.get("customer") for s in records)
        new, new_dates, changes, written = [], [], [], []
        for sub, when in zip(records, times, strict=True):
            version, from_event = when or now, when is not None
            effective = date_of(when) if when else None
            lk = known.get(sub["id"])
            record = (stored.get(lk.record_id) if lk else None) or by_external.get(sub["id"].lower())
            if _stale(lk, version, from_event) or (lk and record and lk.fingerprint == fingerprint(sub)) or (
                    sub.get("status") in ("incomplete", None) and record is None):
                tally.add("subscriptions", "unchanged")  # older than stored, the same, or not a customer yet
                continue
            account = owners.get(_id(sub.get("customer")))
            if account is None:
                raise ValidationError(f"its customer {_id(sub.get('customer'))} is not synced yet")
            fields = subscription_fields(sub, self.products(), now)
            if record is None:
                record = Subscription(account=account, external_id=sub["id"], **fields)
                new.append(record)
                new_dates.append(effective)
                tally.add("subscriptions", "created")
            else:
                on = effective
                if fields["status"] == SubscriptionStatus.CANCELED and record.status != SubscriptionStatus.CANCELED:
                    on = fields["end_date"] and fields["end_date"] + dt.timedelta(days=1)  # the day it ended
                changes.append((record, {**fields, "account": account, **({"effective_on": on} if on else {})}))
            written.append((sub, record, version))
        billing.create_subscriptions(new, source="stripe", effective_on=new_dates)
        updated = {id(r) for r in billing.update_subscriptions(changes, source="stripe")}
        for record, _ in changes:
            tally.add("subscriptions", "updated" if id(record) in updated else "unchanged")
        save_links(self.connection, "subscriptions", [(s["id"], r.pk, {}, s, v) for s, r, v in written])

    def store_invoices(self, tally: Tally, records: list, now: int, event_time: int | None = None) -> None:
        each_or_page(tally, "invoices", records, lambda rows, t: self._store_invoices(t, rows, now, event_time))

    def _store_invoices(self, tally: Tally, records: list, now: int, event_time: int | None, **extra) -> list:
        version, from_event = event_time or now, event_time is not None
        known = links(self.connection, "invoices", [i["id"] for i in records])
        owners = self._accounts_for(i.get("customer") for i in records)
        sub_ids = {_id(i.get("subscription")) for i in records} - {None}
        sub_links = links(self.connection, "subscriptions", sub_ids)
        subs = Subscription.objects.in_bulk([lk.record_id for lk in sub_links.values()])
        rows, fresh = [], []
        for invoice in records:
            if _stale(known.get(invoice["id"]), version, from_event):
                tally.add("invoices", "unchanged")  # an older event than what is stored
                continue
            account = owners.get(_id(invoice.get("customer")))
            if account is None:
                raise ValidationError(f"its customer {_id(invoice.get('customer'))} is not synced yet")
            lk = sub_links.get(_id(invoice.get("subscription")) or "")
            rows.append((invoice["id"], {**invoice_fields(invoice), "account": account,
                                         "subscription": subs.get(lk.record_id) if lk else None, **extra}))
            fresh.append(invoice)
        saved = billing.save_invoices(rows)
        for _, outcome in saved:
            tally.add("invoices", outcome)
        charges = [(_id(i.get("charge")), r.pk, {}, None, version) for i, (r, _) in zip(fresh, saved, strict=True)
                   if _id(i.get("charge"))]
        save_links(self.connection, "charges", charges)
        save_links(self.connection, "invoices", [(i["id"], r.pk, {}, i, version)
                                                 for i, (r, _) in zip(fresh, saved, strict=True)])
        return [r for r, _ in saved]

    def _subscription(self, sub_id) -> Subscription | None:
        sub_id = _id(sub_id)
        if not sub_id:
            return None
        _, record = matching.linked(self.connection, "subscriptions", sub_id, Subscription)
        return record or Subscription.objects.filter(external_id__iexact=sub_id).first()

    # -- webhooks and events ----------------------------------------------------------------------------------
    def verify(self, body: bytes, headers, url: str = "", method: str = "POST") -> list[dict]:
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("this connection has no webhook signing secret: enter it on its page")
        try:
            payload = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(payload, headers.get("Stripe-Signature", ""), secret,
                                                  tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
            event = json.loads(payload)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRefused(f"the Stripe-Signature does not match: {exc.user_message or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookRefused(f"not a Stripe event: {exc}") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
                or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict) \
                or not isinstance(event["data"].get("object"), dict):
            raise WebhookRefused("not a Stripe event: it needs an id, a type and data.object")
        return [event]

    def event_key(self, event: dict) -> tuple[str, str, str, int]:
        obj = ((event.get("data") or {}).get("object")) or {}
        kind = obj.get("object")
        if kind == "subscription":
            key = obj.get("id")
        elif kind == "invoice":
            key = _id(obj.get("subscription")) or obj.get("id")
        elif kind == "customer":
            key = obj.get("id")
        else:
            key = _id(obj.get("invoice")) or _id(obj.get("charge")) or obj.get("id")
        return str(event["id"])[:200], str(event["type"])[:100], str(key or "")[:200], int(event.get("created") or 0)

    def batch_kind(self, event: dict) -> str | None:
        """Subscription events are stored many at a time (a renewal day brings thousands)."""
        return "subscriptions" if str(event.get("type", "")).startswith("customer.subscription.") else None

    def process_batch(self, tally: Tally, events: list[dict]) -> None:
        objects = [e["data"]["object"] for e in events]
        times = [int(e.get("created") or time.time()) for e in events]
        all_or_nothing(tally, self.store_subscriptions, objects, int(time.time()), event_time=times)

    def process(self, tally: Tally, event: dict) -> None:
        kind, obj, when = event["type"], event["data"]["object"], int(event.get("created") or time.time())
        now = int(time.time())
        if kind.startswith("customer.subscription."):
            all_or_nothing(tally, self.store_subscriptions, [obj], now, event_time=when)
        elif kind in ("customer.created", "customer.updated"):
            all_or_nothing(tally, self.store_customers, [obj], now, event_time=when)
        elif kind.startswith("invoice."):
            self._invoice_event(tally, kind, obj, when)
        elif kind == "charge.refunded":
            self._charge_event(tally, obj, amount_refunded=major(obj.get("amount_refunded"), obj.get("currency")))
        elif kind.startswith("charge.dispute."):
            self._charge_event(tally, {"id": _id(obj.get("charge"))},
                               disputed=kind != "charge.dispute.closed" or obj.get("status") == "lost")
        else:
            tally.add("events", "unchanged")  # a type Tenure does not read (kept in the inbox, done)

    def _invoice_event(self, tally: Tally, kind: str, invoice: dict, when: int) -> None:
        extra = {}
        if kind == "invoice.payment_failed":
            extra["last_payment_failure_at"] = time_of(when)
        if kind == "invoice.payment_action_required":
            extra["needs_customer_action"] = True
        if kind == "invoice.paid":
            extra["needs_customer_action"] = False
        self._store_invoices(tally, [invoice], int(time.time()), when, **extra)  # a failure raises: it waits
        sub = self._subscription(invoice.get("subscription"))
        if sub is None:
            return
        # at once, without waiting for Stripe's own subscription update: the payment-failed signal reads it
        if kind == "invoice.payment_failed":
            billing.mark_past_due(sub, date_of(when), source="stripe")
        elif kind == "invoice.paid" and sub.status == SubscriptionStatus.PAST_DUE:
            billing.update_subscription(sub, status=SubscriptionStatus.ACTIVE, effective_on=date_of(when),
                                        source="stripe")

    def _charge_event(self, tally: Tally, charge: dict, **changes) -> None:
        lk = SourceLink.objects.filter(connection=self.connection, object_type="charges",
                                       source_id=charge.get("id") or "").first()
        invoice_id = _id(charge.get("invoice"))
        if lk is None and invoice_id:
            lk = SourceLink.objects.filter(connection=self.connection, object_type="invoices",
                                           source_id=invoice_id).first()
        if lk is None:
            tally.add("charges", "unchanged")  # a charge of no invoice Tenure knows (a one-off payment)
            return
        from tenure.billing.models import Invoice

        invoice = Invoice.objects.get(pk=lk.record_id)
        [(_, outcome)] = billing.save_invoices([(invoice.external_id, changes)])
        tally.add("charges", outcome)


def _stale(known: SourceLink | None, version: int, from_event: bool) -> bool:
    """Whether what is stored is newer than this record: an event older than the last stored state (a listing
    read in the same second wins over an event of that second: the listing saw its effect or a later one)."""
    if not known or not known.source_updated:
        return False
    stored = int(known.source_updated)
    return stored > version or (from_event and stored == version)


def _id(value) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def _words(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)

