"""One account's year in the demo: its dates, people, money, timeline, tickets and the evidence of its story
(see ``tenure.demo.plan`` for the whole vendor). Every draw comes from the account's own seeded generator."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import replace

from tenure.demo import texts
from tenure.demo.models import Cause, Scenario, UsageTrend
from tenure.demo.values import (
    ADDON_PLAN,
    DAY,
    HISTORY_DAYS,
    LIVE,
    MAX_SEATS,
    MIN_SEATS,
    PLANS,
    AccountPlan,
    ChangePlan,
    ContactPlan,
    DemoPlan,
    ScenarioPlan,
    SubscriptionPlan,
    SubState,
    TicketPlan,
    TouchPlan,
    add_years,
    clamp,
    poisson,
    price,
    segment_for,
    slug,
    weighted,
)

SPONSOR_CAUSES = (Cause.SPONSOR_LEFT, Cause.SPONSOR_SILENT)

# How many days before churn (or before today, when at risk) the cause first shows in the data.
LEAD_DAYS_CHURNED = {
    Cause.SPONSOR_LEFT: (60, 160), Cause.SPONSOR_SILENT: (100, 200), Cause.USAGE_DECLINE: (120, 210),
    Cause.SEAT_CUT: (60, 180), Cause.PAYMENT_FAILED: (14, 45), Cause.COMPETITOR: (45, 120),
    Cause.NEVER_ADOPTED: (40, 120),
}
LEAD_DAYS_AT_RISK = {
    Cause.SPONSOR_LEFT: (20, 100), Cause.SPONSOR_SILENT: (90, 160), Cause.USAGE_DECLINE: (60, 140),
    Cause.SEAT_CUT: (30, 150), Cause.PAYMENT_FAILED: (3, 25), Cause.COMPETITOR: (10, 60),
    Cause.NEVER_ADOPTED: (20, 60),
}
# Rough patches healthy accounts come through (weights), and how often they have one during the year.
SCARE_CAUSES = {Cause.COMPETITOR: 30, Cause.USAGE_DECLINE: 30, Cause.SPONSOR_SILENT: 20, Cause.PAYMENT_FAILED: 20}
SCARE_SHARE = {Scenario.STEADY: 0.25, Scenario.EXPANDING: 0.12}
# Leavers whose signs show only weeks before they go (a silent sponsor takes months by nature, and a customer
# that never adopted shows it from the kickoff on).
QUIET_SHARE = 0.35
QUIET_LEAD_DAYS = (10, 40)
CHURN_REASONS = {
    Cause.SPONSOR_LEFT: "no executive sponsor after {sponsor} left",
    Cause.SPONSOR_SILENT: "executive sponsor {sponsor} disengaged and nobody else could decide",
    Cause.USAGE_DECLINE: "usage fell too low to justify the cost",
    Cause.SEAT_CUT: "budget cuts; seats were reduced before cancelling",
    Cause.PAYMENT_FAILED: "payments failed repeatedly",
    Cause.COMPETITOR: "moved to {competitor}",
    Cause.NEVER_ADOPTED: "the team never got past onboarding",
}




class AccountStory:
    def __init__(self, *, plan: DemoPlan, idx: int, rng: random.Random, label: str, cause: str, seats: int,
                 pinned: bool, name: str, industry: str, owner: str | None, pool_author: str):
        self.plan, self.idx, self.rng = plan, idx, rng
        self.label, self.cause, self.seats0, self.pinned = label, cause, seats, pinned
        self.name, self.industry, self.owner = name, industry, owner
        self.author = owner or pool_author
        self.segment = segment_for(seats)
        self.today = plan.today
        self.window_start = plan.today - HISTORY_DAYS * DAY
        self.last = plan.today - DAY
        self.churned_on: dt.date | None = None
        self.warning_on: dt.date | None = None
        self.competitor = ""
        self.quiet = False
        self.scare, self.scare_from, self.scare_until, self.scare_paid_on = "", None, None, None
        self.contacts: list[ContactPlan] = []
        self.subscriptions: list[SubscriptionPlan] = []
        self.renewals: list[dt.date] = []

    # -- the order matters: dates, then people, then money, then what happened between them
    def build(self) -> None:
        self._dates()
        self._contacts()
        self._subscriptions()
        self._onboarding()
        self._routine_touches()
        self._qbrs()
        self._renewal_touches()
        self._routine_tickets()
        self._evidence()
        self._scare_evidence()
        self._account()

    @property
    def end(self) -> dt.date:
        """The last day anything happens with this customer."""
        return self.churned_on or self.last

    @property
    def start(self) -> dt.date:
        return max(self.since, self.window_start)

    def _between(self, low: dt.date, high: dt.date) -> dt.date:
        return low + self.rng.randint(0, max(0, (high - low).days)) * DAY

    def _at(self, day: dt.date, first_hour: int = 13, last_hour: int = 21) -> dt.datetime:
        # Business hours in the Americas and Europe overlap around 13:00-21:00 UTC.
        return dt.datetime(day.year, day.month, day.day, self.rng.randint(first_hour, last_hour),
                           self.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)), tzinfo=dt.UTC)

    def _dates(self) -> None:
        rng, today = self.rng, self.today
        if self.cause == Cause.PAYMENT_FAILED or (self.cause == Cause.NEVER_ADOPTED and self.segment != "enterprise"):
            self.period = "monthly"
        elif self.label == Scenario.AT_RISK or self.segment == "enterprise":
            self.period = "annual"
        elif self.segment == "mid-market":
            self.period = "monthly" if rng.random() < 0.12 else "annual"
        else:
            self.period = "monthly" if rng.random() < 0.55 else "annual"

        if self.label == Scenario.CHURNED:
            churn = today - rng.randint(7, 330) * DAY
            if self.period == "annual":  # an annual customer leaves at the end of a term
                terms = 1 if self.cause == Cause.NEVER_ADOPTED else rng.randint(1, 3)
                self.since = add_years(churn + DAY, -terms)
                churn = add_years(self.since, terms) - DAY
            elif self.cause == Cause.NEVER_ADOPTED:  # gone within months of signing
                self.since = churn - rng.randint(75, 160) * DAY
            else:
                self.since = churn - rng.randint(300, 1300) * DAY
            self.churned_on = churn
            # (drawn for every cause but a silent sponsor, so the other draws stay where they were)
            self.quiet = (self.cause != Cause.SPONSOR_SILENT and rng.random() < QUIET_SHARE
                          and self.cause != Cause.NEVER_ADOPTED)
            low, high = QUIET_LEAD_DAYS if self.quiet else LEAD_DAYS_CHURNED[self.cause]
            self.warning_on = churn - rng.randint(low, high) * DAY
        elif self.label == Scenario.AT_RISK:
            if self.period == "annual":  # renewal coming up (the first one, for a customer that never adopted)
                terms = 1 if self.cause == Cause.NEVER_ADOPTED else rng.randint(1, 4)
                self.since = add_years(today + rng.randint(14, 120) * DAY, -terms)
            elif self.cause == Cause.NEVER_ADOPTED:  # still in onboarding, two or three months in
                self.since = today - rng.randint(50, 85) * DAY
            else:
                self.since = today - rng.randint(200, 1300) * DAY
            low, high = LEAD_DAYS_AT_RISK[self.cause]
            self.warning_on = today - rng.randint(low, high) * DAY
        elif self.label == Scenario.NEW:
            self.since = today - rng.randint(3, 85) * DAY
        elif self.label == Scenario.EXPANDING:
            self.since = today - rng.randint(200, 1500) * DAY
        else:
            self.since = today - rng.randint(150, 1500) * DAY
        if self.cause == Cause.NEVER_ADOPTED:  # the go-live slips within weeks of the kickoff
            self.warning_on = self.since + rng.randint(20, 40) * DAY
        if self.warning_on is not None:
            self.warning_on = max(self.warning_on, self.since + 30 * DAY)
        if self.cause == Cause.COMPETITOR:
            self.competitor = rng.choice(texts.COMPETITORS)
        self._scare()

    def _scare(self) -> None:
        """A rough patch inside the history, over before today: warning signs on an account that stays."""
        rng = self.rng
        if self.pinned or rng.random() >= SCARE_SHARE.get(self.label, 0.0):
            return
        low, high = max(self.since + 60 * DAY, self.window_start + 20 * DAY), self.last - 45 * DAY
        if low >= high:
            return
        self.scare = weighted(rng, SCARE_CAUSES)
        self.scare_from = self._between(low, high)
        self.scare_until = min(self.scare_from + rng.randint(30, 100) * DAY, self.last - 5 * DAY)
        if self.scare == Cause.COMPETITOR:
            self.competitor = rng.choice(texts.COMPETITORS)
        if self.scare == Cause.PAYMENT_FAILED:
            self.scare_paid_on = min(self.scare_until, self.scare_from + rng.randint(10, 30) * DAY)

    def _in_scare(self, day: dt.date, cause: str | None = None) -> bool:
        return (bool(self.scare) and (cause is None or self.scare == cause)
                and self.scare_from <= day <= self.scare_until)

    # -- people
    def _person(self, used: set[str]) -> tuple[str, str]:
        for _ in range(100):
            first, last = self.rng.choice(texts.FIRST_NAMES), self.rng.choice(texts.LAST_NAMES)
            if f"{first} {last}" not in used:
                break
        used.add(f"{first} {last}")
        return first, last

    def _contacts(self) -> None:
        rng, seats = self.rng, self.seats0
        count = clamp(3 + round(1.6 * math.log2(seats)) + rng.randint(0, 3), 3, 28)
        count = min(count, seats + 2)
        domain = self._domain = f"{slug(self.name)}.example"
        used: set[str] = set()
        small = self.segment == "smb"
        for j in range(count):
            first, last = self._person(used)
            if j == 0:
                roles = ["executive_sponsor"]
                if small and rng.random() < 0.5:
                    roles.append("billing")
                if small and rng.random() < 0.4:
                    roles.append("user")
                title = rng.choice(texts.SPONSOR_TITLES[self.segment])
            elif j == 1:
                roles = ["champion", "user"] + (["admin"] if count <= 3 or small else [])
                title = rng.choice(texts.CHAMPION_TITLES)
            elif j == 2 or (j == 4 and count > 10):
                roles, title = ["admin", "user"], rng.choice(texts.ADMIN_TITLES)
            elif j == 3 and "billing" not in self.contacts[0].roles:
                roles, title = ["billing"], rng.choice(texts.BILLING_TITLES)
            else:
                roles, title = ["user"], rng.choice(texts.USER_TITLES)
            contact = ContactPlan(
                key=len(self.plan.contacts), account=self.idx, name=f"{first} {last}",
                email=f"{first}.{last}@{domain}".lower(), title=title, roles=tuple(roles),
                product_user_id=f"usr_{self.idx:04d}_{j:03d}" if "user" in roles else None,
            )
            self.plan.contacts.append(contact)
            self.contacts.append(contact)
        self.sponsor, self.champion = self.contacts[0], self.contacts[1]
        if not any("billing" in c.roles for c in self.contacts):  # too few people: the sponsor pays
            self.sponsor.roles += ("billing",)
        self.billing = next((c for c in self.contacts if "billing" in c.roles), self.sponsor)

        if self.cause == Cause.SPONSOR_LEFT:
            self.sponsor.left_on = self.warning_on
        earliest = max(self.since + 30 * DAY, self.window_start)
        for contact in self.contacts[2:]:  # ordinary staff turnover among the product's users
            if contact.roles == ("user",) and rng.random() < 0.06 and earliest < self.end:
                contact.left_on = self._between(earliest, self.end)

        community: dict[int, list[str]] = {}
        users = [c for c in self.contacts[2:] if "user" in c.roles]

        def mark(contact: ContactPlan, role: str) -> None:
            community.setdefault(contact.key, []).append(role)

        if self.label == Scenario.EXPANDING:
            if rng.random() < 0.7:
                mark(self.champion, "promoter")
            if users and rng.random() < 0.4:
                mark(rng.choice(users), "maven")
        elif self.label == Scenario.STEADY:
            if rng.random() < 0.3:
                mark(self.champion, "promoter")
            if users and rng.random() < 0.12:
                mark(rng.choice(users), "maven")
        elif self.label in (Scenario.AT_RISK, Scenario.CHURNED):
            if rng.random() < (0.55 if self.cause == Cause.COMPETITOR else 0.35):
                mark(self.champion, "detractor")
            if users and rng.random() < 0.3:
                mark(rng.choice(users), "detractor")
        for contact in self.contacts:
            contact.community_roles = tuple(community.get(contact.key, ()))

    def _active(self, day: dt.date) -> list[ContactPlan]:
        return [c for c in self.contacts if c.active_on(day)]

    def _sponsor_reachable(self, day: dt.date) -> bool:
        if not self.sponsor.active_on(day) or self._in_scare(day, Cause.SPONSOR_SILENT):
            return False
        return not (self.cause in SPONSOR_CAUSES and self.warning_on is not None and day >= self.warning_on)

    # -- money
    def _subscriptions(self) -> None:
        rng, period = self.rng, self.period
        plan_weights = {
            "smb": {"Starter": 70, "Growth": 30},
            "mid-market": {"Starter": 10, "Growth": 75, "Enterprise": 15},
            "enterprise": {"Growth": 20, "Enterprise": 80},
        }[self.segment]
        plan_name = weighted(rng, plan_weights)
        end_date = add_years(self.since, 1) - DAY if period == "annual" else None
        status = "trialing" if self.label == Scenario.NEW else "active"
        first = SubState(plan_name, self.seats0, price(plan_name, period, self.seats0), "USD", self.since,
                         end_date, status, period)

        events: list[tuple[dt.date, int, str, tuple]] = []
        limit = self.end
        if period == "annual":
            k = 1
            while (renewal := add_years(self.since, k)) <= limit:
                self.renewals.append(renewal)
                events.append((renewal, 0, "renew", ()))
                k += 1
        if self.label == Scenario.NEW and self.since + 14 * DAY <= self.last:
            events.append((self.since + 14 * DAY, 1, "status", ("active",)))

        window_low = max(self.since + 45 * DAY, self.window_start + 10 * DAY)
        if self.label == Scenario.EXPANDING:
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                if window_low < self.last - 5 * DAY:
                    step = 1 if rng.random() < 0.3 else 0
                    events.append((self._between(window_low, self.last - 5 * DAY), 1, "seats",
                                   (rng.uniform(1.1, 1.6), step)))
        elif self.label == Scenario.STEADY and not self.pinned:
            roll = rng.random()
            if roll < 0.12:  # a reorganisation trims seats, without putting the account at risk
                in_window = [r for r in self.renewals if r >= self.window_start]
                day = in_window[-1] if in_window and period == "annual" else self._between(window_low, self.last)
                events.append((day, 1, "seats", (rng.uniform(0.7, 0.92), -1 if rng.random() < 0.2 else 0)))
            elif roll < 0.22:
                events.append((self._between(window_low, self.last), 1, "seats", (rng.uniform(1.05, 1.25), 0)))
            if rng.random() < 0.08:  # a late payment, settled
                late = self._between(window_low, self.last - 20 * DAY)
                events.append((late, 1, "status", ("past_due",)))
                events.append((late + rng.randint(3, 15) * DAY, 1, "status", ("active",)))
        elif self.cause == Cause.SEAT_CUT:
            events.append((self.warning_on, 1, "seats", (rng.uniform(0.55, 0.8), -1 if rng.random() < 0.4 else 0)))
            if self.churned_on and self.warning_on + 40 * DAY < self.churned_on - 10 * DAY:
                second = self._between(self.warning_on + 40 * DAY, self.churned_on - 10 * DAY)
                events.append((second, 1, "seats", (rng.uniform(0.6, 0.85), 0)))
        elif self.cause == Cause.PAYMENT_FAILED:
            earlier = self.warning_on - 60 * DAY
            if earlier > self.since + 30 * DAY and rng.random() < 0.5:
                events.append((earlier, 1, "status", ("past_due",)))
                events.append((earlier + rng.randint(4, 10) * DAY, 1, "status", ("active",)))
            events.append((self.warning_on, 1, "status", ("past_due",)))
        if self.scare == Cause.PAYMENT_FAILED:
            events.append((self.scare_from, 1, "status", ("past_due",)))
            events.append((self.scare_paid_on, 1, "status", ("active",)))
        if self.churned_on:
            events.append((self.churned_on, 2, "cancel", ()))

        main = SubscriptionPlan(self.idx, f"sub_DM{self.idx:06d}A", self._run(first, events))
        self.main = main
        self.subscriptions.append(main)
        self.plan.subscriptions.append(main)

        # Cross-sell: an add-on co-termed with the main annual subscription, renewed with it.
        if (self.label in (Scenario.STEADY, Scenario.EXPANDING) and self.segment != "smb" and period == "annual"
                and self.since < self.window_start and rng.random() < 0.25):
            start = self._between(self.window_start + 30 * DAY, self.last - 30 * DAY)
            base = main.state_on(start)
            seats = clamp(round(base.seats * rng.uniform(0.2, 0.5)), MIN_SEATS, MAX_SEATS)
            addon = SubState(ADDON_PLAN, seats, price(ADDON_PLAN, "annual", seats), "USD", start, base.end_date,
                             "active", "annual")
            renewals = [(r, 0, "renew", ()) for r in self.renewals if r > start]
            sub = SubscriptionPlan(self.idx, f"sub_DM{self.idx:06d}B", self._run(addon, renewals))
            self.subscriptions.append(sub)
            self.plan.subscriptions.append(sub)

    def _run(self, first: SubState, events: list[tuple[dt.date, int, str, tuple]]) -> list[ChangePlan]:
        history = [ChangePlan(first.start_date, first)]
        state = first
        for day, _, kind, args in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            if day <= first.start_date or day > self.end:
                continue
            new = self._apply(state, day, kind, args)
            if new == state:
                continue
            if day == history[-1].effective_on:  # two changes the same day are one state
                history[-1] = ChangePlan(day, new)
            else:
                history.append(ChangePlan(day, new))
            state = new
        return history

    @staticmethod
    def _apply(state: SubState, day: dt.date, kind: str, args: tuple) -> SubState:
        if kind == "renew":
            return replace(state, start_date=day, end_date=add_years(day, 1) - DAY)
        if kind == "status":
            return replace(state, status=args[0])
        if kind == "cancel":
            return replace(state, status="canceled", end_date=state.end_date or day)
        factor, step = args  # "seats"
        seats = round(state.seats * factor)
        seats = max(seats, state.seats + 2) if factor > 1 else min(seats, state.seats - 1)
        seats = clamp(seats, MIN_SEATS, MAX_SEATS)
        plan = state.plan
        if plan in PLANS:
            plan = PLANS[clamp(PLANS.index(plan) + step, 0, len(PLANS) - 1)]
        return replace(state, seats=seats, plan=plan, mrr=price(plan, state.billing_period, seats))

    # -- timeline
    def _touch(self, day: dt.date, kind: str, summary: str, sentiment: str,
               contacts: list[ContactPlan] = ()) -> None:
        keys = tuple(sorted({c.key for c in contacts if c.active_on(day)}))
        self.plan.touches.append(TouchPlan(self.idx, kind, self.author, self._at(day), summary, sentiment, keys))

    def _words(self, day: dt.date) -> dict:
        champion = self.champion.name if self.champion.active_on(day) else "the team"
        return {"champion": champion, "sponsor": self.sponsor.name, "company": self.name,
                "feature": self.rng.choice(texts.FEATURES), "competitor": self.competitor}

    def _troubled(self, day: dt.date) -> bool:
        return (self.warning_on is not None and day >= self.warning_on) or self._in_scare(day)

    def _mood(self, day: dt.date) -> str:
        if self._troubled(day):
            weights = {"positive": 8, "neutral": 60, "negative": 32}
        elif self.label in (Scenario.AT_RISK, Scenario.CHURNED):
            weights = {"positive": 30, "neutral": 60, "negative": 10}
        elif self.label in (Scenario.EXPANDING, Scenario.NEW):
            weights = {"positive": 55, "neutral": 42, "negative": 3}
        else:
            weights = {"positive": 40, "neutral": 53, "negative": 7}
        return weighted(self.rng, weights)

    def _onboarding(self) -> None:
        if self.since < self.window_start:
            return
        admin = next((c for c in self.contacts if "admin" in c.roles), self.champion)
        steps = (
            (self.rng.randint(1, 4), "meeting",
             "Kickoff with {sponsor} and {champion}: success criteria agreed, go-live planned within 30 days.",
             [self.sponsor, self.champion, admin]),
            (self.rng.randint(8, 20), "call", f"Admin training with {admin.name}: users, permissions and SSO.",
             [admin]),
            (self.rng.randint(30, 45), "meeting",
             "Go-live review with {champion}: first teams live, next wave scheduled.", [self.champion]),
        )
        for offset, kind, summary, people in steps:
            day = self.since + offset * DAY
            if day <= self.end:
                self._touch(day, kind, summary.format(**self._words(day)), "positive", people)

    def _routine_touches(self) -> None:
        rng = self.rng
        gap = {"enterprise": 9, "mid-market": 16, "smb": 38}[self.segment]
        kinds = ({"call": 20, "email": 55, "meeting": 5, "note": 20} if self.segment == "smb"
                 else {"call": 32, "email": 30, "meeting": 18, "note": 20})
        day = self.start + rng.randint(1, gap) * DAY
        while day <= self.end:
            kind = weighted(rng, kinds)
            mood = self._mood(day)
            summary = rng.choice(texts.TOUCHES[kind][mood]).format(**self._words(day))
            people = []
            if kind != "note":
                active = self._active(day)
                if self.champion.active_on(day):
                    people.append(self.champion)
                others = [c for c in active if c is not self.sponsor and c is not self.champion]
                if kind == "meeting" and others:
                    people += rng.sample(others, min(len(others), rng.randint(1, 3)))
                elif kind == "call" and others and rng.random() < 0.4:
                    people.append(rng.choice(others))
                if kind == "meeting" and self._sponsor_reachable(day) and rng.random() < 0.3:
                    people.append(self.sponsor)
                candidates = [c for c in active if c is not self.sponsor or self._sponsor_reachable(day)]
                if not people and candidates:
                    people.append(rng.choice(candidates))
            sentiment = "" if rng.random() < 0.1 else mood
            self._touch(day, kind, summary, sentiment, people)
            pace = gap * (0.75 if self._troubled(day) else 1.0)
            day += max(1, round(rng.expovariate(1 / pace))) * DAY

    def _qbrs(self) -> None:
        if self.segment == "smb" or self.period != "annual":
            return
        k = 1
        while (day := self.since + 91 * k * DAY) <= self.end:
            k += 1
            if day < self.window_start or (self.churned_on and day > self.churned_on - 30 * DAY):
                continue
            mood = self._mood(day)
            people = [self.champion]
            if mood == "positive" and self._sponsor_reachable(day):
                people.append(self.sponsor)
            else:
                mood = "neutral" if mood == "positive" else mood
            self._touch(day, "qbr", texts.QBR[mood].format(**self._words(day)), mood, people)

    def _renewal_touches(self) -> None:
        if self.period != "annual":
            return
        upcoming = None
        if self.main.current.status in LIVE and self.main.current.end_date:
            upcoming = self.main.current.end_date + DAY
        lost = self.churned_on + DAY if self.churned_on else None
        for renewal in [*self.renewals, upcoming, lost]:
            if renewal is None:
                continue
            day = renewal - self.rng.randint(30, 70) * DAY
            if renewal in (lost, upcoming) and self.warning_on:  # the cause shows before the renewal talk
                day = max(day, self.warning_on + self.rng.randint(7, 20) * DAY)
            if not (self.start <= day <= self.end):
                continue
            words = self._words(day)
            if renewal == lost and self.quiet:  # no verdict yet: they say it late, or not at all
                summary = (f"Renewal call with {words['champion']}: {self.name} is reviewing budgets and will decide "
                           "closer to the date.")
                self._touch(day, "call", summary, "neutral", [self.champion])
            elif renewal == lost:
                reason = CHURN_REASONS[self.cause].format(**words)
                summary = (f"Renewal call with {words['champion']}: {self.name} will not renew at the end of the "
                           f"term. Reason given: {reason}.")
                self._touch(day, "call", summary, "negative", [self.champion])
            elif renewal == upcoming and self.label == Scenario.AT_RISK:
                summary = (f"Renewal prep with {words['champion']}: the renewal on {renewal:%d %b %Y} is uncertain; "
                           "they want to see value before committing.")
                self._touch(day, "call", summary, "negative", [self.champion])
            elif renewal != upcoming:
                summary = f"Renewal call with {words['champion']}: {self.name} confirmed the renewal."
                self._touch(day, "call", summary, "positive", [self.champion])

    # -- support
    def _ticket(self, day: dt.date, category: str, subject: str, body: str, contact: ContactPlan | None,
                priority: str | None = None, unhappy: bool = False) -> None:
        rng = self.rng
        priority = priority or weighted(rng, {"low": 20, "normal": 55, "high": 20, "urgent": 5})
        opened = self._at(day, 12, 22)
        low, high = {"urgent": (1, 8), "high": (3, 48), "normal": (6, 120), "low": (24, 240)}[priority]
        resolved = opened + dt.timedelta(hours=rng.randint(low, high), minutes=rng.randint(0, 59))
        cutoff = dt.datetime(self.today.year, self.today.month, self.today.day, tzinfo=dt.UTC)
        csat = None
        if resolved < cutoff:
            status = "closed" if (cutoff - resolved).days > 14 else "solved"
            if rng.random() < 0.55:
                weights = ({5: 15, 4: 20, 3: 25, 2: 20, 1: 20} if unhappy or self._troubled(day)
                           else {5: 52, 4: 28, 3: 11, 2: 5, 1: 4})
                csat = weighted(rng, weights)
        else:
            status, resolved = rng.choice(("new", "open", "open", "pending")), None
        self.plan.tickets.append(TicketPlan(self.idx, contact.key if contact else None, subject, body, category,
                                            priority, status, opened, resolved, csat))

    def _requester(self, day: dt.date) -> ContactPlan | None:
        people = [c for c in self._active(day) if "user" in c.roles or "admin" in c.roles]
        if not people or self.rng.random() < 0.08:
            return None
        return self.rng.choice(people)

    def _routine_tickets(self) -> None:
        rng = self.rng
        days = (self.end - self.start).days + 1
        rate = min(40.0, 2 + self.seats0 / 30) * days / HISTORY_DAYS
        if self.label in (Scenario.AT_RISK, Scenario.CHURNED):
            rate *= 1.3
        for _ in range(poisson(rng, rate)):
            day = self._between(self.start, self.end)
            category = weighted(rng, texts.TICKET_CATEGORY_WEIGHTS)
            subject, body = rng.choice(texts.TICKETS[category])
            words = {"feature": rng.choice(texts.FEATURES), "company": self.name, "n": rng.randint(5, 40)}
            priority = "low" if category == "feature request" else None
            self._ticket(day, category, subject.format(**words), body.format(**words), self._requester(day),
                         priority)

    # -- the cause, written where a CSM would find it
    def _evidence(self) -> None:
        if not self.cause:
            return
        rng, w, end = self.rng, self.warning_on, self.end
        sponsor = self.sponsor
        words = self._words(w)
        champion = words["champion"]
        if self.cause == Cause.SPONSOR_LEFT:
            self._touch(min(end, w + rng.randint(2, 12) * DAY), "note",
                        f"Learned from {champion} that {sponsor.name} ({sponsor.title}), our executive sponsor, "
                        f"has left {self.name}. No new sponsor named yet.", "negative", [self.champion])
            later = w + rng.randint(20, 45) * DAY
            if later <= end:
                self._touch(later, "email", f"Asked {champion} to introduce us to {sponsor.name}'s successor; "
                            "no introduction yet.", "negative", [self.champion])
        elif self.cause == Cause.SPONSOR_SILENT:
            met = w - rng.randint(1, 5) * DAY
            self._touch(met, "meeting",
                        f"Meeting with {sponsor.name} and {champion}: {sponsor.name} asked for a cost review "
                        "before the renewal.", "neutral", [sponsor, self.champion])
            for attempt, offset in enumerate((rng.randint(25, 35), rng.randint(55, 70), rng.randint(85, 100)), 1):
                day = w + offset * DAY
                if day <= end:
                    self._touch(day, "note", f"Emailed {sponsor.name} (executive sponsor) to schedule the business "
                                f"review; no reply (attempt {attempt}). Last met on {met:%d %b %Y}.",
                                "negative")
        elif self.cause == Cause.USAGE_DECLINE:
            before = max(MIN_SEATS // 2, round(self.main.state_on(w).seats * rng.uniform(0.55, 0.8)))
            now = max(1, round(before * rng.uniform(0.3, 0.5)))
            day = min(end, w + rng.randint(20, 40) * DAY)
            self._touch(day, "note", f"Weekly active users at {self.name} down to {now} (from {before}) since "
                        f"{w:%B}; {champion} says teams moved back to spreadsheets. Usage is declining.",
                        "negative", [self.champion])
            day = min(end, w + rng.randint(40, 80) * DAY)
            self._ticket(day, "access", "Deactivate inactive users",
                         "Many of our users have not logged in for months and usage keeps dropping; please help "
                         "us deactivate them before the next invoice.", self._requester(day) or self.champion,
                         "normal", unhappy=True)
        elif self.cause == Cause.SEAT_CUT:
            before = self.main.history[0].state
            for change in self.main.history[1:]:
                if change.state.seats < before.seats:
                    self._ticket(max(self.start, change.effective_on - rng.randint(5, 15) * DAY), "billing",
                                 "Reduce our seat count",
                                 f"Because of budget cuts we need to reduce from {before.seats} to "
                                 f"{change.state.seats} seats.", self.billing if self.billing.active_on(
                                     change.effective_on) else self.champion, "normal")
                    self._touch(change.effective_on, "note",
                                f"{self.name} cut seats from {before.seats} to {change.state.seats} after budget "
                                "cuts; a hiring freeze was mentioned.", "negative", [self.champion])
                before = change.state
        elif self.cause == Cause.PAYMENT_FAILED:
            self._ticket(min(end, w + rng.randint(1, 3) * DAY), "billing", "Card declined on the latest invoice",
                         "Our payment failed; finance is reviewing all software spend before paying.",
                         self.billing, "high")
            self._touch(min(end, w + rng.randint(4, 9) * DAY), "email",
                        f"Reminded {self.billing.name} that the invoice is past due; the payment retry failed.",
                        "negative", [self.billing])
        elif self.cause == Cause.COMPETITOR:
            self._competitor_call(w, words)
            self._export_request(min(end, w + rng.randint(5, 30) * DAY))
        elif self.cause == Cause.NEVER_ADOPTED:
            self._touch(w, "note", f"Go-live for {self.name} slipped again: {champion} says the team has had no time "
                        "to set up; only a handful of users have logged in.", "negative", [self.champion])
            day = min(end, w + rng.randint(5, 20) * DAY)
            self._ticket(day, "how-to", "How do we import our existing data?",
                         "We still have not moved our data in; is there a guide for importing from spreadsheets?",
                         self._requester(day) or self.champion, "normal")
            day = w + rng.randint(30, 50) * DAY
            if day <= end:
                self._touch(day, "email", f"Offered {champion} a second onboarding session; no date agreed yet.",
                            "neutral", [self.champion])
        if self.churned_on:
            day = min(self.last, self.churned_on + rng.randint(0, 3) * DAY)
            reason = CHURN_REASONS[self.cause].format(**words)
            self._touch(day, "note", f"Churned on {self.churned_on:%d %b %Y}: {reason}.", "negative")

    def _competitor_call(self, day: dt.date, words: dict) -> None:
        self._touch(day, "call", f"{words['champion']} says {self.name} is evaluating {self.competitor}; pricing and "
                    f"{words['feature']} came up.", "negative", [self.champion])

    def _export_request(self, day: dt.date) -> None:
        self._ticket(day, "how-to", "Full data export",
                     f"We need a complete export of our projects and users. We are comparing our setup with "
                     f"{self.competitor}.", self._requester(day) or self.champion, "normal", unhappy=True)

    def _scare_evidence(self) -> None:
        """What a rough patch leaves behind: the same kind of signs as a leaver's, then how it was resolved."""
        if not self.scare:
            return
        rng, start, until = self.rng, self.scare_from, self.scare_until
        words = self._words(start)
        champion = words["champion"]
        if self.scare == Cause.COMPETITOR:
            self._competitor_call(start, words)
            if rng.random() < 0.5:
                self._export_request(start + rng.randint(5, 20) * DAY)
            self._touch(until, "call", f"{champion}: after comparing us with {self.competitor}, {self.name} is "
                        "staying; the evaluation is closed.", "positive", [self.champion])
        elif self.scare == Cause.USAGE_DECLINE:
            day = min(until, start + rng.randint(14, 30) * DAY)
            self._touch(day, "note", f"Active users at {self.name} dropping since {start:%d %b}; {champion} says a "
                        "reorganisation paused two teams.", "negative", [self.champion])
            self._touch(until, "note", f"Usage at {self.name} recovering: the paused teams are back and {champion} "
                        "is running refresher training.", "positive", [self.champion])
        elif self.scare == Cause.SPONSOR_SILENT:
            sponsor = self.sponsor
            for attempt, offset in enumerate((rng.randint(20, 30), rng.randint(45, 60)), 1):
                day = start + offset * DAY
                if day < until:
                    self._touch(day, "note", f"Emailed {sponsor.name} (executive sponsor) to schedule the business "
                                f"review; no reply (attempt {attempt}).", "negative")
            self._touch(until, "meeting", f"Met {sponsor.name} and {champion} at last: priorities confirmed and the "
                        "renewal is supported.", "positive", [sponsor, self.champion])
        elif self.scare == Cause.PAYMENT_FAILED:
            self._ticket(start + rng.randint(0, 2) * DAY, "billing", "Card declined on the latest invoice",
                         "Our card expired and the invoice bounced; finance will update the payment details.",
                         self.billing, "high")
            self._touch(min(self.scare_paid_on, start + rng.randint(4, 9) * DAY), "email",
                        f"Reminded {self.billing.name} that the invoice is past due.", "negative", [self.billing])
            self._touch(self.scare_paid_on, "note", f"Payment received from {self.name}; the account is current "
                        "again.", "positive")

    # -- the account row and its ground truth
    def _account(self) -> None:
        rng, today = self.rng, self.today
        current = self.main.current
        if self.churned_on:
            stage = "churned"
        elif (today - self.since).days < 90:
            stage = "onboarding"
        elif current.end_date and (current.end_date - today).days <= 90:
            stage = "renewing"
        elif (today - self.since).days < 180:
            stage = "adopting"
        else:
            stage = "mature"

        scenario = ScenarioPlan(self.label, self.cause, self.churned_on, self.warning_on, self.competitor)
        if self.label == Scenario.NEW:
            scenario.usage_trend, scenario.usage_change_on = UsageTrend.RAMPING, self.since
            scenario.active_share = round(rng.uniform(0.3, 0.5), 2)
        elif self.label == Scenario.EXPANDING:
            grown = [c.effective_on for c in self.main.history[1:] if c.state.seats > self.seats0]
            scenario.usage_trend = UsageTrend.GROWING
            scenario.usage_change_on = max(self.start, (grown[0] if grown else self.start) - 60 * DAY)
            scenario.active_share = round(rng.uniform(0.7, 0.9), 2)
        elif self.label == Scenario.STEADY:
            # some steady customers bought seats for everyone and use a few (shelfware that still renews)
            scenario.active_share = round(rng.uniform(0.3, 0.85), 2)
        elif self.cause == Cause.NEVER_ADOPTED:
            scenario.active_share = round(rng.uniform(0.1, 0.3), 2)
            if self.churned_on:
                scenario.usage_trend = UsageTrend.DECLINING
                scenario.usage_change_on = max(self.warning_on, self.churned_on - 60 * DAY)
        else:
            scenario.active_share = round(rng.uniform(0.4, 0.8), 2)
            if self.cause == Cause.USAGE_DECLINE:
                scenario.usage_trend, scenario.usage_change_on = UsageTrend.DECLINING, self.warning_on
            elif self.churned_on:  # every leaver fades out before the end
                scenario.usage_trend = UsageTrend.DECLINING
                scenario.usage_change_on = max(self.warning_on, self.churned_on - 60 * DAY)
        scenario.scare, scenario.scare_from, scenario.scare_until = self.scare, self.scare_from, self.scare_until
        scenario.notes = self._notes()

        self.plan.accounts.append(AccountPlan(
            key=self.idx, name=self.name, domain=self._domain, crm_id=f"001DM{self.idx:010d}",
            billing_id=f"cus_DM{self.idx:08d}", product_group_id=f"org_{slug(self.name).replace('-', '_')}",
            industry=self.industry, segment=self.segment, stage=stage, owner=self.owner,
            custom={"customer_since": self.since.isoformat(),
                    "region": rng.choices(texts.REGIONS, weights=texts.REGION_WEIGHTS)[0],
                    "employees": clamp(round(self.seats0 * rng.uniform(1.5, 6)), 8, 50000)},
            scenario=scenario,
        ))

    def _notes(self) -> str:
        s = self.sponsor
        parts = {
            Cause.SPONSOR_LEFT: f"Executive sponsor {s.name} ({s.title}) left on {self.warning_on}; no successor.",
            Cause.SPONSOR_SILENT: f"Executive sponsor {s.name} stopped responding after {self.warning_on}.",
            Cause.USAGE_DECLINE: f"Usage declining from {self.warning_on}; teams went back to spreadsheets.",
            Cause.SEAT_CUT: f"Seats cut from {self.warning_on} after budget cuts.",
            Cause.PAYMENT_FAILED: f"Payment failed on {self.warning_on}; subscription past due.",
            Cause.COMPETITOR: f"Evaluating {self.competitor} from {self.warning_on}.",
            Cause.NEVER_ADOPTED: f"Never got past onboarding; the go-live slipped from {self.warning_on}.",
        }
        text = parts.get(self.cause, {
            Scenario.NEW: f"Signed on {self.since}; onboarding.",
            Scenario.EXPANDING: "Healthy and growing: seats added during the year.",
            Scenario.STEADY: "Healthy, stable usage.",
        }.get(self.label, ""))
        if self.scare:
            text += (f" Came through a rough patch ({Cause(self.scare).label.lower()}) from {self.scare_from} to "
                     f"{self.scare_until}.")
        if self.quiet:
            text += " Left with little warning."
        if self.churned_on:
            text += f" Churned on {self.churned_on}."
        elif self.label == Scenario.AT_RISK and self.main.current.end_date:
            text += f" Renewal due {self.main.current.end_date + DAY}."
        return text
