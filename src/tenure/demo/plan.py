"""The demo's plan: a simulated SaaS vendor's customers, made from a seed as plain values.

No database here. ``make_plan(seed=…, accounts=…, today=…)`` returns dataclasses that ``services.write_plan``
stores in bulk, so the story can be read and tested without Django touching a table. The same seed and the
same ``today`` make the same plan: every random draw comes from a ``random.Random`` seeded with a string
(never the global generator), each account has its own generator (one account's story does not shift the
others), and nothing iterates over a set or relies on hash order.

The story. ~12 months of history ending yesterday (``today`` is the day the demo is built):
- accounts are *new* (signed in the last quarter), *steady*, *expanding*, *at risk* (a cause is showing,
  renewal coming up) or *churned* (cancelled during the year, for one cause written into the rows);
- each subscription's history is one entry per state it held, from its start: annual renewals move the
  term (start/end dates) forward on the same subscription, expansions and contractions change seats and
  sometimes the plan, failed payments show as ``past_due``, churn is ``canceled`` with its end date;
- touches (authored by the owning CSM) and tickets follow the account's mood; evidence of the cause is
  written where a CSM would find it (a note that the sponsor left, a ticket naming a competitor, ...).

Warning signs are not verdicts, as in a real book of business: a quarter of steady accounts (and some expanding
ones) go through a rough patch — a competitor evaluation, a usage dip, a silent sponsor, a declined card — and
come through it; about a third of leavers (``quiet``) show their cause only weeks before they go; and some new
customers never get past onboarding (the go-live slips, milestones go overdue) and leave within months or at
their first renewal. So a churn model or a health score has something real to separate, and neither can read
the outcome off one field.
"""

from __future__ import annotations

import datetime as dt
import random

from tenure.demo import texts
from tenure.demo.models import Cause, Scenario
from tenure.demo.story import AccountStory
from tenure.demo.values import (
    LIVE,
    MAX_SEATS,
    MIN_SEATS,
    TEAM,
    TEAM_USERNAMES,
    DemoPlan,
    DemoPlanError,
    UserPlan,
    clamp,
    segment_for,
)

DEFAULT_SEED = 42
DEFAULT_ACCOUNTS = 320
MIN_ACCOUNTS = 24
CAUSES = tuple(Cause)


# ---------------------------------------------------------------- the whole vendor


def make_plan(*, seed: int = DEFAULT_SEED, accounts: int = DEFAULT_ACCOUNTS, today: dt.date) -> DemoPlan:
    if accounts < MIN_ACCOUNTS:
        raise ValueError(f"the demo needs at least {MIN_ACCOUNTS} accounts to tell every story")
    rng = random.Random(f"tenure-demo:{seed}")
    n = accounts
    plan = DemoPlan(seed=seed, today=today, users=TEAM)

    counts = {
        Scenario.CHURNED: max(len(CAUSES), round(n * 0.20)),
        Scenario.AT_RISK: max(len(CAUSES), round(n * 0.10)),
        Scenario.NEW: max(2, round(n * 0.10)),
        Scenario.EXPANDING: max(3, round(n * 0.25)),
    }
    counts[Scenario.STEADY] = n - sum(counts.values())
    labels = [label for label, k in counts.items() for _ in range(k)]
    rng.shuffle(labels)

    # Seats at signing: many small customers, few big ones (5 * 400**(u**2.2): median ~18, top 5% > 1,000).
    seats = [clamp(round(MIN_SEATS * 400 ** (rng.random() ** 2.2)), MIN_SEATS, MAX_SEATS) for _ in range(n)]
    steady = [i for i in range(n) if labels[i] == Scenario.STEADY]
    pinned = {steady[0]: MIN_SEATS, steady[1]: MAX_SEATS}  # the range's ends, always present
    seats = [pinned.get(i, s) for i, s in enumerate(seats)]

    causes = [""] * n
    for label in (Scenario.CHURNED, Scenario.AT_RISK):
        members = [i for i in range(n) if labels[i] == label]
        wanted = [CAUSES[j % len(CAUSES)] for j in range(len(members))]
        payers = wanted.count(Cause.PAYMENT_FAILED)
        others = [c for c in wanted if c != Cause.PAYMENT_FAILED]
        rng.shuffle(others)
        by_size = sorted(members, key=lambda i: (seats[i], i))
        for i in by_size[:payers]:  # failed card payments belong to small monthly customers
            causes[i] = Cause.PAYMENT_FAILED
        rest = by_size[payers:]
        rng.shuffle(rest)
        for i, cause in zip(rest, others, strict=True):
            causes[i] = cause
    for i in range(n):
        if causes[i] == Cause.SEAT_CUT:  # room to cut seats and stay above the minimum
            seats[i] = max(seats[i], 12)

    names: list[str] = []
    taken: set[str] = set()
    industries = []
    for _ in range(n):
        industry = rng.choices(texts.INDUSTRIES, weights=texts.INDUSTRY_WEIGHTS)[0]
        for attempt in range(60):
            name = f"{rng.choice(texts.COMPANY_WORDS)} {rng.choice(texts.INDUSTRY_WORDS[industry])}"
            if attempt >= 50:
                name = f"{name} {attempt}"
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
        industries.append(industry)

    books: dict[str, list[UserPlan]] = {}
    for user in TEAM:
        if user.book:
            books.setdefault(user.book, []).append(user)
    load = {u.username: 0 for u in TEAM}
    for i in range(n):
        segment = segment_for(seats[i])
        pool = books[segment]
        owner = None
        if segment != "smb" or rng.random() >= 0.04:  # a few small accounts wait for assignment
            owner = min(pool, key=lambda u: (load[u.username], TEAM_USERNAMES.index(u.username))).username
            load[owner] += 1
        story = AccountStory(
            plan=plan, idx=i, rng=random.Random(f"tenure-demo:{seed}:{i}"), label=labels[i], cause=causes[i],
            seats=seats[i], pinned=i in pinned, name=names[i], industry=industries[i], owner=owner,
            pool_author=rng.choice(books[segment]).username,
        )
        story.build()

    plan.tickets.sort(key=lambda t: (t.opened_at, t.account, t.subject))
    for number, ticket in enumerate(plan.tickets, start=10001):
        ticket.external_id = f"BL-{number}"
    plan.touches.sort(key=lambda t: (t.account, t.occurred_at, t.kind, t.summary))
    return plan


# ---------------------------------------------------------------- checks before anything is written


def validate_plan(plan: DemoPlan) -> None:
    """Raise DemoPlanError listing every rule the plan breaks (uniqueness, dates, ranges, ownership)."""
    problems: list[str] = []

    def unique(label: str, values) -> None:
        seen: set[str] = set()
        for value in values:
            key = value.lower()
            if key in seen:
                problems.append(f"duplicate {label} {value!r}")
            seen.add(key)

    accounts = {a.key: a for a in plan.accounts}
    unique("account domain", (a.domain for a in plan.accounts))
    for f in ("crm_id", "billing_id", "product_group_id"):
        unique(f"account {f}", (getattr(a, f) for a in plan.accounts))
    unique("contact email", (c.email for c in plan.contacts))
    unique("product_user_id", (c.product_user_id for c in plan.contacts if c.product_user_id))
    unique("subscription external_id", (s.external_id for s in plan.subscriptions))
    unique("ticket external_id", (t.external_id for t in plan.tickets))
    contacts = {c.key: c for c in plan.contacts}
    cutoff = dt.datetime(plan.today.year, plan.today.month, plan.today.day, tzinfo=dt.UTC)

    for c in plan.contacts:
        if c.account not in accounts:
            problems.append(f"contact {c.email} has no account")
        if c.left_on and c.left_on >= plan.today:
            problems.append(f"contact {c.email} leaves in the future")
    for s in plan.subscriptions:
        days = [h.effective_on for h in s.history]
        if days != sorted(set(days)):
            problems.append(f"{s.external_id}: history not strictly ordered")
        for h in s.history:
            st = h.state
            if st.end_date and st.end_date < st.start_date:
                problems.append(f"{s.external_id}: ends before it starts on {h.effective_on}")
            if not MIN_SEATS <= st.seats <= MAX_SEATS or st.mrr < 0:
                problems.append(f"{s.external_id}: seats or MRR out of range on {h.effective_on}")
            if h.effective_on >= plan.today:
                problems.append(f"{s.external_id}: change in the future")
    for a in plan.accounts:
        subs = [s for s in plan.subscriptions if s.account == a.key] if a.stage == "churned" else ()
        if any(s.current.status in LIVE for s in subs):
            problems.append(f"{a.name} churned but has a live subscription")
    for t in plan.tickets:
        if t.contact is not None and contacts[t.contact].account != t.account:
            problems.append(f"ticket {t.external_id}: contact of another account")
        if t.csat is not None and not 1 <= t.csat <= 5:
            problems.append(f"ticket {t.external_id}: CSAT {t.csat}")
        if t.resolved_at and t.resolved_at < t.opened_at:
            problems.append(f"ticket {t.external_id}: resolved before opened")
        if t.opened_at >= cutoff or (t.resolved_at and t.resolved_at >= cutoff):
            problems.append(f"ticket {t.external_id}: in the future")
    for t in plan.touches:
        if any(contacts[k].account != t.account for k in t.contacts):
            problems.append(f"touch on {t.occurred_at:%Y-%m-%d}: contact of another account")
        if t.occurred_at >= cutoff:
            problems.append(f"touch on {t.occurred_at:%Y-%m-%d}: in the future")
    if problems:
        raise DemoPlanError("; ".join(problems[:20]) + (f" … and {len(problems) - 20} more" if len(problems) > 20
                                                        else ""))
