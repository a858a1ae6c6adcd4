"""What `tenure demo` writes: real rows in a real database, checked the way a CS team would look."""

import datetime as dt
import itertools

from django.contrib.auth import authenticate
from django.db.models import F

from tenure.accounts.models import Account, Contact, LifecycleStage
from tenure.billing.models import LIVE_STATUSES, TRACKED_FIELDS, Subscription, SubscriptionChange
from tenure.demo.models import DemoScenario, Scenario
from tenure.demo.plan import DEFAULT_ACCOUNTS
from tenure.demo.services import build_demo
from tenure.demo.values import MAX_SEATS, MIN_SEATS
from tenure.engagement.models import Touch
from tenure.support.models import Ticket
from tenure.users.models import Role, User
from tests.demo.conftest import SMALL, TODAY
from tests.demo.dump import canonical_dump


def test_small_demo_counts(small_demo):
    assert Account.objects.count() == SMALL == DemoScenario.objects.count()
    assert Contact.objects.count() > SMALL * 5
    assert Subscription.objects.count() >= SMALL
    assert Ticket.objects.count() > SMALL * 3
    assert Touch.objects.count() > SMALL * 10
    assert small_demo.counts["accounts"] == SMALL


def test_churned_account_has_no_live_subscription_and_stage_churned(small_demo):
    churned = DemoScenario.objects.filter(scenario=Scenario.CHURNED).select_related("account")
    assert churned.count() >= 6
    for scenario in churned:
        account = scenario.account
        assert account.stage == LifecycleStage.CHURNED
        assert not account.subscriptions.filter(status__in=LIVE_STATUSES).exists()
        for sub in account.subscriptions.all():
            assert sub.end_date is not None and sub.end_date <= scenario.churned_on < TODAY
    # ... and only churned accounts are in the churned stage.
    assert Account.objects.filter(stage=LifecycleStage.CHURNED).count() == churned.count()


def test_live_accounts_have_a_live_subscription(small_demo):
    for account in Account.objects.exclude(stage=LifecycleStage.CHURNED):
        assert account.subscriptions.filter(status__in=LIVE_STATUSES).exists(), account


def test_contacts_and_touch_contacts_belong_to_their_account(small_demo):
    assert not Contact.objects.filter(account__isnull=True).exists()
    strangers = Touch.contacts.through.objects.exclude(contact__account_id=F("touch__account_id"))
    assert not strangers.exists()
    assert not Ticket.objects.filter(contact__isnull=False).exclude(
        contact__account_id=F("account_id")).exists()
    assert Touch.contacts.through.objects.count() > 0


def test_same_seed_rebuilds_identical_rows_and_another_seed_differs(db):
    build_demo(seed=11, accounts=30, today=TODAY, usage=False)
    first = canonical_dump()
    build_demo(seed=11, accounts=30, today=TODAY, usage=False)  # a rebuild replaces the demo, it does not add to it
    assert canonical_dump() == first
    build_demo(seed=12, accounts=30, today=TODAY, usage=False)
    other = canonical_dump()
    assert other["accounts"] != first["accounts"]
    assert other["touches"] != first["touches"]


def test_default_size_has_over_300_accounts_with_seats_across_the_range(db):
    build_demo(today=TODAY, usage=False)  # its build time is bench/demo.py's figure, not a test's
    assert Account.objects.count() == DEFAULT_ACCOUNTS >= 300
    first_seats = sorted(SubscriptionChange.objects.filter(subscription__external_id__endswith="A")
                         .order_by("subscription_id", "effective_on").distinct()
                         .values_list("subscription_id", "seats"))
    signed = {}
    for sub_id, seats in first_seats:
        signed.setdefault(sub_id, seats)
    seats = sorted(Subscription.objects.values_list("seats", flat=True))
    assert seats[0] >= MIN_SEATS and seats[-1] <= MAX_SEATS
    assert min(signed.values()) == MIN_SEATS and max(signed.values()) == MAX_SEATS
    assert sum(s < 50 for s in seats) > sum(s >= 500 for s in seats) * 3  # many small, few big
    assert {"smb", "mid-market", "enterprise"} == set(Account.objects.values_list("segment", flat=True))
    assert len(set(Account.objects.values_list("industry", flat=True))) >= 8


def test_history_is_ordered_and_its_latest_entry_is_the_current_state(small_demo):
    history = {}
    for change in SubscriptionChange.objects.order_by("subscription_id", "effective_on", "pk"):
        history.setdefault(change.subscription_id, []).append(change)
    for sub in Subscription.objects.all():
        entries = history[sub.pk]
        days = [c.effective_on for c in entries]
        assert days == sorted(set(days)), sub
        assert entries[0].effective_on == entries[0].start_date
        assert all(c.effective_on < TODAY for c in entries)
        latest = entries[-1]
        assert {f: getattr(latest, f) for f in TRACKED_FIELDS} == {f: getattr(sub, f) for f in TRACKED_FIELDS}
        for c in entries:
            assert c.end_date is None or c.end_date >= c.start_date


def _changes():
    by_sub = {}
    for c in SubscriptionChange.objects.order_by("subscription_id", "effective_on"):
        by_sub.setdefault(c.subscription_id, []).append(c)
    return [(a, b) for entries in by_sub.values() for a, b in itertools.pairwise(entries)]


def test_renewals_expansions_and_contractions_are_in_the_history(small_demo):
    pairs = _changes()
    renewals = [(a, b) for a, b in pairs if b.start_date > a.start_date and b.status == a.status]
    expansions = [(a, b) for a, b in pairs if b.seats > a.seats]
    contractions = [(a, b) for a, b in pairs if b.seats < a.seats]
    assert renewals and expansions and contractions
    assert all(b.mrr > a.mrr for a, b in expansions)
    assert all(b.mrr < a.mrr for a, b in contractions)
    for a, b in renewals:
        assert b.effective_on == b.start_date == a.end_date + dt.timedelta(days=1)
    assert SubscriptionChange.objects.filter(billing_period="monthly").exists()
    assert SubscriptionChange.objects.filter(billing_period="annual").exists()
    expanding = DemoScenario.objects.filter(scenario=Scenario.EXPANDING).values_list("account_id", flat=True)
    assert any(a.subscription.account_id in set(expanding) for a, _ in expansions)


def test_lifecycle_stage_agrees_with_the_history(small_demo):
    for account in Account.objects.prefetch_related("subscriptions"):
        since = dt.date.fromisoformat(account.custom["customer_since"])
        main = next(s for s in account.subscriptions.all() if s.external_id.endswith("A"))
        if account.stage == LifecycleStage.ONBOARDING:
            assert (TODAY - since).days < 90
        if account.stage == LifecycleStage.RENEWING:
            assert main.billing_period == "annual" and 0 <= (main.end_date - TODAY).days <= 90
        if account.stage == LifecycleStage.MATURE:
            assert (TODAY - since).days >= 180


def test_at_risk_accounts_are_still_customers_with_a_renewal_ahead(small_demo):
    at_risk = DemoScenario.objects.filter(scenario=Scenario.AT_RISK).select_related("account")
    assert at_risk.count() >= 6
    for scenario in at_risk:
        assert scenario.churned_on is None and scenario.warning_on < TODAY
        main = scenario.account.subscriptions.get(external_id__endswith="A")
        assert main.status in LIVE_STATUSES
        if main.billing_period == "annual":
            assert TODAY < main.end_date <= TODAY + dt.timedelta(days=125)


def test_contacts_have_roles_product_ids_and_some_left(small_demo):
    for account in Account.objects.prefetch_related("contacts"):
        contacts = list(account.contacts.all())
        assert sum(c.is_executive_sponsor for c in contacts) == 1
        assert sum(c.is_champion for c in contacts) == 1
        assert any(c.is_billing for c in contacts) and any(c.is_admin for c in contacts)
    users = Contact.objects.filter(is_user=True)
    assert not users.filter(product_user_id__isnull=True).exists()
    assert Contact.objects.filter(left_on__isnull=False).exists()
    for flag in ("is_promoter", "is_detractor", "is_maven"):
        assert Contact.objects.filter(**{flag: True}).exists(), flag


def test_tickets_and_touches_look_real(small_demo):
    assert set(Ticket.objects.values_list("status", flat=True)) >= {"closed", "solved"}
    assert set(Ticket.objects.exclude(csat=None).values_list("csat", flat=True)) == {1, 2, 3, 4, 5}
    assert len(set(Ticket.objects.values_list("category", flat=True))) >= 6
    assert not Ticket.objects.filter(resolved_at__isnull=True, status__in=["solved", "closed"]).exists()
    assert set(Touch.objects.values_list("kind", flat=True)) == {"call", "email", "meeting", "qbr", "note"}
    assert set(Touch.objects.values_list("sentiment", flat=True)) == {"positive", "neutral", "negative", ""}
    # Touches people wrote are by the CSM who owns the account (automatic notes have no author).
    owned = Touch.objects.filter(account__owner__isnull=False, author__isnull=False).select_related("account")
    assert all(t.author_id == t.account.owner_id for t in owned)


def test_the_team_signs_in_with_the_demo_password(small_demo):
    demo = authenticate(username="demo", password="demo")
    assert demo is not None and demo.role == Role.ADMIN and demo.is_superuser
    csms = User.objects.filter(role=Role.CSM)
    assert csms.count() == 8
    assert all(authenticate(username=u.username, password="demo") for u in csms)
    assert User.objects.filter(role=Role.LEADER).count() == 1
    assert User.objects.filter(role=Role.READ_ONLY).count() == 1
    assert set(Account.objects.exclude(owner=None).values_list("owner__role", flat=True)) == {Role.CSM}
    assert Account.objects.exclude(owner=None).values("owner").distinct().count() == 8


def test_every_row_passes_model_validation(small_demo):
    for model in (Account, Contact, Subscription, Ticket, Touch, DemoScenario):
        for row in model.objects.all()[:400]:
            row.full_clean()
