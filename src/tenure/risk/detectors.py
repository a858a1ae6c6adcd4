"""Signal detectors: pure functions from one account's facts (plain values) and the thresholds to candidates.

Nothing here touches the database or a request: services.py loads the facts for a batch of accounts, calls
``detect`` per account, and reconciles the candidates with the stored signals. Every candidate carries the
numbers that made it fire and references to the records behind it (model and id; services add the links).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields

from tenure.facts.account import (  # noqa: F401  (the facts the detectors read)
    ROLE_LABELS,
    AccountFacts,
    AnswerFact,
    ContactFact,
    FeatureFact,
    MilestoneFact,
    SubscriptionFact,
    SubscriptionMove,
    TextRecord,
    TicketFact,
    Windows,
)
from tenure.risk.models import (
    DEFAULT_CHURN_PHRASES,
    DEFAULT_COMPETITORS,
    KIND_DRIVER,
    Driver,
    Severity,
    SignalKind,
)

# ---- inputs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    usage_window_days: int = 30
    active_users_drop_pct: int = 30
    active_users_drop_days: int = 90
    active_users_min: int = 5
    low_utilization_pct: int = 30
    adoption_target_pct: int = 50
    logins_plateau_pct: int = 5
    key_feature_min_users: int = 5
    onboarding_days: int = 60
    contact_touch_days: int = 90
    no_touch_days: int = 60
    ticket_unresolved_days: int = 7
    seats_lookback_days: int = 180
    seats_drop_pct: int = 10
    payment_overdue_days: int = 14
    competition_days: int = 90
    renewal_days: int = 90
    expansion_utilization_pct: int = 90
    milestone_overdue_days: int = 7
    detractor_days: int = 90
    community_unanswered_hours: int = 48
    influential_reach: int = 10
    community_segments: tuple[str, ...] = ("Enterprise",)
    # the same lists a new RiskSettings row starts with (a test keeps every default equal to the model's)
    competitor_names: tuple[str, ...] = tuple(DEFAULT_COMPETITORS.splitlines())
    churn_phrases: tuple[str, ...] = tuple(DEFAULT_CHURN_PHRASES.splitlines())

    @property
    def windows(self) -> Windows:
        """The fact windows these thresholds compare over, for loading the facts the detectors read."""
        return Windows(usage=self.usage_window_days, earlier=self.active_users_drop_days,
                       seats_lookback=self.seats_lookback_days, texts=self.competition_days, nps=self.detractor_days)

    @classmethod
    def from_settings(cls, obj) -> Thresholds:
        """From a RiskSettings row (or anything with the same attributes); lists are one entry per line."""
        values = {}
        for f in fields(cls):
            value = getattr(obj, f.name)
            if f.name in ("competitor_names", "churn_phrases", "community_segments"):
                lines = (value or "").splitlines() if isinstance(value, str) else value
                value = tuple(line.strip() for line in lines if line.strip())
            values[f.name] = value
        return cls(**values)


@dataclass
class Candidate:
    kind: str
    title: str
    severity: str = Severity.MEDIUM
    subject: str = ""
    numbers: dict = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)  # {"model", "id", "label"}
    quotes: list[dict] = field(default_factory=list)  # {"model", "id", "text", "match"}

    @property
    def driver(self) -> str:
        return str(KIND_DRIVER[self.kind])

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.subject}" if self.subject else str(self.kind)

    @property
    def evidence(self) -> dict:
        return {"numbers": self.numbers, "records": self.records, "quotes": self.quotes}


def _pct(x: float | None) -> float | None:
    return None if x is None else round(x * 100, 1)


def _days(a: dt.date, b: dt.date | None) -> int | None:
    return None if b is None else (a - b).days


# ---- disengagement -----------------------------------------------------------------------------------------


def active_users_drop(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    before, now = f.active_users_earlier, f.active_users
    if before < max(1, t.active_users_min):
        return []
    drop = (before - now) / before
    if drop * 100 < t.active_users_drop_pct:
        return []
    return [Candidate(
        SignalKind.ACTIVE_USERS_DROP,
        f"Active users down {round(drop * 100)}%: {now} in the last {t.usage_window_days} days, "
        f"{before} {t.active_users_drop_days} days earlier",
        Severity.HIGH if drop >= 0.5 else Severity.MEDIUM,
        numbers={"active_users": now, "active_users_earlier": before, "drop_pct": _pct(drop),
                 "window_days": t.usage_window_days, "compared_days_earlier": t.active_users_drop_days,
                 "threshold_pct": t.active_users_drop_pct},
        records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
    )]


def logins_plateau(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """Still ramping (onboarding, adopting), under the adoption target, and logins stopped growing."""
    if f.stage not in ("onboarding", "adopting") or f.settled_utilization is None or not f.logins_before:
        return []
    if f.settled_utilization * 100 >= t.adoption_target_pct:
        return []
    growth = (f.logins - f.logins_before) / f.logins_before
    if growth * 100 >= t.logins_plateau_pct:
        return []
    return [Candidate(
        SignalKind.LOGINS_PLATEAU,
        f"Logins flat ({f.logins} vs {f.logins_before}) with utilization at {round(f.settled_utilization * 100)}%, "
        f"under the {t.adoption_target_pct}% target",
        Severity.LOW,
        numbers={"logins": f.logins, "logins_before": f.logins_before, "growth_pct": _pct(growth),
                 "utilization_pct": _pct(f.settled_utilization), "adoption_target_pct": t.adoption_target_pct,
                 "window_days": t.usage_window_days},
        records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
    )]


def low_utilization(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """Paid capacity unused. Not during onboarding: onboarding_stalled judges those accounts."""
    if f.stage == "onboarding" or f.settled_utilization is None or f.settled_utilization * 100 >= t.low_utilization_pct:
        return []
    return [Candidate(
        SignalKind.LOW_UTILIZATION,
        f"Utilization {round(f.settled_utilization * 100)}%: {f.active_users} active users for {f.seats} seats",
        Severity.HIGH if f.settled_utilization < t.low_utilization_pct / 200 else Severity.MEDIUM,
        numbers={"active_users": f.active_users, "seats": f.seats, "utilization_pct": _pct(f.settled_utilization),
                 "threshold_pct": t.low_utilization_pct, "window_days": t.usage_window_days},
        records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
    )]


def key_feature_abandoned(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    out = []
    for feat in f.features:
        if feat.users_now == 0 and feat.users_before >= max(1, t.key_feature_min_users):
            out.append(Candidate(
                SignalKind.KEY_FEATURE_ABANDONED,
                f"Key feature “{feat.label}” abandoned: {feat.users_before} users before, none in the last "
                f"{t.usage_window_days} days",
                Severity.MEDIUM, subject=feat.event,
                numbers={"feature": feat.event, "users_before": feat.users_before, "users_now": 0,
                         "window_days": t.usage_window_days, "threshold_users": t.key_feature_min_users},
                records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
            ))
    return out


def onboarding_stalled(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """Milestone-based detection arrives with onboarding projects; until then: too long in onboarding, low use."""
    if f.stage != "onboarding" or f.customer_since is None or f.settled_utilization is None:
        return []
    days = (f.as_of - f.customer_since).days
    if days <= t.onboarding_days or f.settled_utilization * 100 >= t.low_utilization_pct:
        return []
    util = f.settled_utilization
    return [Candidate(
        SignalKind.ONBOARDING_STALLED,
        f"Onboarding for {days} days with utilization at {round(util * 100)}%",
        Severity.HIGH,
        numbers={"days_in_onboarding": days, "threshold_days": t.onboarding_days, "utilization_pct": _pct(util),
                 "utilization_threshold_pct": t.low_utilization_pct, "customer_since": f.customer_since.isoformat()},
        records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
    )]


def milestone_overdue(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """Onboarding milestones still open well past their due date: the project has stalled."""
    late = [(m, (f.as_of - m.due_on).days) for m in f.overdue_milestones]
    late = [(m, days) for m, days in late if days > t.milestone_overdue_days]
    if not late:
        return []
    worst = max(days for _, days in late)
    first = min(late, key=lambda x: x[0].due_on)[0]
    more = f" and {len(late) - 1} more" if len(late) > 1 else ""
    return [Candidate(
        SignalKind.MILESTONE_OVERDUE, f"Onboarding milestone “{first.title}” overdue by {worst} days{more}",
        Severity.HIGH if worst > 3 * t.milestone_overdue_days else Severity.MEDIUM,
        numbers={"overdue_milestones": len(late), "most_days_overdue": worst,
                 "threshold_days": t.milestone_overdue_days},
        records=[{"model": "engagement.milestone", "id": m.id, "label": f"{m.title} (due {m.due_on.isoformat()})"}
                 for m, _ in late],
    )]


# ---- disconnection -----------------------------------------------------------------------------------------


def detractor(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """A person's latest NPS answer is 0-6: they would not recommend us. One signal per person."""
    out = []
    for a in f.nps_answers:
        age = (f.as_of - a.answered_on).days
        if a.score > 6 or age > t.detractor_days:
            continue
        said = f": “{a.comment[:140]}”" if a.comment else ""
        out.append(Candidate(
            SignalKind.DETRACTOR, f"{a.who} answered NPS {a.score}{said}",
            Severity.HIGH if a.score <= 3 else Severity.MEDIUM,
            subject=f"contact:{a.contact_id}" if a.contact_id else "account",
            numbers={"score": a.score, "answered_on": a.answered_on.isoformat(), "days_ago": age},
            records=[{"model": "surveys.surveyresponse", "id": a.id, "label": f"NPS {a.score} from {a.who}"}],
        ))
    return out

def influential_detractor(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """A detractor (latest NPS 0-6) whose voice carries in the community: what they say, others read."""
    out = []
    for a in f.nps_answers:
        reach = f.community.reach.get(a.contact_id or 0, 0)
        if a.score > 6 or (f.as_of - a.answered_on).days > t.detractor_days or reach < t.influential_reach:
            continue
        out.append(Candidate(
            SignalKind.INFLUENTIAL_DETRACTOR,
            f"{a.who} answered NPS {a.score} and is heard in the community (reach {reach})", Severity.HIGH,
            subject=f"contact:{a.contact_id}",
            numbers={"score": a.score, "answered_on": a.answered_on.isoformat(), "reach": reach,
                     "threshold_reach": t.influential_reach},
            records=[{"model": "surveys.surveyresponse", "id": a.id, "label": f"NPS {a.score} from {a.who}"},
                     {"model": "community.member", "id": a.contact_id, "label": f"{a.who} in the community"}],
        ))
    return out


def community_unanswered(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """A question someone at a watched account asked in the community waits for an answer: nobody replied."""
    watched = {s.strip().lower() for s in t.community_segments if s.strip()}
    if watched and (f.segment or "").strip().lower() not in watched:
        return []
    waiting = [q for q in f.community.unanswered if q.hours_waiting >= t.community_unanswered_hours]
    if not waiting:
        return []
    oldest = waiting[0]
    more = f" and {len(waiting) - 1} more" if len(waiting) > 1 else ""
    return [Candidate(
        SignalKind.COMMUNITY_UNANSWERED,
        f"Community question unanswered for {oldest.hours_waiting} hours: “{oldest.title[:100]}”{more}",
        Severity.HIGH if oldest.hours_waiting >= 2 * t.community_unanswered_hours else Severity.MEDIUM,
        numbers={"questions": len(waiting), "hours_waiting": oldest.hours_waiting,
                 "threshold_hours": t.community_unanswered_hours},
        records=[{"model": "community.thread", "id": q.id, "label": q.title[:100]} for q in waiting[:10]],
    )]


def contact_left(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """A sponsor or champion left and nobody active holds the role (a named successor resolves it)."""
    out = []
    for role, kind in (("executive_sponsor", SignalKind.SPONSOR_LEFT), ("champion", SignalKind.CHAMPION_LEFT)):
        people = [c for c in f.contacts if c.role == role]
        if any(c.left_on is None or c.left_on > f.as_of for c in people):
            continue
        for c in people:
            if c.left_on is not None and c.left_on <= f.as_of:
                out.append(Candidate(
                    kind, f"{ROLE_LABELS[role]} {c.name} left {_days(f.as_of, c.left_on)} days ago; no successor",
                    Severity.HIGH, subject=f"contact:{c.id}",
                    numbers={"left_on": c.left_on.isoformat(), "days_since_left": _days(f.as_of, c.left_on)},
                    records=[{"model": "accounts.contact", "id": c.id, "label": c.name}],
                ))
    return out


def contact_not_touched(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    """An active sponsor or champion who was in touches, but in none for N days: the relationship went silent.

    Contacts never in any touch do not fire: in most books they are people nobody has met yet (an import, a
    tech-touch account), and a signal for each would bury the real silences."""
    out = []
    for c in f.contacts:
        if (c.left_on is not None and c.left_on <= f.as_of) or c.last_touched_on is None:
            continue
        days = (f.as_of - c.last_touched_on).days
        if days <= t.contact_touch_days:
            continue
        kind = SignalKind.SPONSOR_NOT_TOUCHED if c.role == "executive_sponsor" else SignalKind.CHAMPION_NOT_TOUCHED
        out.append(Candidate(
            kind, f"{ROLE_LABELS[c.role]} {c.name} last touched {days} days ago", Severity.MEDIUM,
            subject=f"contact:{c.id}",
            numbers={"days_since_touch": days, "threshold_days": t.contact_touch_days,
                     "last_touched_on": c.last_touched_on.isoformat()},
            records=[{"model": "accounts.contact", "id": c.id, "label": c.name},
                     {"model": "timeline", "id": f.account_id, "label": "Timeline"}],
        ))
    return out


def no_touch(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    since = f.last_touch_on or f.customer_since
    if since is None or (f.as_of - since).days <= t.no_touch_days:
        return []
    days = (f.as_of - since).days
    return [Candidate(
        SignalKind.NO_TOUCH,
        f"No touch in {days} days" if f.last_touch_on else f"No touch since becoming a customer {days} days ago",
        Severity.MEDIUM,
        numbers={"days_since_touch": days, "threshold_days": t.no_touch_days,
                 "last_touch_on": f.last_touch_on.isoformat() if f.last_touch_on else None},
        records=[{"model": "timeline", "id": f.account_id, "label": "Timeline"}],
    )]


def tickets_unresolved(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    late = sorted((tk for tk in f.open_tickets if (f.as_of - tk.opened_on).days > t.ticket_unresolved_days),
                  key=lambda tk: tk.opened_on)
    if not late:
        return []
    oldest = (f.as_of - late[0].opened_on).days
    return [Candidate(
        SignalKind.TICKETS_UNRESOLVED,
        f"{len(late)} high-priority ticket{'s' if len(late) != 1 else ''} unresolved, the oldest for {oldest} days",
        Severity.HIGH if any(tk.priority == "urgent" for tk in late) else Severity.MEDIUM,
        numbers={"tickets": len(late), "oldest_days": oldest, "threshold_days": t.ticket_unresolved_days},
        records=[{"model": "support.ticket", "id": tk.id, "label": tk.subject} for tk in late[:10]],
    )]


# ---- downturn ----------------------------------------------------------------------------------------------


def seats_reduced(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    if not f.seats_before or f.seats >= f.seats_before:
        return []
    drop = (f.seats_before - f.seats) / f.seats_before
    cuts = [m for m in f.moves if m.seats_after < m.seats_before]
    if drop * 100 < t.seats_drop_pct or not cuts:
        return []
    return [Candidate(
        SignalKind.SEATS_REDUCED,
        f"Seats cut by {round(drop * 100)}%: {f.seats_before} → {f.seats} in the last {t.seats_lookback_days} days",
        Severity.HIGH if drop >= 0.3 else Severity.MEDIUM,
        numbers={"seats_before": f.seats_before, "seats": f.seats, "drop_pct": _pct(drop),
                 "threshold_pct": t.seats_drop_pct, "lookback_days": t.seats_lookback_days,
                 "cuts": [{"on": m.on.isoformat(), "from": m.seats_before, "to": m.seats_after} for m in cuts]},
        records=[{"model": "billing.subscription", "id": sid, "label": "Subscription history"}
                 for sid in sorted({m.subscription_id for m in cuts})],
    )]


def downgrade(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    out = []
    for m in f.moves:
        if m.plan_after != m.plan_before and m.mrr_after < m.mrr_before:
            out.append(Candidate(
                SignalKind.DOWNGRADE,
                f"Downgraded from {m.plan_before} to {m.plan_after} on {m.on:%d %b %Y} "
                f"(MRR {m.mrr_before:,.0f} → {m.mrr_after:,.0f})",
                Severity.HIGH, subject=f"subscription:{m.subscription_id}",
                numbers={"on": m.on.isoformat(), "plan_before": m.plan_before, "plan_after": m.plan_after,
                         "mrr_before": m.mrr_before, "mrr_after": m.mrr_after, "lookback_days": t.seats_lookback_days},
                records=[{"model": "billing.subscription", "id": m.subscription_id, "label": m.plan_after}],
            ))
    seen, unique = set(), []
    for c in reversed(out):  # the latest downgrade per subscription
        if c.subject not in seen:
            seen.add(c.subject)
            unique.append(c)
    return unique


def payment_failed(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    out = []
    for s in f.subscriptions:
        if s.status != "past_due":
            continue
        days = _days(f.as_of, s.past_due_since)
        overdue = days is not None and days > t.payment_overdue_days
        title = f"Payment failed on {s.plan}" + (f": overdue for {days} days" if overdue else
                                                   f" ({days} days ago)" if days is not None else "")
        out.append(Candidate(
            SignalKind.PAYMENT_FAILED, title, Severity.HIGH if overdue else Severity.MEDIUM,
            subject=f"subscription:{s.id}",
            numbers={"past_due_since": s.past_due_since.isoformat() if s.past_due_since else None,
                     "days_past_due": days, "overdue_after_days": t.payment_overdue_days, "mrr": s.mrr},
            records=[{"model": "billing.subscription", "id": s.id, "label": s.plan}],
        ))
    return out


# ---- competition -------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def phrase_pattern(phrases) -> re.Pattern | None:
    """Whole words, any case; spaces inside a phrase match any run of whitespace."""
    parts = [r"\s+".join(re.escape(w) for w in p.split()) for p in phrases if p.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # longest first, so "not renewing" wins over a shorter overlap
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def matching_sentences(text: str, pattern: re.Pattern) -> list[tuple[str, str]]:
    """(sentence, matched words) for each sentence of ``text`` that matches."""
    out = []
    for sentence in _SENTENCE_END.split(text):
        m = pattern.search(sentence)
        if m:
            s = sentence.strip()
            out.append((s if len(s) <= 300 else s[:297] + "…", m.group(0)))
    return out


def _text_matches(f: AccountFacts, pattern: re.Pattern | None):
    if pattern is None:
        return []
    found = []
    for r in sorted(f.texts, key=lambda r: (r.on, r.id), reverse=True):
        for sentence, words in matching_sentences(r.text, pattern):
            found.append((r, sentence, words))
    return found


def competition(f: AccountFacts, t: Thresholds, patterns: tuple | None = None) -> list[Candidate]:
    competitors, phrases = patterns or (phrase_pattern(t.competitor_names), phrase_pattern(t.churn_phrases))
    out = []
    for kind, pattern, what in ((SignalKind.COMPETITOR_MENTIONED, competitors, "Competitor"),
                                (SignalKind.CHURN_INTENT, phrases, "Churn intent")):
        found = _text_matches(f, pattern)
        if not found:
            continue
        names = sorted({w.lower() for _, _, w in found})
        records = {}
        for r, _, _ in found:
            records.setdefault((r.model, r.id), {"model": r.model, "id": r.id, "label": r.label})
        first = found[0]
        out.append(Candidate(
            kind, f"{what} in {len(records)} record{'s' if len(records) != 1 else ''}: “{first[1][:120]}”",
            Severity.HIGH,
            numbers={"mentions": len(found), "records": len(records), "matched": names,
                     "window_days": t.competition_days},
            records=list(records.values())[:10],
            quotes=[{"model": r.model, "id": r.id, "on": r.on.isoformat(), "text": s, "match": w}
                    for r, s, w in found[:5]],
        ))
    return out


# ---- lifecycle rules ---------------------------------------------------------------------------------------


def renewal_due(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    ends = [s for s in f.subscriptions if s.end_date and 0 <= (s.end_date - f.as_of).days <= t.renewal_days]
    if not ends:
        return []
    first = min(ends, key=lambda s: s.end_date)
    days = (first.end_date - f.as_of).days
    mrr = sum(s.mrr for s in ends)
    return [Candidate(
        SignalKind.RENEWAL_DUE, f"Renewal in {days} days ({first.end_date:%d %b %Y}), MRR {mrr:,.0f}",
        Severity.HIGH if days <= 30 else Severity.MEDIUM, subject=f"renewal:{first.end_date.isoformat()}",
        numbers={"renewal_on": first.end_date.isoformat(), "days_to_renewal": days, "mrr": mrr,
                 "threshold_days": t.renewal_days},
        records=[{"model": "billing.subscription", "id": s.id, "label": s.plan} for s in ends],
    )]


def expansion_ready(f: AccountFacts, t: Thresholds) -> list[Candidate]:
    if f.utilization is None or f.utilization * 100 < t.expansion_utilization_pct:
        return []
    return [Candidate(
        SignalKind.EXPANSION_READY,
        f"Utilization {round(f.utilization * 100)}%: {f.active_users} active users for {f.seats} seats",
        Severity.LOW,
        numbers={"active_users": f.active_users, "seats": f.seats, "utilization_pct": _pct(f.utilization),
                 "threshold_pct": t.expansion_utilization_pct, "window_days": t.usage_window_days},
        records=[{"model": "usage", "id": f.account_id, "label": "Product usage"}],
    )]


def weigh_by_health(c: Candidate, band: str) -> Candidate:
    """Risk reads the health band: a departure signal carries it, and on a red account it is one step more
    severe (the health score already sees trouble there, so the two tell one story)."""
    if not band or KIND_DRIVER[c.kind] == Driver.LIFECYCLE:
        return c
    c.numbers["health_band"] = band
    if band == "red":
        c.severity = {Severity.LOW: Severity.MEDIUM, Severity.MEDIUM: Severity.HIGH}.get(c.severity, c.severity)
    return c


DETECTORS = (
    active_users_drop, logins_plateau, low_utilization, key_feature_abandoned, onboarding_stalled,
    contact_left, contact_not_touched, no_touch, tickets_unresolved, community_unanswered, influential_detractor,
    seats_reduced, downgrade, payment_failed,
    renewal_due, expansion_ready, milestone_overdue, detractor,
)


def detect(f: AccountFacts, t: Thresholds, patterns: tuple | None = None) -> list[Candidate]:
    """Every candidate for one account; ``patterns`` are the compiled phrase lists (compile once per batch)."""
    out = [c for detector in DETECTORS for c in detector(f, t)]
    out.extend(competition(f, t, patterns))
    return out
