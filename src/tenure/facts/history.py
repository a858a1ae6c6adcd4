"""The facts layer's multi-day form: the record rooms' history as frames, loaded in bulk (one query per table),
for readers that need many days at once (the churn model's observation dates, the metrics pages).

``load_facts`` answers "what is true of these accounts on day D"; ``load_history`` hands over the dated rows
so a reader can ask that of every day it observes. Every frame has an ``account_id`` column and day numbers
(``tenure.facts.days``; FAR = "not yet"). ``until`` is the day the history stands on: no frame holds a row
dated after it, and a later resolution or departure is unknown (``tests/facts/test_history.py`` proves it).
``since`` skips usage rollups older than the reader needs.

Contacts: the executive sponsor and the champion are separate facts (separate columns); a reader that combines
them says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Max, Q
from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.billing.models import Subscription, SubscriptionChange, SubscriptionStatus, live_q
from tenure.engagement.models import Touch
from tenure.facts.account import HIGH_PRIORITIES
from tenure.facts.days import FAR, day_number, day_numbers, days
from tenure.facts.outcomes import HISTORY_FIELDS, history_frame
from tenure.facts.user_days import raw_rows
from tenure.support.models import Ticket
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity, Feature


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass
class History:
    """The record rooms' history up to a day, one frame per kind of record."""

    # Every subscription history entry (``changes_frame``): subscription_id, account_id, effective_on, order (the
    # entry's id: later entries of one day win), mrr_cents, seats, status, start_date, end_date (FAR: open-ended),
    # plan, billing_period. Only entries effective by ``until``.
    changes: pd.DataFrame
    # Every account with today's attributes (accounts keep no history of them; a reader drops the ones that
    # could record the outcome): account_id (also the index), segment, industry, custom (dict).
    accounts: pd.DataFrame
    # Daily usage rollups of days by ``until`` (and from ``since``): account_id, day, active_users, logins, events.
    activity: pd.DataFrame
    # Daily events per name, same days: account_id, day, event, count.
    feature_usage: pd.DataFrame
    # Who was active each day, same days: account_id, day, user (an integer code per user key).
    user_activity: pd.DataFrame
    # Tickets opened by ``until``: account_id, opened, resolved (FAR while open, and when resolved after
    # ``until``), urgent (bool: high or urgent priority), csat (NaN if none, and when rated after ``until``),
    # priority.
    tickets: pd.DataFrame
    # Touches by ``until``: touch_id, account_id, day, sentiment, negative (bool), with_executive_sponsor (bool:
    # an executive sponsor took part), with_champion (bool: a champion took part).
    touches: pd.DataFrame
    # Every contact: account_id, executive_sponsor (bool), champion (bool), left_on (FAR while still there, and
    # when they left after ``until``). Contacts keep no creation day: a contact added later is known earlier.
    contacts: pd.DataFrame
    # NPS answers by ``until``: account_id, day, score (0-10).
    nps: pd.DataFrame = field(default_factory=lambda: _empty("account_id", "day", "score"))

    def first_usage_day(self) -> int | None:
        return int(self.activity["day"].min()) if len(self.activity) else None


def load_history(until: dt.date | None = None, since: dt.date | None = None) -> History:
    """The history of every account as it stood at the end of ``until`` (everything when None), in one query
    per table; usage rollups from ``since`` on."""
    last = day_number(until) if until is not None else None
    return History(
        changes=load_changes(until=until), accounts=_accounts(), activity=_activity(until, since),
        feature_usage=_feature_usage(until, since), user_activity=_user_activity(until, since),
        tickets=_tickets(until, last), touches=_touches(until), contacts=_contacts(last), nps=_nps(until),
    )


# ---- the day the history stands on -------------------------------------------------------------------------


STOPPED_AFTER = 30  # days without any product usage after which usage that had been flowing has stopped


def last_known_day(today: dt.date | None = None) -> dt.date:
    """The day readers stand on by default: today while the data is live; for a history that stopped (an import
    of a past period) the last day it knows: its latest usage day (or its latest term start, when the terms were
    recorded only up to that and the usage runs on to the ends of the terms: ``_subscriptions_stopped``), or
    without usage its latest subscription change. Read as of today, such a history would show every customer
    inactive or churned and leave nobody to score. Stopped means: product usage had been flowing and none arrived
    in the last ``STOPPED_AFTER`` days; or, without any usage, nobody's subscription covers today though some
    did."""
    today = today or timezone.localdate()
    usage = DailyAccountActivity.objects.filter(day__lte=today).aggregate(d=Max("day"))["d"]
    if usage is not None:
        if (today - usage).days <= STOPPED_AFTER:
            return today
        # a change dated later is scheduled (a cancellation at the term's end), not data arriving
        return _subscriptions_stopped(usage) or usage
    if not Subscription.objects.exists() or Subscription.objects.filter(live_q(today)).exists():
        return today
    return SubscriptionChange.objects.filter(effective_on__lte=today).aggregate(d=Max("effective_on"))["d"] or today


LAST_TERM_DAYS = 31  # a month: usage past the latest term start by more than this is not a term running out


def _subscriptions_stopped(usage: dt.date) -> dt.date | None:
    """The latest term start, when the subscriptions were recorded up to it and the usage runs on past it: no
    term started after it, and within a month of it most of the customers paying that day stopped paying while
    still using the product. Exports written as the published churn simulations write them keep each customer's
    events to the end of their current term, past the day of the export; read on their last usage day, every
    customer whose term ended since would look lost. Else None."""
    last_start = Subscription.objects.filter(start_date__lte=usage).aggregate(d=Max("start_date"))["d"]
    if last_start is None or not 0 < (usage - last_start).days <= LAST_TERM_DAYS:
        return None
    paying = _paying_accounts(last_start)
    return last_start if paying and _paying_accounts(usage) < paying / 2 else None


def _paying_accounts(day: dt.date) -> int:
    """Accounts with a term covering ``day``: billing's live rule, plus the facts' (a cancelled term runs to its
    end date)."""
    paid_to_end = Q(status=SubscriptionStatus.CANCELED, start_date__lte=day, end_date__gte=day)
    return Subscription.objects.filter(live_q(day) | paid_to_end).values("account_id").distinct().count()


# ---- subscriptions ----------------------------------------------------------------------------------------


def load_changes(account_ids=None, until: dt.date | None = None) -> pd.DataFrame:
    """Every subscription history entry (of ``account_ids`` when given) effective by ``until``, in one query."""
    qs = SubscriptionChange.objects.all()
    if account_ids is not None:
        qs = qs.filter(subscription__account_id__in=list(account_ids))
    changes = history_frame(qs.values_list(*HISTORY_FIELDS).iterator(chunk_size=5000))
    if until is not None:  # cut after loading: the rows keep the order the readers were built on
        changes = changes[changes["effective_on"] <= day_number(until)].reset_index(drop=True)
    return changes


def event_labels() -> dict[str, str]:
    """Each tracked event name and the name people read (its friendly name, else the event itself)."""
    return {event: friendly or event for event, friendly in Feature.objects.values_list("event", "friendly_name")}


# ---- the rest ---------------------------------------------------------------------------------------------


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns)


def _local_days(values) -> pd.Series:
    """Datetimes to day numbers of their local day in the configured time zone (None -> FAR)."""
    tz = timezone.get_current_timezone()
    return days([None if pd.isna(v) else v.astimezone(tz).date() for v in values])


def _on_days(qs, field_name: str, until, since):
    if until is not None:
        qs = qs.filter(**{f"{field_name}__lte": until})
    if since is not None:
        qs = qs.filter(**{f"{field_name}__gte": since})
    return qs


def _accounts() -> pd.DataFrame:
    accounts = _frame(Account.objects.values_list("pk", "segment", "industry", "custom"),
                      ["account_id", "segment", "industry", "custom"]).set_index("account_id", drop=False)
    accounts.index.name = None
    return accounts


def _activity(until, since) -> pd.DataFrame:
    columns = ["account_id", "day", "active_users", "logins", "events"]
    df = _frame(raw_rows(_on_days(DailyAccountActivity.objects, "day", until, since).values_list(*columns)), columns)
    df["day"] = day_numbers(df["day"])
    return df


def _feature_usage(until, since) -> pd.DataFrame:
    columns = ["account_id", "day", "event", "count"]
    df = _frame(raw_rows(_on_days(DailyFeatureUsage.objects, "day", until, since).values_list(*columns)), columns)
    df["day"] = day_numbers(df["day"])
    return df


def _user_activity(until, since) -> pd.DataFrame:
    columns = ["account_id", "day", "user_key"]
    df = _frame(raw_rows(_on_days(DailyUserActivity.objects, "day", until, since).values_list(*columns)), columns)
    df["day"] = day_numbers(df["day"])
    df["user"] = pd.factorize(df["user_key"])[0] if len(df) else pd.Series(dtype="int64")
    return df.drop(columns=["user_key"])


def _tickets(until, last) -> pd.DataFrame:
    qs = Ticket.objects.all()
    if until is not None:
        qs = qs.filter(opened_at__date__lte=until)
    t = _frame(qs.values_list("account_id", "opened_at", "resolved_at", "priority", "csat"),
               ["account_id", "opened", "resolved", "priority", "csat"])
    t["opened"] = _local_days(t["opened"])
    t["resolved"] = _local_days(t["resolved"])
    if last is not None:  # resolved after the day: still open as far as that day knows
        t.loc[t["resolved"] > last, ["resolved", "csat"]] = [FAR, None]
    t["urgent"] = t["priority"].isin(HIGH_PRIORITIES)
    t["csat"] = pd.to_numeric(t["csat"], errors="coerce")
    return t


def _touches(until) -> pd.DataFrame:
    qs = Touch.objects.all()
    if until is not None:
        qs = qs.filter(occurred_at__date__lte=until)
    touches = _frame(qs.values_list("pk", "account_id", "occurred_at", "sentiment"),
                     ["touch_id", "account_id", "day", "sentiment"])
    touches["day"] = _local_days(touches["day"])
    touches["negative"] = touches["sentiment"] == "negative"
    with_sponsor, with_champion = set(), set()
    for touch_id, sponsor, champion in Touch.contacts.through.objects.filter(
            Q(contact__is_executive_sponsor=True) | Q(contact__is_champion=True)).values_list(
            "touch_id", "contact__is_executive_sponsor", "contact__is_champion"):
        if sponsor:
            with_sponsor.add(touch_id)
        if champion:
            with_champion.add(touch_id)
    touches["with_executive_sponsor"] = touches["touch_id"].isin(with_sponsor)
    touches["with_champion"] = touches["touch_id"].isin(with_champion)
    return touches


def _contacts(last) -> pd.DataFrame:
    contacts = _frame(Contact.objects.values_list("account_id", "is_executive_sponsor", "is_champion", "left_on"),
                      ["account_id", "executive_sponsor", "champion", "left_on"])
    contacts["left_on"] = days(contacts["left_on"])
    contacts["executive_sponsor"] = contacts["executive_sponsor"].astype(bool)
    contacts["champion"] = contacts["champion"].astype(bool)
    if last is not None:  # left after the day: still there as far as that day knows
        contacts.loc[contacts["left_on"] > last, "left_on"] = FAR
    return contacts


def _nps(until) -> pd.DataFrame:
    qs = SurveyResponse.objects.filter(kind=SurveyKind.NPS)
    if until is not None:
        qs = qs.filter(answered_at__date__lte=until)
    df = _frame(qs.values_list("account_id", "answered_at", "score"), ["account_id", "day", "score"])
    df["day"] = _local_days(df["day"])
    df["score"] = df["score"].astype("float64")
    return df
