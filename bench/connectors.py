"""Stripe backfill and webhook processing (issue 17): BENCH_CUSTOMERS customers (default 10,000) with
BENCH_SUBSCRIPTIONS subscriptions (default 15,000) on a local Stripe-compatible server (localstripe), synced into a
fresh database through ``tenure.connectors``; then BENCH_EVENTS signed webhooks (default 5,000 subscription
updates) checked and stored (the webhook door's work before its 200), then processed from the inbox.

Prints: the time to build the book on the server (not Tenure's), the backfill's rows/s (customers +
subscriptions + invoices stored per second) and its time to a correct MRR (the sum of the accounts' live MRR equal
to the book's, computed by hand from what was created), then the webhooks' stored/s and processed/s.

    PYTHONPATH=src:. python bench/connectors.py                     # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenure_bench_connectors python bench/connectors.py
"""

import json
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
DATA_DIR = Path(tempfile.mkdtemp(prefix="tenure-bench-connectors-"))
os.environ["TENURE_DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("TENURE_DEBUG", "false")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tenure.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402

from tenure.accounts.models import Account  # noqa: E402
from tenure.connectors import sync  # noqa: E402
from tests.connectors import stripe_server  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 10_000))
SUBSCRIPTIONS = int(os.environ.get("BENCH_SUBSCRIPTIONS", 15_000))
EVENTS = int(os.environ.get("BENCH_EVENTS", 5_000))
SECRET = "whsec_bench"


def fresh_database() -> None:
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        connection.close()
        import psycopg

        params = {k: v for k, v in connection.get_connection_params().items() if k in ("host", "port", "user",
                                                                                          "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def build_book(api) -> tuple[Decimal, list]:
    """Customers, each with one subscription and every other one with a second: monthly and annual prices,
    quantities 1–40; a few on trial-free plans. Returns the book's MRR by hand and the subscriptions."""
    rng = random.Random(7)
    product = api.products.create({"name": "Pro", "type": "service"})
    plans = [(api.plans.create({"amount": cents, "currency": "usd", "interval": interval, "product": product.id}),
              Decimal(cents) / 100 / (12 if interval == "year" else 1))
             for cents, interval in [(2000, "month"), (5000, "month"), (480_000, "year"), (0, "month")]]
    expected, subs = Decimal(0), []
    extra = SUBSCRIPTIONS - CUSTOMERS
    for i in range(CUSTOMERS):
        c = api.customers.create({"name": f"Company {i}", "email": f"billing@company{i}.example"})
        pm = api.payment_methods.create({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                                  "exp_year": 2040, "cvc": "123"}})
        api.payment_methods.attach(pm.id, {"customer": c.id})
        api.customers.update(c.id, {"invoice_settings": {"default_payment_method": pm.id}})
        for _ in range(2 if i < extra else 1):
            plan, monthly = rng.choice(plans)
            quantity = rng.randint(1, 40)
            subs.append(api.subscriptions.create({"customer": c.id, "items": [{"plan": plan.id,
                                                                                "quantity": quantity}]}))
            expected += monthly * quantity
    return expected.quantize(Decimal("0.01")), subs


def signed(event: dict) -> tuple[bytes, dict]:
    body = json.dumps(event)
    return body.encode(), {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, SECRET)}


def main() -> None:
    print(f"database: {connection.vendor}; {CUSTOMERS:,} customers, {SUBSCRIPTIONS:,} subscriptions, "
          f"{EVENTS:,} webhooks")
    fresh_database()
    with stripe_server.running() as url:
        api = stripe.StripeClient("sk_test_bench", base_addresses={"api": url}).v1
        started = time.perf_counter()
        expected, subs = build_book(api)
        print(f"book built on the local server in {time.perf_counter() - started:.1f} s (not Tenure's time); "
              f"its MRR by hand: {expected:,}")
        conn = sync.create_connection(kind="stripe", name="Stripe", options={"api_base": url},
                                      credentials={"api_key": "sk_test_bench", "webhook_secret": SECRET})
        from tenure.connectors.stripe import Stripe

        waited = [0.0]
        reads = Stripe._list

        def timed_list(self, path, params):  # the time the local server takes to answer is not Tenure's
            began = time.perf_counter()
            try:
                return reads(self, path, params)
            finally:
                waited[0] += time.perf_counter() - began

        Stripe._list = timed_list
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            run = profile.runcall(sync.run_sync, conn, trigger="bench")
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        else:
            run = sync.run_sync(conn, trigger="bench")
        seconds = time.perf_counter() - started
        mrr = Account.objects.aggregate(total=Sum("sort_mrr"))["total"] or Decimal(0)
        rows = run.created + run.updated + run.unchanged
        print(f"backfill: {run.get_status_display()}, {rows:,} rows ({json.dumps(run.by_type)}) in {seconds:.1f} s"
              f" = {rows / seconds:,.0f} rows/s; time to a correct MRR: {seconds:.1f} s "
              f"(MRR {mrr:,} {'=' if mrr == expected else '≠'} {expected:,})")
        own = seconds - waited[0]
        print(f"  of which waiting for the local server's pages: {waited[0]:.1f} s; Tenure's own work: {own:.1f} s"
              f" = {rows / own:,.0f} rows/s")
        if run.errors:
            print("  first errors:", run.errors[:3])

        events = []
        now = int(time.time()) + 5
        for n in range(EVENTS):
            sub = subs[n % len(subs)].to_dict()
            item = sub["items"]["data"][0]
            changed = {**sub, "quantity": item["quantity"] + 1,
                       "items": {**sub["items"], "data": [{**item, "quantity": item["quantity"] + 1}]}}
            events.append({"id": f"evt_bench_{n}", "object": "event", "type": "customer.subscription.updated",
                           "created": now + n // len(subs), "data": {"object": changed}})
        requests = [signed(e) for e in events]
        started = time.perf_counter()
        for body, headers in requests:
            sync.receive(conn, body, headers)
        stored = time.perf_counter() - started
        from tenure.connectors.stripe import Stripe

        waited = [0.0]
        reads = Stripe._list

        def timed_list(self, path, params):  # the time the local server takes to answer is not Tenure's
            began = time.perf_counter()
            try:
                return reads(self, path, params)
            finally:
                waited[0] += time.perf_counter() - began

        Stripe._list = timed_list
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            run = profile.runcall(sync.process_inbox, conn, limit=EVENTS)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        else:
            run = sync.process_inbox(conn, limit=EVENTS)
        processed = time.perf_counter() - started
        print(f"webhooks: checked and stored {EVENTS / stored:,.0f} events/s; processed {EVENTS / processed:,.0f} "
              f"events/s ({run.updated:,} updated, {run.failed} failed)")


if __name__ == "__main__":
    main()
