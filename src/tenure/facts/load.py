"""Load the facts of a batch of accounts as of a day: a fixed number of queries whatever the batch size, and
never a row dated after the day (``tests/facts/test_leakage.py`` proves it for every fact)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import defaultdict

from django.db import connection
from django.db.models import Case, Max, Min, Q, Sum, When

from tenure.accounts.models import Account, Contact
from tenure.billing.models import Subscription, SubscriptionChange
from tenure.billing.models import live_q as live_subscription_q  # noqa: F401  (the pages' filter)
from tenure.community.models import Post, State
from tenure.engagement.models import Milestone as MilestoneRow
from tenure.engagement.models import (
    MilestoneStatus,
    OnboardingProject,
    ProjectStatus,
    Pulse,
    Touch,
)
from tenure.facts import account as a
from tenure.facts.community import read_community
from tenure.facts.moments import DAY, among, day_start, local_days, span
from tenure.facts.sentiment import Reading, sentiment
from tenure.facts.user_days import UserDays, _Counted, _feature_windows, _usage_windows, raw_rows  # noqa: F401
from tenure.knowledge.models import ActivityKind, KnowledgeActivity
from tenure.support.models import UNRESOLVED_STATUSES, Ticket
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature

# The groups of facts, each read by a fixed number of queries (listed with each reader below).
# "usage_earlier" (active users in the "earlier" window, for the disengagement signal) is a group of its own: the
# pages that show usage need only the last two windows, and reading a third doubled their largest query.
PARTS = ("subscriptions", "usage", "usage_earlier", "features", "support", "people", "texts", "sentiment",
         "onboarding", "knowledge", "community")


def load_facts(account_ids, as_of: dt.date, windows: a.Windows | None = None,
               parts: tuple[str, ...] = PARTS) -> dict[int, a.AccountFacts]:
    """The facts of every account in ``account_ids`` (churned ones included) as of the end of ``as_of``.

    ``parts``: the groups of facts to read (all by default). A page that shows a few (the accounts list: seats,
    utilization and the active-user trend) reads only those; the others keep their empty defaults."""
    return _load(account_ids, as_of, windows or a.Windows(), _parts(parts), None)


def load_facts_on_days(account_ids, on_days, windows: a.Windows | None = None, parts: tuple[str, ...] = PARTS,
                       ) -> dict[dt.date, dict[int, a.AccountFacts]]:
    """``load_facts`` for each of ``on_days`` (a history's grid of days): the same facts, day by day. The distinct
    users of the usage windows, the costliest reads (a count over months of per-user rollup rows, for every day
    again), are counted for all the days from one read of those rollups (``UserDays``); every other fact is
    read as ``load_facts`` reads it. ``tests/facts/test_on_days.py`` proves both give the same facts."""
    parts, w = _parts(parts), windows or a.Windows()
    ids, on_days = sorted(set(account_ids)), sorted(set(on_days))
    counted = _Counted.read(ids, on_days, w) if on_days and ids and "usage" in parts else None
    return {day: _load(ids, day, w, parts, counted) for day in on_days}


def _parts(parts: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"no such facts: {', '.join(sorted(unknown))}")
    if "features" in parts or "usage_earlier" in parts:
        parts = (*parts, "usage")  # read only once usage is known (usage_known_since)
    return parts


def _load(account_ids, as_of: dt.date, w: a.Windows, parts: tuple[str, ...], counted: _Counted | None,
          ) -> dict[int, a.AccountFacts]:
    facts = {pk: a.AccountFacts(pk, as_of, stage, segment, w) for pk, stage, segment in
             Account.objects.filter(pk__in=list(account_ids)).order_by().values_list("pk", "stage", "segment")}
    ids = sorted(facts)
    if ids:
        for part in PARTS:
            if part in parts:
                reader = _READERS[part]
                if counted is not None and part in ("usage", "usage_earlier", "features"):
                    reader = functools.partial(reader, counted=counted)
                reader(ids, as_of, w, facts)
    return facts


# ---- subscriptions: 2 queries -----------------------------------------------------------------------------


def _subscriptions(ids, as_of, w, facts) -> None:
    """Each subscription's state is its latest history entry effective by the day (the current row only for a
    subscription without any history, which only raw SQL could leave)."""
    history = defaultdict(list)
    for row in SubscriptionChange.objects.filter(among(ids, "subscription__account_id"),
                                                 effective_on__lte=as_of).order_by(
            "subscription_id", "effective_on", "pk").values_list(
            "subscription_id", "effective_on", "plan", "seats", "mrr", "status", "start_date", "end_date"):
        history[row[0]].append(row[1:])
    lookback = as_of - span(w.seats_lookback)
    for pk, account_id, plan, seats, mrr, status, start, end in Subscription.objects.filter(
            among(ids)).values_list("pk", "account_id", "plan", "seats", "mrr", "status", "start_date",
                                            "end_date"):
        entries = history.get(pk) or ([(start, plan, seats, mrr, status, start, end)] if start <= as_of else [])
        if not entries:
            continue
        f = facts[account_id]
        first_start = min(e[5] for e in entries)
        f.customer_since = min(filter(None, (f.customer_since, first_start)))
        _on, s_plan, s_seats, s_mrr, s_status, s_start, s_end = entries[-1]
        if a.is_live(s_status, s_start, s_end, as_of):
            past_due_since = None
            for entry in reversed(entries):  # the start of the latest run of past-due states
                if entry[4] != "past_due":
                    break
                past_due_since = entry[0]
            f.subscriptions.append(a.SubscriptionFact(pk, s_plan, s_status, s_seats, float(s_mrr), s_end,
                                                      past_due_since, s_start))
        then = None
        for entry in entries:
            if entry[0] <= lookback:
                then = entry
        if then is not None and a.is_live(then[4], then[5], then[6], lookback):
            f.seats_before += then[2]
        for before, after in itertools.pairwise(entries):
            if lookback < after[0] <= as_of:
                f.moves.append(a.SubscriptionMove(pk, after[0], before[1], after[1], before[2], after[2],
                                                  float(before[3]), float(after[3])))
    for f in facts.values():
        live = f.subscriptions
        f.seats = sum(s.seats for s in live)
        f.mrr = sum(s.mrr for s in live)
        ends = [s.end_date for s in live if s.end_date]
        if ends:
            f.next_renewal_on = min(ends)
            f.next_renewal_mrr = sum(s.mrr for s in live if s.end_date == f.next_renewal_on)


# ---- usage: 3 queries -------------------------------------------------------------------------------------


def _usage(ids, as_of, w, facts, counted: _Counted | None = None) -> None:
    (start, _), (before_start, _), _ = _usage_windows(as_of, w)
    first = DailyAccountActivity.objects.filter(day__lte=as_of).aggregate(first=Min("day"))["first"]
    for f in facts.values():
        f.usage_known_since = first
    if first is None:
        return
    in_now, in_before = Q(day__gte=start), Q(day__range=(before_start, start - DAY))
    if counted is not None:
        counted.active_users(ids, as_of, facts)
    else:
        rows = DailyUserActivity.objects.filter(account_id__in=ids, day__range=(before_start, as_of))
        for account_id, now, before in _distinct_users(rows, [in_now, in_before]):
            f = facts[account_id]
            f.active_users, f.active_users_before = now, before
    for account_id, now, before, last in (
        DailyAccountActivity.objects.filter(account_id__in=ids, day__range=(as_of - span(w.activity - 1), as_of))
        .values("account_id")
        .annotate(now=Sum("logins", filter=in_now), before=Sum("logins", filter=in_before), last=Max("day"))
        .values_list("account_id", "now", "before", "last")
    ):
        f = facts[account_id]
        f.logins, f.logins_before, f.last_active_on = now or 0, before or 0, last


def _usage_earlier(ids, as_of, w, facts, counted: _Counted | None = None) -> None:
    if next(iter(facts.values())).usage_known_since is None:
        return
    if counted is not None:
        counted.active_users_earlier(ids, as_of, facts)
        return
    _, _, earlier = _usage_windows(as_of, w)
    rows = DailyUserActivity.objects.filter(account_id__in=ids, day__range=earlier)
    for account_id, n in _distinct_users(rows, [Q(day__range=earlier)]):
        facts[account_id].active_users_earlier = n


def _distinct_users(rows, windows: list[Q], by: tuple[str, ...] = ("account_id",)) -> list[tuple]:
    """The distinct users of ``rows`` (per-user daily rollups) in each window, per ``by``: (*by, count per window).
    Each user's rows are first folded to one row saying which windows saw them, then counted: a COUNT(DISTINCT)
    per window sorted the same rows once per window (the largest accounts of a page: 42 ms against 10 ms)."""
    seen = {f"w{i}": Max(Case(When(window, then=1), default=0)) for i, window in enumerate(windows)}
    per_user = rows.values(*by, "user_key").annotate(**seen).order_by()
    sql, params = per_user.query.sql_with_params()
    keys = ", ".join(by)
    sums = ", ".join(f"SUM(w{i})" for i in range(len(windows)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {keys}, {sums} FROM ({sql}) per_user GROUP BY {keys}", params)
        return [(*row[:len(by)], *(int(n or 0) for n in row[len(by):])) for row in cursor.fetchall()]


# ---- key features: 2 queries ------------------------------------------------------------------------------


def _features(ids, as_of, w, facts, counted: _Counted | None = None) -> None:
    if next(iter(facts.values())).usage_known_since is None:  # no usage at all yet
        return
    key = {feature.event: feature.label for feature in Feature.objects.filter(is_key=True)}
    for f in facts.values():
        f.key_features = len(key)
    if not key:
        return
    by_account: dict[int, dict[str, a.FeatureFact]] = defaultdict(dict)
    (start, _), (two_before, _) = _feature_windows(as_of, w)
    rows = counted.feature_users(ids, as_of, list(key)) if counted is not None else None
    if rows is None:
        rows = _distinct_users(DailyUserFeature.objects.filter(account_id__in=ids, event__in=list(key),
                                                               day__range=(two_before, as_of)),
                               [Q(day__gte=start), Q(day__lt=start)], by=("account_id", "event"))
    for account_id, event, now, before in rows:
        by_account[account_id][event] = a.FeatureFact(event, key[event] or event, before, now)
    for account_id, f in facts.items():
        used = by_account.get(account_id, {})
        f.features = [used.get(event) or a.FeatureFact(event, label or event, 0, 0) for event, label in key.items()]


# ---- support: 2 queries -----------------------------------------------------------------------------------


def _open_on(day_end: dt.datetime) -> Q:
    """Opened before ``day_end`` and not resolved by then (a resolved ticket without a date counts as resolved)."""
    return Q(opened_at__lt=day_end) & (Q(resolved_at__gte=day_end)
                                       | Q(resolved_at__isnull=True, status__in=UNRESOLVED_STATUSES))


def _support(ids, as_of, w, facts) -> None:
    day_of = local_days()
    end = day_start(as_of + DAY)
    for account_id, oldest in (Ticket.objects.filter(_open_on(end), among(ids)).values("account_id")
                               .annotate(oldest=Min("opened_at")).values_list("account_id", "oldest")):
        facts[account_id].oldest_open_ticket_on = day_of(oldest)
    for pk, account_id, subject, priority, opened in (
        Ticket.objects.filter(_open_on(end), among(ids), priority__in=a.HIGH_PRIORITIES)
        .order_by("opened_at", "pk").values_list("pk", "account_id", "subject", "priority", "opened_at")
    ):
        facts[account_id].open_tickets.append(a.TicketFact(pk, subject, priority, day_of(opened)))


# ---- relationships (3 queries) and texts (2 queries) ----------------------------------------------------


def _people(ids, as_of, w, facts) -> None:
    day_of = local_days()
    end = day_start(as_of + DAY)
    contacts = list(Contact.objects.filter(among(ids)).filter(
        Q(is_executive_sponsor=True) | Q(is_champion=True)).order_by("pk").values_list(
        "pk", "account_id", "name", "email", "is_executive_sponsor", "is_champion", "left_on"))
    last = dict(
        Touch.contacts.through.objects.filter(  # by account, so the query count never depends on the people
            Q(contact__is_executive_sponsor=True) | Q(contact__is_champion=True), among(ids, "contact__account_id"),
            touch__occurred_at__lt=end)
        .values("contact_id").annotate(m=Max("touch__occurred_at")).values_list("contact_id", "m")
    )
    for pk, account_id, name, email, sponsor, champion, left_on in contacts:
        touched = day_of(last[pk]) if pk in last else None
        left_on = left_on if left_on is not None and left_on <= as_of else None  # a later departure: not yet
        f = facts[account_id]
        for role, flag in ((a.SPONSOR, sponsor), (a.CHAMPION, champion)):
            if flag:
                f.contacts.append(a.ContactFact(pk, name or email or f"contact {pk}", role, left_on, touched))
    for f in facts.values():
        for role in a.KEY_ROLES:
            holders = [c for c in f.contacts if c.role == role]
            present = [c for c in holders if c.present_on(as_of)]
            fact = f.role(role)
            fact.present, fact.departed = bool(present), bool(holders) and not present
            touched = [c for c in present if c.last_touched_on]
            if touched:
                latest = max(touched, key=lambda c: c.last_touched_on)
                fact.last_touched_on, fact.who = latest.last_touched_on, latest.name
            elif present:
                fact.who = present[0].name
    for account_id, m in (Touch.objects.filter(among(ids), occurred_at__lt=end).values("account_id")
                          .annotate(m=Max("occurred_at")).values_list("account_id", "m")):
        facts[account_id].last_touch_on = day_of(m)


def _texts(ids, as_of, w, facts) -> None:
    day_of = local_days()
    end = day_start(as_of + DAY)
    since = day_start(as_of - span(w.texts - 1))
    # Sorted here: ordered by the database, the planner walks every account's tickets of the period by date.
    for pk, account_id, subject, body, opened in sorted(
        Ticket.objects.filter(among(ids), opened_at__gte=since, opened_at__lt=end).order_by()
        .values_list("pk", "account_id", "subject", "body", "opened_at"), key=lambda row: (row[4], row[0])
    ):
        facts[account_id].texts.append(a.TextRecord("support.ticket", pk, day_of(opened), subject,
                                                    f"{subject}.\n{body}"))
    for pk, account_id, summary, occurred in (
        Touch.objects.filter(among(ids), occurred_at__gte=since, occurred_at__lt=end)
        .order_by("occurred_at", "pk").values_list("pk", "account_id", "summary", "occurred_at")
    ):
        label = summary if len(summary) <= 80 else summary[:77] + "…"
        facts[account_id].texts.append(a.TextRecord("engagement.touch", pk, day_of(occurred), label, summary))
    for pk, account_id, title, text, created in (  # what the account's people wrote in the community
        Post.objects.filter(among(ids), author_contact__isnull=False, state=State.PUBLISHED, created_at__gte=since,
                            created_at__lt=end)
        .order_by("created_at", "pk").values_list("pk", "account_id", "thread__title", "body_text", "created_at")
    ):
        facts[account_id].texts.append(a.TextRecord("community.post", pk, day_of(created), title, text))


# ---- sentiment and NPS: 3 queries -------------------------------------------------------------------------


def _sentiment(ids, as_of, w, facts) -> None:
    day_of = local_days()
    end = day_start(as_of + DAY)
    since = day_start(as_of - span(w.sentiment - 1))
    readings: dict[int, list[Reading]] = defaultdict(list)
    nps_since = as_of - span(w.nps - 1)
    latest: dict[tuple[int, int | None], a.AnswerFact] = {}
    for pk, account_id, contact_id, name, email, score, comment, answered in (
        SurveyResponse.objects.filter(among(ids), kind=SurveyKind.NPS, answered_at__gte=since,
                                      answered_at__lt=end).order_by("answered_at", "pk")
        .values_list("pk", "account_id", "contact_id", "contact__name", "contact__email", "score", "comment",
                     "answered_at")
    ):
        day = day_of(answered)
        readings[account_id].append(Reading.nps(day, score))
        if day >= nps_since:
            who = name or email or "Someone at the account"
            latest[(account_id, contact_id)] = a.AnswerFact(pk, contact_id, who, score, comment, day)
    for (account_id, _), answer in latest.items():
        facts[account_id].nps_answers.append(answer)
    for account_id, created, rating in Pulse.objects.filter(among(ids), created_at__gte=since,
                                                              created_at__lt=end).order_by().values_list(
            "account_id", "created_at", "rating"):
        readings[account_id].append(Reading.pulse(day_of(created), rating))
    for account_id, occurred, mood in (Touch.objects.filter(among(ids), occurred_at__gte=since,
                                                            occurred_at__lt=end).exclude(sentiment="")
                                       .order_by().values_list("account_id", "occurred_at", "sentiment")):
        readings[account_id].append(Reading.touch(day_of(occurred), mood))
    for account_id, rows in readings.items():
        facts[account_id].sentiment = sentiment(rows, as_of)


# ---- onboarding: 2 queries --------------------------------------------------------------------------------


def _running_on(day: dt.date, prefix: str = "") -> Q:
    """A project running on the day: started by then and neither completed by then nor cancelled (a cancelled
    one never counts: Tenure keeps no cancellation day)."""
    return (Q(**{f"{prefix}started_on__lte": day}) & ~Q(**{f"{prefix}status": ProjectStatus.CANCELLED})
            & (Q(**{f"{prefix}completed_on__gt": day})
               | Q(**{f"{prefix}completed_on__isnull": True, f"{prefix}status": ProjectStatus.ACTIVE})))


def _onboarding(ids, as_of, w, facts) -> None:
    """Running projects, and their milestones due before the day and not done by it: 2 queries."""
    for account_id in OnboardingProject.objects.filter(_running_on(as_of), among(ids)).values_list(
            "account_id", flat=True):
        facts[account_id].onboarding_active = True
    for pk, account_id, title, due in (
        MilestoneRow.objects.filter(_running_on(as_of, "project__"), among(ids, "project__account_id"),
                                    due_on__lt=as_of)
        .filter(Q(done_on__isnull=True, status=MilestoneStatus.OPEN) | Q(done_on__gt=as_of))
        .order_by("due_on", "pk").values_list("pk", "project__account_id", "title", "due_on")
    ):
        facts[account_id].overdue_milestones.append(a.MilestoneFact(pk, title, due))


# ---- knowledge: 2 queries -------------------------------------------------------------------------------

_KNOWLEDGE_FIELDS = {ActivityKind.VIEW: "views", ActivityKind.SEARCH: "searches", ActivityKind.HELPFUL: "helpful",
                     ActivityKind.UNHELPFUL: "unhelpful", ActivityKind.DEFLECTION: "deflections"}


def _knowledge(ids, as_of, w, facts) -> None:
    start = as_of - span(w.usage - 1)
    for account_id, last in (
        KnowledgeActivity.objects.filter(account_id__in=ids, day__range=(as_of - span(w.activity - 1), as_of))
        .values("account_id").annotate(last=Max("day")).values_list("account_id", "last")
    ):
        facts[account_id].knowledge.last_on = last
    people: dict[int, set[int]] = defaultdict(set)
    for account_id, day, contact_id, kind, article_key, n in (
        KnowledgeActivity.objects.filter(account_id__in=ids, day__range=(start, as_of))
        .values_list("account_id", "day", "contact_id", "kind", "article_key", "count")
    ):
        k = facts[account_id].knowledge
        name = _KNOWLEDGE_FIELDS.get(kind)
        if name is None or (kind == ActivityKind.DEFLECTION and article_key):
            continue  # a deflection is counted once for the account, and again for each article it showed
        setattr(k, name, getattr(k, name) + n)
        k.by_day[day] = k.by_day.get(day, 0) + n
        if contact_id is not None:
            k.by_contact[contact_id] = k.by_contact.get(contact_id, 0) + n
            people[account_id].add(contact_id)
    for account_id, who in people.items():
        facts[account_id].knowledge.people = len(who)


_READERS = {"subscriptions": _subscriptions, "usage": _usage, "usage_earlier": _usage_earlier,
            "features": _features, "support": _support,
            "people": _people, "texts": _texts, "sentiment": _sentiment, "onboarding": _onboarding,
            "knowledge": _knowledge, "community": read_community}
