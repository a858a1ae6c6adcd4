"""The Stripe connector against a real Stripe-compatible server (localstripe), with webhooks signed by the stripe
library's own helper: backfill, MRR as Stripe counts it, re-runs, resumption, live updates, payment trouble."""

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
import stripe
from django.db.models import Sum

from tenure.accounts.models import Account
from tenure.billing.models import Invoice, Subscription, SubscriptionChange
from tenure.connectors import sync
from tenure.connectors.models import Conflict, Cursor, InboxEvent, RunStatus, SyncRun
from tenure.connectors.stripe_records import subscription_mrr

pytestmark = pytest.mark.django_db


def customer(api, name, email, *, card=True):
    c = api.customers.create({"name": name, "email": email})
    if card:
        pm = api.payment_methods.create({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                                  "exp_year": 2040, "cvc": "123"}})
        api.payment_methods.attach(pm.id, {"customer": c.id})
        api.customers.update(c.id, {"invoice_settings": {"default_payment_method": pm.id}})
    return c


def plan(api, product, cents, interval="month", count=1):
    return api.plans.create({"amount": cents, "currency": "usd", "interval": interval, "interval_count": count,
                             "product": product.id, "nickname": f"{product.name} {interval}"})


@pytest.fixture
def book(stripe_api):
    """A small book: its MRR by hand is 600 + 1,000 + 600 = 2,200 (trial, canceled and free count nothing)."""
    api = stripe_api
    pro = api.products.create({"name": "Pro", "type": "service"})
    free = api.products.create({"name": "Free", "type": "service"})
    monthly, annual, quarterly = plan(api, pro, 5000), plan(api, pro, 1_200_000, "year"), plan(api, pro, 90000,
                                                                                                  "month", 3)
    subs = {}
    for name, email, p, qty, extra in [
        ("Acme", "ann@acme.example", monthly, 12, {}),  # 50 × 12 = 600
        ("Globex", "gus@globex.example", annual, 1, {}),  # 12,000 / 12 = 1,000
        ("Hooli", "hal@hooli.example", quarterly, 2, {}),  # 900 × 2 / 3 = 600
        ("Initech", "ian@initech.example", monthly, 5, {"trial_period_days": 14}),  # trial: 0
        ("Umbrella", "uma@umbrella.example", monthly, 3, {}),  # canceled below: 0
        ("Freeloader", "fred@gmail.com", plan(api, free, 0), 4, {}),  # free plan: 0
    ]:
        c = customer(api, name, email)
        subs[name] = api.subscriptions.create({"customer": c.id, "items": [{"plan": p.id, "quantity": qty}], **extra})
    api.subscriptions.cancel(subs["Umbrella"].id)
    return subs


def live_mrr():
    return Account.objects.aggregate(total=Sum("sort_mrr"))["total"]


def test_backfill_makes_accounts_subscriptions_and_stripes_mrr(stripe_connection, book):
    run = sync.run_sync(stripe_connection, trigger="test")
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    assert Account.objects.count() == 6
    acme = Account.objects.get(name="Acme")
    assert acme.domain == "acme.example" and acme.billing_id.startswith("cus_")
    assert Account.objects.get(name="Freeloader").domain == ""  # a free-mail address names no company
    assert acme.contacts.get().email == "ann@acme.example"
    subs = {s.account.name: s for s in Subscription.objects.select_related("account")}
    assert (subs["Acme"].seats, subs["Acme"].mrr, subs["Acme"].status) == (12, Decimal("600.00"), "active")
    assert (subs["Globex"].mrr, subs["Globex"].billing_period) == (Decimal("1000.00"), "annual")
    assert (subs["Hooli"].mrr, subs["Hooli"].billing_period) == (Decimal("600.00"), "quarterly")
    # localstripe leaves a trial "incomplete" (it has no trials): not a customer yet, so not stored ...
    assert "Initech" not in subs
    assert subs["Umbrella"].status == "canceled"
    assert live_mrr() == Decimal("2200.00")
    # Stripe's period end is the next term's start: Tenure keeps the last paid day
    stripe_end = dt.datetime.fromtimestamp(book["Acme"].current_period_end, dt.UTC).date()
    assert subs["Acme"].end_date == stripe_end - dt.timedelta(days=1)
    assert Invoice.objects.filter(account=acme, status="paid").exists()
    assert run.created == 6 + 5 + Invoice.objects.count()
    # ... until Stripe says it is trialing (localstripe cannot: the event carries its object as Stripe would)
    trial = {**book["Initech"].to_dict(), "status": "trialing", "trial_start": int(time.time()),
             "trial_end": int(time.time()) + 14 * 86400}
    sync.receive(stripe_connection, *signed(event("customer.subscription.updated", trial)))
    sync.process_inbox(stripe_connection)
    initech = Subscription.objects.get(account__name="Initech")
    assert (initech.status, initech.mrr, initech.seats) == ("trialing", 0, 5)
    assert live_mrr() == Decimal("2200.00")


def test_a_second_run_and_a_full_resync_create_nothing_twice(stripe_connection, book):
    sync.run_sync(stripe_connection)
    counts = (Account.objects.count(), Subscription.objects.count(), SubscriptionChange.objects.count(),
              Invoice.objects.count())
    again = sync.run_sync(stripe_connection)
    assert again.status == RunStatus.SUCCEEDED and again.created == 0
    full = sync.run_sync(stripe_connection, full=True)
    assert full.created == 0 and full.updated == 0 and full.unchanged >= 11
    assert (Account.objects.count(), Subscription.objects.count(), SubscriptionChange.objects.count(),
            Invoice.objects.count()) == counts


def test_a_crash_mid_backfill_resumes_after_the_last_stored_page(stripe_connection, stripe_api, monkeypatch):
    for i in range(7):
        customer(stripe_api, f"Co {i}", f"x@co{i}.example", card=False)
    monkeypatch.setattr("tenure.connectors.stripe.PAGE", 3)
    stored = []
    from tenure.connectors.stripe import Stripe

    original = Stripe.store_customers

    def dies_on_the_second_page(self, tally, records, now, event_time=None):
        stored.append(len(records))
        if len(stored) == 2:
            raise ConnectionResetError("the process died")
        return original(self, tally, records, now, event_time)

    monkeypatch.setattr(Stripe, "store_customers", dies_on_the_second_page)
    first = sync.run_sync(stripe_connection)
    assert first.status == RunStatus.FAILED and "ConnectionResetError" in first.message
    assert Account.objects.count() == 3  # the first page, committed with its cursor
    assert stripe_connection.failures == 1 and stripe_connection.next_sync_at > first.started_at
    monkeypatch.setattr(Stripe, "store_customers", original)
    second = sync.run_sync(stripe_connection)
    assert second.status == RunStatus.SUCCEEDED
    assert Account.objects.count() == 7 and second.by_type["customers"]["created"] == 4
    assert Cursor.objects.get(connection=stripe_connection, object_type="customers").value == {"done": True}


def test_a_person_renaming_an_account_wins_and_the_difference_is_listed(stripe_connection, stripe_api, book):
    from tenure.accounts import services as accounts

    sync.run_sync(stripe_connection)
    acme = Account.objects.get(name="Acme")
    accounts.update_account(acme, name="ACME Corporation")
    stripe_api.customers.update(acme.billing_id, {"name": "Acme Inc."})
    sync.run_sync(stripe_connection, full=True)
    acme.refresh_from_db()
    assert acme.name == "ACME Corporation"
    conflict = Conflict.objects.get(field="name")
    assert (conflict.tenure_value, conflict.source_value) == ("ACME Corporation", "Acme Inc.")
    sync.resolve_conflict(conflict, take_source=True)
    acme.refresh_from_db()
    assert acme.name == "Acme Inc." and Conflict.objects.get().resolution == "took"
    # a field no person touched follows the source
    Account.objects.filter(pk=acme.pk).update(name="Acme Inc.")


def signed(event: dict, secret="whsec_test", at=None) -> tuple[bytes, dict]:
    body = json.dumps(event)
    return body.encode(), {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, secret, at)}


def event(kind, obj, *, created=None, event_id=None):
    return {"id": event_id or f"evt_{kind}_{obj['id']}_{created}", "object": "event", "type": kind,
            "created": created or int(time.time()), "data": {"object": obj}}


def post(client, connection, body, headers):
    return client.post(f"/connectors/{connection.pk}/webhook/", body, content_type="application/json",
                       headers=headers)


def test_webhooks_are_checked_stored_once_and_applied_in_order(client, stripe_connection, stripe_api, book):
    sync.run_sync(stripe_connection)
    sub = stripe_api.subscriptions.retrieve(book["Acme"].id).to_dict()
    coupon = stripe_api.coupons.create({"id": "loyal20", "duration": "forever", "percent_off": 20}).to_dict()
    now = int(time.time())
    newer = {**sub, "discount": {"coupon": coupon, "end": None}, "quantity": 15,
             "items": {"data": [{**sub["items"]["data"][0], "quantity": 15}]}}
    older = {**sub, "status": "past_due"}
    bad_body, bad_headers = signed(event("customer.subscription.updated", newer), secret="whsec_wrong")
    assert post(client, stripe_connection, bad_body, bad_headers).status_code == 400
    assert InboxEvent.objects.count() == 0
    # both after the sync; the newer change arrives first, the older after it: the older must not win
    for e in (event("customer.subscription.updated", newer, created=now + 2),
              event("customer.subscription.updated", older, created=now + 1)):
        body, headers = signed(e)
        assert post(client, stripe_connection, body, headers).status_code == 200
        assert post(client, stripe_connection, body, headers).status_code == 200  # Stripe retries: kept once
    assert InboxEvent.objects.count() == 2
    run = sync.process_inbox(stripe_connection)
    acme = Subscription.objects.get(external_id=book["Acme"].id)
    # 50 × 15 × (1 − 20%) = 600; the older past-due state came first in Stripe's order, then the newer one
    assert (acme.seats, acme.mrr, acme.status) == (15, Decimal("600.00"), "active")
    assert run.status == RunStatus.SUCCEEDED
    assert sync.process_inbox(stripe_connection) is None  # nothing left: processed once


def test_a_failed_payment_makes_the_subscription_past_due_at_once(client, stripe_connection, stripe_api, book,
                                                                   leader):
    sync.run_sync(stripe_connection)
    invoice = stripe_api.invoices.list({"subscription": book["Globex"].id}).data[0].to_dict()
    failed = {**invoice, "status": "open", "paid": False, "amount_paid": 0, "attempt_count": 2}
    body, headers = signed(event("invoice.payment_failed", failed, created=int(time.time()) + 1))  # after the sync
    assert post(client, stripe_connection, body, headers).status_code == 200
    sync.process_inbox(stripe_connection)
    globex = Subscription.objects.get(external_id=book["Globex"].id)
    assert globex.status == "past_due"
    assert globex.history.last().status == "past_due" and globex.history.last().source == "stripe"
    stored = Invoice.objects.get(external_id=invoice["id"])
    assert stored.payment_failures == 2 and stored.last_payment_failure_at is not None
    # the payment-failed signal reads it on the next refresh
    from tenure.facts.load import load_facts
    from tenure.risk.detectors import Thresholds, payment_failed

    facts = load_facts([globex.account_id], dt.date.today())[globex.account_id]
    assert payment_failed(facts, Thresholds())
    client.force_login(leader)  # and the account page shows it beside the subscription
    page = client.get(f"/accounts/{globex.account_id}/").content.decode()
    assert "payment trouble" in page and "2 failed attempts" in page


def test_an_event_for_an_unknown_customer_waits_and_says_why(stripe_connection, stripe_api):
    c = customer(stripe_api, "Late Co", "lee@late.example")
    p = plan(stripe_api, stripe_api.products.create({"name": "Pro", "type": "service"}), 1000)
    sub = stripe_api.subscriptions.create({"customer": c.id, "items": [{"plan": p.id}]}).to_dict()
    body, headers = signed(event("customer.subscription.created", sub))
    sync.receive(stripe_connection, body, headers)
    run = sync.process_inbox(stripe_connection)
    assert run.failed == 1 and "not synced yet" in run.errors[0]
    waiting = InboxEvent.objects.get()
    assert waiting.status == "pending" and waiting.attempts == 1
    sync.run_sync(stripe_connection)  # the backfill brings the customer, then the waiting event applies
    assert InboxEvent.objects.get().status == "done"
    assert Subscription.objects.filter(external_id=sub["id"]).exists()


def test_a_wrong_key_fails_in_words_and_backs_off(stripe_connection):
    sync.set_credentials(stripe_connection, {"api_key": ""})  # blank keeps the key
    from tenure.connectors import secrets

    assert secrets.unseal(stripe_connection.credentials)["api_key"] == "sk_test_tenure"
    assert "sk_test_tenure" not in stripe_connection.credentials  # encrypted at rest
    stripe_connection.options = {"api_base": "http://127.0.0.1:9"}  # nothing listens there
    stripe_connection.save()
    run = sync.run_sync(stripe_connection)
    assert run.status == RunStatus.FAILED and "could not be reached" in run.message
    second = sync.run_sync(stripe_connection)
    assert second.status == RunStatus.FAILED
    stripe_connection.refresh_from_db()
    assert stripe_connection.failures == 2
    assert stripe_connection.next_sync_at - second.finished_at >= dt.timedelta(minutes=2) - dt.timedelta(seconds=5)
    assert SyncRun.objects.filter(connection=stripe_connection).count() == 2


@pytest.mark.parametrize("sub, mrr", [
    # the current API's shape: price and recurring; a 10% forever coupon; an annual price
    ({"status": "active", "items": {"data": [{"quantity": 3, "price": {"unit_amount": 12000, "currency": "usd",
      "recurring": {"interval": "year", "interval_count": 1, "usage_type": "licensed"}}}]},
      "discount": {"coupon": {"percent_off": 10, "duration": "forever"}}}, Decimal("27.00")),
    # amount off each monthly invoice; a metered item adds nothing
    ({"status": "past_due", "items": {"data": [
        {"quantity": 2, "price": {"unit_amount": 5000, "currency": "eur", "recurring": {"interval": "month"}}},
        {"price": {"unit_amount": 1, "currency": "eur", "recurring": {"interval": "month", "usage_type": "metered"}}},
    ]}, "discount": {"coupon": {"amount_off": 1500, "currency": "eur", "duration": "repeating"}, "end": 4102444800}},
     Decimal("85.00")),
    # a one-off discount is not recurring revenue lost; a weekly price is × 52 / 12; yen have no cents
    ({"status": "active", "items": {"data": [{"quantity": 1, "price": {"unit_amount": 1200, "currency": "jpy",
      "recurring": {"interval": "week"}}}]}, "discount": {"coupon": {"percent_off": 50, "duration": "once"}}},
     Decimal("5200.00")),
    ({"status": "trialing", "items": {"data": [{"quantity": 9, "price": {"unit_amount": 5000, "currency": "usd",
      "recurring": {"interval": "month"}}}]}}, Decimal("0.00")),
    ({"status": "unpaid", "items": {"data": [{"quantity": 9, "price": {"unit_amount": 5000, "currency": "usd",
      "recurring": {"interval": "month"}}}]}}, Decimal("0.00")),
])
def test_mrr_as_stripe_counts_it(sub, mrr):
    assert subscription_mrr(sub, now=1_800_000_000) == mrr


def test_a_batch_of_subscription_events_with_one_bad_event_applies_the_others(stripe_connection, stripe_api, book):
    sync.run_sync(stripe_connection)
    later = int(time.time()) + 5
    events = []
    for n, name in enumerate(("Acme", "Globex", "Hooli")):
        sub = stripe_api.subscriptions.retrieve(book[name].id).to_dict()
        item = sub["items"]["data"][0]
        events.append(event("customer.subscription.updated",
                            {**sub, "items": {"data": [{**item, "quantity": item["quantity"] + 10}]}},
                            created=later + n))
    stray = {**events[1]["data"]["object"], "id": "sub_stray", "customer": "cus_unknown"}
    events.insert(1, event("customer.subscription.created", stray, created=later))
    for e in events:
        sync.receive(stripe_connection, *signed(e))
    run = sync.process_inbox(stripe_connection)
    seats = dict(Subscription.objects.filter(account__name__in=["Acme", "Globex", "Hooli"])
                 .values_list("account__name", "seats"))
    assert seats == {"Acme": 22, "Globex": 11, "Hooli": 12}
    assert run.failed == 1 and InboxEvent.objects.get(event_id__contains="sub_stray").status == "pending"


def test_refunds_and_disputes_mark_the_invoice(stripe_connection, stripe_api, book):
    sync.run_sync(stripe_connection)
    invoice = stripe_api.invoices.list({"subscription": book["Acme"].id}).data[0].to_dict()
    charge = invoice["charge"]["id"] if isinstance(invoice["charge"], dict) else invoice["charge"]
    later = int(time.time()) + 5
    refunded = {"id": charge, "object": "charge", "amount_refunded": 15000, "currency": "usd",
                "invoice": invoice["id"]}
    dispute = {"id": "dp_1", "object": "dispute", "charge": charge, "status": "needs_response"}
    for e in (event("charge.refunded", refunded, created=later),
              event("charge.dispute.created", dispute, created=later + 1)):
        sync.receive(stripe_connection, *signed(e))
    assert sync.process_inbox(stripe_connection).failed == 0
    stored = Invoice.objects.get(external_id=invoice["id"])
    assert (stored.amount_refunded, stored.disputed) == (Decimal("150.00"), True)
    won = {**dispute, "status": "won"}
    sync.receive(stripe_connection, *signed(event("charge.dispute.closed", won, created=later + 2)))
    sync.process_inbox(stripe_connection)
    assert Invoice.objects.get(external_id=invoice["id"]).disputed is False


def test_the_minute_job_syncs_what_is_due_and_leaves_the_rest(stripe_connection, book):
    from tenure import jobs

    jobs.sync_connections.call_local()
    run = SyncRun.objects.get(connection=stripe_connection)
    assert run.status == RunStatus.SUCCEEDED, (run.message, run.errors)
    assert Account.objects.count() == 6  # due at once after it was added
    stripe_connection.refresh_from_db()
    assert stripe_connection.next_sync_at - stripe_connection.last_synced_at == dt.timedelta(minutes=60)
    jobs.sync_connections.call_local()  # not due again for an hour
    assert SyncRun.objects.filter(connection=stripe_connection).count() == 1
