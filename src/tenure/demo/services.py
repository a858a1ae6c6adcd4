"""Build the demo: wipe what a previous demo left, then write the plan in bulk, in one transaction.

Accounts, contacts, subscriptions (with their history) and tickets are written through their rooms' bulk
services (``create_accounts``, ``create_contacts``, ``create_subscriptions``, ``create_tickets``): the same
normalization, history and rules as any other door, a few statements per thousand rows. ``plan.validate_plan``
checks the plan's own rules before anything is written.

When is it safe to wipe? Only when the database holds nothing but demo data — every account has a
``DemoScenario`` row and the team's usernames belong to demo users — or when the caller asks for a reset
explicitly (``tenure demo --reset``). Anything else raises ``DemoConflict`` and leaves the data alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from tenure.accounts import services as account_services
from tenure.accounts.models import Account, Contact
from tenure.billing import services as billing
from tenure.billing.models import Subscription, SubscriptionChange
from tenure.community.services import wipe_community
from tenure.demo.articles import ARTICLES
from tenure.demo.community import seed_community
from tenure.demo.connections import seed_connections, wipe_connections
from tenure.demo.knowledge import seed_knowledge
from tenure.demo.models import DemoScenario
from tenure.demo.plan import DEFAULT_ACCOUNTS, DEFAULT_SEED, make_plan, validate_plan
from tenure.demo.proactive import seed_proactive
from tenure.demo.usage import send_demo_usage
from tenure.demo.values import PASSWORD, SOURCE, TEAM, TEAM_USERNAMES, DemoPlan
from tenure.engagement.models import Touch
from tenure.facts import load_facts
from tenure.health.services import backfill_health
from tenure.knowledge.models import Article
from tenure.knowledge.services import wipe_knowledge
from tenure.predict.services import train_for_demo
from tenure.renewals.demo import seed_demo_renewals
from tenure.risk.services import detect_all_signals, thresholds
from tenure.support import services as support
from tenure.support.models import Ticket
from tenure.usage.services import wipe_usage
from tenure.users.audit import acting_as
from tenure.users.models import User

BATCH = 2000


class DemoConflict(Exception):
    """The database holds data that is not the demo's; wiping it needs an explicit reset."""


@dataclass
class DemoResult:
    plan: DemoPlan
    seconds: float
    counts: dict[str, int]


def non_demo_data() -> list[str]:
    """What in the database the demo did not make (and so must not wipe without --reset)."""
    found = []
    strangers = Account.objects.filter(demo_scenario__isnull=True).count()
    if strangers:
        found.append(f"{strangers} accounts not made by the demo")
    team = {u.username: u.email for u in TEAM}
    for user in User.objects.filter(username__in=TEAM_USERNAMES).order_by("username"):
        if user.email != team[user.username]:
            found.append(f"a user named {user.username!r} not made by the demo")
    articles = Article.objects.exclude(slug__in=[a[0] for a in ARTICLES]).count()
    if articles:
        found.append(f"{articles} knowledge base articles not written by the demo")
    return found


def wipe() -> None:
    """Delete every account (and, by cascade, what hangs off it) and the demo team's users."""
    # The big tables first, with fast deletes, so the cascade below has little left to collect.
    wipe_usage()
    wipe_community()
    wipe_knowledge()
    wipe_connections()
    Touch.contacts.through.objects.all().delete()
    Touch.objects.all().delete()
    Ticket.objects.all().delete()
    SubscriptionChange.objects.all().delete()
    Subscription.objects.all().delete()
    DemoScenario.objects.all().delete()
    Contact.objects.all().delete()
    Account.objects.all().delete()
    User.objects.filter(username__in=TEAM_USERNAMES).delete()


def write_plan(plan: DemoPlan) -> dict[str, int]:
    """Insert the plan's rows; call inside a transaction on a database without demo rows."""
    password = make_password(PASSWORD)  # hashing is slow on purpose: once for the whole team
    users = User.objects.bulk_create(
        User(username=u.username, first_name=u.first_name, last_name=u.last_name, email=u.email, role=u.role,
             capacity=u.capacity, password=password, is_staff=u.role == "admin", is_superuser=u.role == "admin")
        for u in plan.users
    )
    user_ids = {u.username: u.pk for u in users}

    accounts = account_services.create_accounts(
        [Account(name=a.name, domain=a.domain, crm_id=a.crm_id, billing_id=a.billing_id,
                 product_group_id=a.product_group_id, industry=a.industry, segment=a.segment, stage=a.stage,
                 owner_id=user_ids.get(a.owner), custom=a.custom) for a in plan.accounts],
    )
    account_ids = _ids(accounts, plan.accounts, Account, "crm_id")

    DemoScenario.objects.bulk_create(
        [DemoScenario(account_id=account_ids[a.key], scenario=s.scenario, cause=s.cause, churned_on=s.churned_on,
                      warning_on=s.warning_on, competitor=s.competitor, usage_trend=s.usage_trend,
                      usage_change_on=s.usage_change_on, active_share=s.active_share, scare=s.scare,
                      scare_from=s.scare_from, scare_until=s.scare_until, notes=s.notes)
         for a in plan.accounts for s in [a.scenario]],
        batch_size=BATCH,
    )

    flags = ("executive_sponsor", "champion", "admin", "user", "billing", "maven", "promoter", "detractor")
    contacts = account_services.create_contacts(
        [Contact(account_id=account_ids[c.account], name=c.name, email=c.email, title=c.title,
                 product_user_id=c.product_user_id, left_on=c.left_on,
                 **{f"is_{f}": f in c.roles or f in c.community_roles for f in flags})
         for c in plan.contacts],
    )
    contact_ids = _ids(contacts, plan.contacts, Contact, "email")

    # Each subscription with its whole past, as the billing room records history.
    subscriptions = billing.create_subscriptions(
        [Subscription(account_id=account_ids[s.account], external_id=s.external_id, **vars(s.current))
         for s in plan.subscriptions],
        source=SOURCE, history=[[(h.effective_on, vars(h.state)) for h in s.history] for s in plan.subscriptions],
    )

    support.create_tickets(
        [Ticket(account_id=account_ids[t.account], contact_id=contact_ids.get(t.contact), external_id=t.external_id,
                subject=t.subject, body=t.body, category=t.category, priority=t.priority, status=t.status,
                opened_at=t.opened_at, resolved_at=t.resolved_at, csat=t.csat) for t in plan.tickets],
    )

    touches = Touch.objects.bulk_create(
        [Touch(account_id=account_ids[t.account], kind=t.kind, author_id=user_ids.get(t.author),
               occurred_at=t.occurred_at, summary=t.summary, sentiment=t.sentiment) for t in plan.touches],
        batch_size=BATCH,
    )
    if any(t.pk is None for t in touches):
        raise RuntimeError("this database does not return ids from bulk inserts (SQLite 3.35+ does)")
    Through = Touch.contacts.through
    Through.objects.bulk_create(
        [Through(touch_id=row.pk, contact_id=contact_ids[k]) for row, t in zip(touches, plan.touches, strict=True)
         for k in t.contacts],
        batch_size=BATCH * 2,
    )
    return {
        "users": len(users), "accounts": len(accounts), "contacts": len(contacts),
        "subscriptions": len(subscriptions), "history entries": sum(len(s.history) for s in plan.subscriptions),
        "tickets": len(plan.tickets), "touches": len(plan.touches),
    }


def _ids(rows, planned, model, key: str) -> dict[int, int]:
    """Plan key (position for subscriptions) -> database id, from bulk_create's returned ids."""
    if all(r.pk is not None for r in rows):
        return {getattr(p, "key", i): r.pk for i, (p, r) in enumerate(zip(planned, rows, strict=True))}
    by_key = dict(model.objects.values_list(key, "pk"))  # a database that returns no ids from bulk inserts
    return {getattr(p, "key", i): by_key[getattr(r, key)] for i, (p, r) in enumerate(zip(planned, rows, strict=True))}


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for a phase that makes hundreds of thousands of objects at once (the year of
    events, the facts of a year of days), as an events import pauses it between chunks: it ran every 50,000 new
    containers, over every young object so far: about 1.5 s of the build. What a phase leaves in cycles waits
    for the collector's next pass after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_demo(*, seed: int = DEFAULT_SEED, accounts: int = DEFAULT_ACCOUNTS, today: dt.date | None = None,
               reset: bool = False, usage: bool = True, churn_model: bool = True) -> DemoResult:
    """(Re)build the demo on the configured database (already migrated). Same seed and today, same rows.

    With ``usage``, the year's product usage is then sent through the event ingestion path (demo/usage.py).
    Without ``churn_model`` no model is trained (tests of the stories themselves skip its weekly back-test).
    """
    # Its records say who made them on their timelines and in the audit trail.
    with acting_as(label="demo build"):
        started = time.perf_counter()
        plan = make_plan(seed=seed, accounts=accounts, today=today or timezone.localdate())
        validate_plan(plan)
        with transaction.atomic():
            if not reset:
                found = non_demo_data()
                if found:
                    raise DemoConflict(
                        "the database holds data the demo did not make (" + "; ".join(found) + "); "
                        "use --reset to wipe it, or point DATABASE_URL / TENURE_DATA_DIR at another database"
                    )
            wipe()
            counts = write_plan(plan)
        if usage:
            with _collector_paused():
                counts["usage events"] = send_demo_usage(plan.today, seed).accepted
        counts.update(seed_knowledge(plan.today, seed))  # the help centre and a year of its use
        counts.update(seed_community(plan.today, seed))  # a year of the customer community
        counts.update(seed_proactive(plan.today, seed))  # assignment rules, onboarding, success plans
        counts.update(seed_connections(plan.today))  # Stripe, as if it had synced the demo's billing
        with _collector_paused():
            counts["health snapshots"] = backfill_health(today=plan.today)  # weekly for the past year, and today
        # Today's facts, read once for the signals and the renewals, as the refresh pipeline reads them for its steps.
        facts = load_facts(Account.objects.values_list("pk", flat=True), plan.today, thresholds().windows)
        counts.update(detect_all_signals(plan.today, facts))  # signals and the tasks they open, as of today
        counts.update(seed_demo_renewals(plan.today, facts))  # renewals: closed with outcomes and reasons, open ones
        if churn_model:
            counts["churn model"] = int(train_for_demo(plan.today) is not None)  # trained, back-tested, scored
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA optimize")
    return DemoResult(plan=plan, seconds=time.perf_counter() - started, counts=counts)
