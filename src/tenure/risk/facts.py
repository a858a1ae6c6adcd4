"""The facts of a batch of accounts as of a day, in a fixed handful of queries (never one per account): what the
pure detectors in detectors.py read."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.billing.models import LIVE_STATUSES, Subscription, SubscriptionChange
from tenure.engagement.models import Touch
from tenure.risk import detectors as d
from tenure.support.models import UNRESOLVED_STATUSES, Ticket, TicketPriority
from tenure.usage.models import DailyAccountActivity, DailyUserActivity, DailyUserFeature, Feature

DAY = dt.timedelta(days=1)


# ---- facts, in bulk ----------------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _subscription_facts(ids, as_of, t, facts) -> None:
    """Live subscriptions, customer since, past-due since, seats then and now, moves in the lookback: 2 queries."""
    subs = list(Subscription.objects.filter(account_id__in=ids).values_list(
        "pk", "account_id", "plan", "status", "seats", "mrr", "start_date", "end_date"))
    history = defaultdict(list)
    for row in SubscriptionChange.objects.filter(subscription__account_id__in=ids, effective_on__lte=as_of).order_by(
            "subscription_id", "effective_on", "pk").values_list("subscription_id", "effective_on", "plan", "seats",
                                                                   "mrr", "status", "start_date", "end_date"):
        history[row[0]].append(row[1:])
    lookback = as_of - dt.timedelta(days=t.seats_lookback_days)
    for pk, account_id, plan, status, seats, mrr, start, end in subs:
        f = facts[account_id]
        f.customer_since = min(filter(None, (f.customer_since, start)))
        entries = history.get(pk, [])
        live_now = status in LIVE_STATUSES and start <= as_of and (end is None or end >= as_of)
        if status in LIVE_STATUSES:
            past_due_since = None
            if status == "past_due":
                for entry in reversed(entries):  # the start of the latest run of past-due entries
                    if entry[4] != "past_due":
                        break
                    past_due_since = entry[0]
            f.subscriptions.append(d.SubscriptionFact(pk, plan, status, seats, float(mrr), end, past_due_since))
            if live_now:
                f.seats += seats
        # The state in effect at the start of the lookback, and every move since.
        then = None
        for entry in entries:
            if entry[0] <= lookback:
                then = entry
        if then is not None:
            _on, _plan, t_seats, _mrr, t_status, t_start, t_end = then
            if t_status in LIVE_STATUSES and t_start <= lookback and (t_end is None or t_end >= lookback):
                f.seats_before += t_seats
        for before, after in itertools.pairwise(entries):
            if lookback < after[0] <= as_of:
                f.moves.append(d.SubscriptionMove(pk, after[0], before[1], after[1], before[2], after[2],
                                                  float(before[3]), float(after[3])))


def _usage_facts(ids, as_of, t, facts) -> None:
    """Active users now and earlier, logins now and before, last activity, key features: 6 queries."""
    w = t.usage_window_days
    start = as_of - dt.timedelta(days=w - 1)
    earlier_end = as_of - dt.timedelta(days=t.active_users_drop_days)
    earlier_start = earlier_end - dt.timedelta(days=w - 1)
    for (lo, hi), attr in (((start, as_of), "active_users"), ((earlier_start, earlier_end), "active_users_earlier")):
        for account_id, n in (DailyUserActivity.objects.filter(account_id__in=ids, day__range=(lo, hi))
                              .values("account_id").annotate(n=Count("user_key", distinct=True))
                              .values_list("account_id", "n")):
            setattr(facts[account_id], attr, n)
    before_start = start - dt.timedelta(days=w)
    for account_id, now, before in (
        DailyAccountActivity.objects.filter(account_id__in=ids, day__range=(before_start, as_of))
        .values("account_id")
        .annotate(now=Sum("logins", filter=Q(day__gte=start)), before=Sum("logins", filter=Q(day__lt=start)))
        .values_list("account_id", "now", "before")
    ):
        facts[account_id].logins, facts[account_id].logins_before = now or 0, before or 0
    for account_id, last in (DailyAccountActivity.objects.filter(account_id__in=ids, day__lte=as_of)
                             .values("account_id").annotate(last=Max("day")).values_list("account_id", "last")):
        facts[account_id].last_active_on = last
    key = {f.event: f.label for f in Feature.objects.filter(is_key=True)}
    if not key:
        return
    # "Before" is the two windows before the current one: one quiet month of a rarely used feature is not a loss.
    before_start = start - dt.timedelta(days=2 * w)
    for account_id, event, now, before in (
        DailyUserFeature.objects.filter(account_id__in=ids, event__in=list(key), day__range=(before_start, as_of))
        .values("account_id", "event")
        .annotate(now=Count("user_key", distinct=True, filter=Q(day__gte=start)),
                  before=Count("user_key", distinct=True, filter=Q(day__lt=start)))
        .values_list("account_id", "event", "now", "before")
    ):
        facts[account_id].features.append(d.FeatureFact(event, key[event], before, now))


def _people_facts(ids, as_of, t, facts) -> None:
    """Sponsors and champions with their last touch, the last touch of all, late tickets, recent text: 6 queries."""
    end = _day_start(as_of + DAY)
    contacts = list(Contact.objects.filter(account_id__in=ids).filter(
        Q(is_executive_sponsor=True) | Q(is_champion=True)).values_list(
        "pk", "account_id", "name", "email", "is_executive_sponsor", "is_champion", "left_on"))
    last = dict(
        Touch.contacts.through.objects.filter(contact_id__in=[c[0] for c in contacts], touch__occurred_at__lt=end)
        .values("contact_id").annotate(m=Max("touch__occurred_at")).values_list("contact_id", "m")
    )
    for pk, account_id, name, email, sponsor, champion, left_on in contacts:
        touched = _local_day(last[pk]) if pk in last else None
        for role, flag in (("executive_sponsor", sponsor), ("champion", champion)):
            if flag:
                facts[account_id].contacts.append(d.ContactFact(pk, name or email or f"contact {pk}", role, left_on,
                                                                touched))
    for account_id, m in (Touch.objects.filter(account_id__in=ids, occurred_at__lt=end).values("account_id")
                          .annotate(m=Max("occurred_at")).values_list("account_id", "m")):
        facts[account_id].last_touch_on = _local_day(m)
    for pk, account_id, subject, priority, opened in (
        Ticket.objects.filter(account_id__in=ids, status__in=UNRESOLVED_STATUSES, opened_at__lt=end,
                              priority__in=(TicketPriority.HIGH, TicketPriority.URGENT))
        .values_list("pk", "account_id", "subject", "priority", "opened_at")
    ):
        facts[account_id].open_tickets.append(d.TicketFact(pk, subject, priority, _local_day(opened)))
    since = _day_start(as_of - dt.timedelta(days=t.competition_days - 1))
    for pk, account_id, subject, body, opened in (
        Ticket.objects.filter(account_id__in=ids, opened_at__gte=since, opened_at__lt=end)
        .values_list("pk", "account_id", "subject", "body", "opened_at")
    ):
        facts[account_id].texts.append(d.TextRecord("support.ticket", pk, _local_day(opened), subject,
                                                    f"{subject}.\n{body}"))
    for pk, account_id, summary, occurred in (
        Touch.objects.filter(account_id__in=ids, occurred_at__gte=since, occurred_at__lt=end)
        .values_list("pk", "account_id", "summary", "occurred_at")
    ):
        label = summary if len(summary) <= 80 else summary[:77] + "…"
        facts[account_id].texts.append(d.TextRecord("engagement.touch", pk, _local_day(occurred), label, summary))


def load_facts(account_ids, as_of: dt.date, t: d.Thresholds) -> dict[int, d.AccountFacts]:
    """Facts for every account of the batch, churned ones left out; about fifteen queries whatever the size."""
    ids = list(account_ids)
    rows = Account.objects.filter(pk__in=ids).exclude(stage="churned").values_list("pk", "stage")
    facts = {pk: d.AccountFacts(pk, as_of, stage) for pk, stage in rows}
    ids = list(facts)
    if not ids:
        return facts
    _subscription_facts(ids, as_of, t, facts)
    _usage_facts(ids, as_of, t, facts)
    _people_facts(ids, as_of, t, facts)
    _engagement_facts(ids, as_of, t, facts)
    return facts


def _engagement_facts(ids, as_of, t, facts) -> None:
    """Overdue onboarding milestones and each person's latest NPS answer: 2 queries."""
    from tenure.engagement.onboarding import overdue_milestones
    from tenure.surveys.models import SurveyKind, SurveyResponse

    for account_id, milestones in overdue_milestones(ids, as_of).items():
        facts[account_id].overdue_milestones = [d.MilestoneFact(m.pk, m.title, m.due_on) for m in milestones]
    since = _day_start(as_of - dt.timedelta(days=t.detractor_days))
    latest: dict[tuple[int, int | None], d.AnswerFact] = {}
    rows = (
        SurveyResponse.objects.filter(account_id__in=ids, kind=SurveyKind.NPS, answered_at__gte=since,
                                      answered_at__lt=_day_start(as_of + DAY))
        .order_by("answered_at", "pk")
        .values_list("pk", "account_id", "contact_id", "contact__name", "contact__email", "score", "comment",
                     "answered_at")
    )
    for pk, account_id, contact_id, name, email, score, comment, answered in rows:
        who = name or email or "Someone at the account"
        latest[(account_id, contact_id)] = d.AnswerFact(pk, contact_id, who, score, comment, _local_day(answered))
    for (account_id, _), answer in latest.items():
        facts[account_id].nps_answers.append(answer)
