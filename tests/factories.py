"""Builders that make a realistic record in one line, through the same services the product uses."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.billing import services as billing
from tenure.engagement import services as engagement
from tenure.support import services as support
from tenure.users.models import Role
from tenure.users.services import create_user

_n = itertools.count(1)


def make_user(role: str = Role.CSM, username: str | None = None, password: str = "pw-for-tests-only", **kw):
    return create_user(username or f"user{next(_n)}", password=password, role=role, **kw)


def make_account(**kw):
    n = next(_n)
    fields = {"name": f"Account {n}", "domain": f"account{n}.example", "segment": "mid-market"}
    fields.update(kw)
    return accounts.create_account(**fields)


def make_contact(account=None, **kw):
    n = next(_n)
    fields = {"account": account or make_account(), "name": f"Person {n}", "email": f"person{n}@example.com"}
    fields.update(kw)
    return accounts.create_contact(**fields)


def make_subscription(account=None, **kw):
    fields = {
        "account": account or make_account(),
        "plan": "Growth",
        "seats": 25,
        "mrr": Decimal("1250.00"),
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
    }
    fields.update(kw)
    return billing.create_subscription(**fields)


def make_ticket(account=None, **kw):
    fields = {"account": account or make_account(), "subject": "Cannot export report", "opened_at": timezone.now()}
    fields.update(kw)
    return support.create_ticket(**fields)


def make_touch(account=None, **kw):
    fields = {"account": account or make_account(), "kind": "call", "summary": "Weekly check-in"}
    fields.update(kw)
    return engagement.record_touch(**fields)


def timeline_changes(account) -> list[str]:
    """The account timeline's recorded changes, newest first, each as "who: action what names: field words; …"."""
    from tenure.engagement.timeline import account_timeline

    items = account_timeline(account, list(account.contacts.all()), limit=100).items
    return [f"{c.who}: {c.action} {c.what} {', '.join(c.names)}: "
            + "; ".join(f.words if f.flag else f"{f.label} {f.old or '—'} → {f.new or '—'}" for f in c.fields)
            for c in items if getattr(c, "is_change", False)]
