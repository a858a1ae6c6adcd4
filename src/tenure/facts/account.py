"""What Tenure knows about one account as of a day: one typed shape, one sentence of meaning per fact.

Health measures, risk detectors, renewals, the account page's key numbers and the accounts list all read these
facts, so a number means the same thing wherever it is shown. Pure: nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

LIVE_STATUSES = ("trialing", "active", "past_due")
HIGH_PRIORITIES = ("high", "urgent")
SPONSOR, CHAMPION = "executive_sponsor", "champion"
KEY_ROLES = (SPONSOR, CHAMPION)
ROLE_LABELS = {SPONSOR: "Executive sponsor", CHAMPION: "Champion"}


@dataclass(frozen=True)
class Windows:
    """How far back each fact looks, in days. The defaults are Tenure's definitions; the risk settings may widen
    or narrow the usage comparisons, and then every reader of the same loaded facts sees the same windows."""

    usage: int = 30  # active users, logins, key features "now"
    earlier: int = 90  # how far back the "earlier" active-user window ends
    seats_lookback: int = 180  # seats then vs now, and subscription moves
    texts: int = 90  # ticket and touch texts read for competitor names and churn phrases
    nps: int = 90  # latest NPS answer per person
    sentiment: int = 365  # readings older than this no longer count
    activity: int = 365  # how far back the last product activity is searched


def is_live(status: str, start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """THE definition of a live subscription on a day: a trialing, active or past-due state whose term covers the
    day (end date inclusive; no end date = open-ended). Read from the state in effect that day."""
    return status in LIVE_STATUSES and start <= day and (end is None or end >= day)


# ---- the parts --------------------------------------------------------------------------------------------


@dataclass
class SubscriptionFact:
    """A live subscription as it stood on the day."""

    id: int
    plan: str
    status: str
    seats: int
    mrr: float
    end_date: dt.date | None = None
    past_due_since: dt.date | None = None  # start of the current run of past-due states
    start_date: dt.date | None = None


@dataclass
class SubscriptionMove:
    """One history step of a subscription within the seats look-back: the state before and after ``on``."""

    subscription_id: int
    on: dt.date
    plan_before: str
    plan_after: str
    seats_before: int
    seats_after: int
    mrr_before: float
    mrr_after: float


@dataclass
class FeatureFact:
    """A key feature's distinct users now and in the two usage windows before (one quiet month is not a loss)."""

    event: str
    label: str
    users_before: int
    users_now: int


@dataclass
class ContactFact:
    """A person holding a key role (executive sponsor or champion), with their last touch up to the day."""

    id: int
    name: str
    role: str  # SPONSOR or CHAMPION
    left_on: dt.date | None = None
    last_touched_on: dt.date | None = None

    def present_on(self, day: dt.date) -> bool:
        return self.left_on is None or self.left_on > day


@dataclass
class RoleFact:
    """One key role at the account: whoever holds it and is still there, and when they were last touched."""

    role: str
    present: bool = False  # someone still there holds the role
    departed: bool = False  # someone who held it left, and nobody still there holds it
    last_touched_on: dt.date | None = None  # latest touch with a present holder
    who: str = ""  # the present holder touched last (or the first one)


@dataclass
class TicketFact:
    id: int
    subject: str
    priority: str
    opened_on: dt.date


@dataclass
class TextRecord:
    """Words the customer or the CSM wrote (ticket, touch or community post) within the text window."""

    model: str  # "support.ticket", "engagement.touch" or "community.post"
    id: int
    on: dt.date
    label: str
    text: str


@dataclass
class MilestoneFact:
    id: int
    title: str
    due_on: dt.date


@dataclass
class AnswerFact:
    """A person's latest NPS answer within the NPS window (or the account's, when nobody is named)."""

    id: int
    contact_id: int | None
    who: str
    score: int
    comment: str
    answered_on: dt.date


@dataclass
class KnowledgeFact:
    """The account's people in the help centre (the customer portal's knowledge base) over the usage window."""

    views: int = 0  # article views
    searches: int = 0
    helpful: int = 0  # "was this helpful?" answered yes
    unhelpful: int = 0
    deflections: int = 0  # questions the help centre answered before a ticket was opened
    people: int = 0  # distinct contacts with any of the above
    last_on: dt.date | None = None  # the last day of any of the above, within the activity look-back
    by_day: dict[dt.date, int] = field(default_factory=dict)  # all of the above, per day of the window
    by_contact: dict[int, int] = field(default_factory=dict)  # all of the above, per contact

    @property
    def actions(self) -> int:
        return self.views + self.searches + self.helpful + self.unhelpful + self.deflections

    @property
    def helpfulness(self) -> float | None:
        """Share of the window's votes that said helpful; None without votes."""
        votes = self.helpful + self.unhelpful
        return self.helpful / votes if votes else None


@dataclass
class QuestionFact:
    """A question someone at the account asked in the community that nobody else has answered yet."""

    id: int  # the thread
    title: str
    asked_at: dt.datetime
    hours_waiting: int  # by the end of the facts' day


@dataclass
class CommunityFact:
    """The account's people in the customer community over the usage window (published posts only)."""

    threads: int = 0  # threads they started
    replies: int = 0  # replies they wrote
    answers_accepted: int = 0  # their replies accepted as the answer to a question
    replies_received: int = 0  # replies others wrote in their threads
    likes_received: int = 0  # likes of their posts, whenever given
    people: int = 0  # distinct contacts who posted
    last_on: dt.date | None = None  # their last post, within the activity look-back
    by_day: dict[dt.date, int] = field(default_factory=dict)  # their posts per day of the window
    by_contact: dict[int, int] = field(default_factory=dict)  # their posts per contact
    # questions asked in the window that nobody else has answered, oldest first (older ones are the moderators' to
    # close: a signal about them would be noise)
    unanswered: list[QuestionFact] = field(default_factory=list)
    reach: dict[int, int] = field(default_factory=dict)  # per contact, as last counted (community.reputation.reach)

    @property
    def posts(self) -> int:
        return self.threads + self.replies


# ---- the whole account ------------------------------------------------------------------------------------


@dataclass
class AccountFacts:
    """Every fact about one account as of ``as_of``. Read ``GLOSSARY`` for the meaning of each."""

    account_id: int
    as_of: dt.date
    stage: str = "mature"
    segment: str = ""
    windows: Windows = field(default_factory=Windows)
    # subscriptions
    customer_since: dt.date | None = None
    subscriptions: list[SubscriptionFact] = field(default_factory=list)
    seats: int = 0
    seats_before: int = 0
    mrr: float = 0.0
    next_renewal_on: dt.date | None = None
    next_renewal_mrr: float = 0.0
    moves: list[SubscriptionMove] = field(default_factory=list)
    # usage
    usage_known_since: dt.date | None = None
    active_users: int = 0
    active_users_before: int = 0
    active_users_earlier: int = 0
    logins: int = 0
    logins_before: int = 0
    last_active_on: dt.date | None = None
    key_features: int = 0
    features: list[FeatureFact] = field(default_factory=list)
    # support
    open_tickets: list[TicketFact] = field(default_factory=list)
    oldest_open_ticket_on: dt.date | None = None
    # relationships
    contacts: list[ContactFact] = field(default_factory=list)
    sponsor: RoleFact = field(default_factory=lambda: RoleFact(SPONSOR))
    champion: RoleFact = field(default_factory=lambda: RoleFact(CHAMPION))
    last_touch_on: dt.date | None = None
    # sentiment
    sentiment: float | None = None
    nps_answers: list[AnswerFact] = field(default_factory=list)
    texts: list[TextRecord] = field(default_factory=list)
    # onboarding
    onboarding_active: bool = False
    overdue_milestones: list[MilestoneFact] = field(default_factory=list)
    # knowledge
    knowledge: KnowledgeFact = field(default_factory=KnowledgeFact)
    # community
    community: CommunityFact = field(default_factory=CommunityFact)

    # ---- derived: defined here once --------------------------------------------------------------------

    @property
    def is_paying(self) -> bool:
        return bool(self.subscriptions)

    @property
    def arr(self) -> float:
        return 12 * self.mrr

    @property
    def usage_tracked(self) -> bool:
        """Whether any product usage of this account ever reached Tenure by the day."""
        return self.last_active_on is not None

    @property
    def utilization(self) -> float | None:
        """Active users ÷ seats as observed; None without seats or before any usage reached Tenure. While usage
        has been recorded for less than the whole window it is a lower bound (see ``settled_utilization``)."""
        if not self.seats or self.usage_known_since is None or self.usage_known_since > self.as_of:
            return None
        return self.active_users / self.seats

    @property
    def settled_utilization(self) -> float | None:
        """Utilization once usage was recorded over the whole window: what judges *low* use reads, so an account
        is not called unused on the second day Tenure receives events. An account nobody uses is then at 0%."""
        return self.utilization if self.usage_window_known else None

    @property
    def usage_window_known(self) -> bool:
        """Usage was being recorded (for anyone) over the whole current usage window."""
        return self.usage_known_since is not None and (
            self.as_of - dt.timedelta(days=self.windows.usage - 1) >= self.usage_known_since)

    @property
    def usage_trend_known(self) -> bool:
        """Usage was being recorded over the current window and the one before."""
        return self.usage_known_since is not None and (
            self.as_of - dt.timedelta(days=2 * self.windows.usage - 1) >= self.usage_known_since)

    @property
    def active_user_trend(self) -> float | None:
        """Relative change of active users, this window vs the one before; None without users before."""
        if not self.active_users_before:
            return None
        return (self.active_users - self.active_users_before) / self.active_users_before

    @property
    def key_features_used(self) -> int:
        return sum(1 for f in self.features if f.users_now)

    @property
    def key_feature_breadth(self) -> float | None:
        return self.key_features_used / self.key_features if self.key_features else None

    @property
    def days_since_activity(self) -> int | None:
        return None if self.last_active_on is None else (self.as_of - self.last_active_on).days

    @property
    def open_high_tickets(self) -> int:
        return len(self.open_tickets)

    @property
    def days_to_renewal(self) -> int | None:
        return None if self.next_renewal_on is None else (self.next_renewal_on - self.as_of).days

    @property
    def key_person_last_touched_on(self) -> dt.date | None:
        """The later of the sponsor's and the champion's last touch: a measure that combines them says so."""
        days = [r.last_touched_on for r in (self.sponsor, self.champion) if r.last_touched_on]
        return max(days) if days else None

    @property
    def has_key_person(self) -> bool:
        return self.sponsor.present or self.champion.present

    def role(self, role: str) -> RoleFact:
        return self.sponsor if role == SPONSOR else self.champion

    @property
    def knowledge_engagement(self) -> int | None:
        """Help-centre actions of the account's people in the usage window; None for an account whose people never
        used the help centre within the activity look-back (unknown, not zero: many customers never will)."""
        return self.knowledge.actions if self.knowledge.last_on is not None else None

    @property
    def community_engagement(self) -> int | None:
        """Community posts by the account's people plus replies they received in the usage window; None for an
        account whose people never posted within the activity look-back (unknown, not zero)."""
        c = self.community
        return c.posts + c.replies_received if c.last_on is not None else None


GLOSSARY: dict[str, str] = {
    "stage": "The account's lifecycle stage today (onboarding, adopting, mature, renewing, at risk, churned).",
    "customer_since": "The start of the account's first subscription.",
    "subscriptions": "Live subscriptions on the day: a trialing, active or past-due state whose term covers it.",
    "seats": "Seats bought on the live subscriptions.",
    "seats_before": "Seats bought on the subscriptions live at the start of the seats look-back.",
    "mrr": "Monthly recurring revenue of the live subscriptions.",
    "arr": "Twelve times the MRR.",
    "next_renewal_on": "The earliest end date among the live subscriptions.",
    "next_renewal_mrr": "MRR of the live subscriptions that end on the next renewal date.",
    "moves": "Plan, seat and price changes of the account's subscriptions within the seats look-back.",
    "usage_known_since": "The first day any product usage (of any account) reached Tenure.",
    "active_users": "Distinct people with any tracked event in the usage window ending on the day.",
    "active_users_before": "The same, in the usage window just before.",
    "active_users_earlier": "The same, in the usage window ending 'earlier' days before the day.",
    "logins": "Login events in the usage window.",
    "logins_before": "Login events in the usage window just before.",
    "last_active_on": "The last day anyone at the account used the product (within the activity look-back).",
    "utilization": "Active users ÷ seats (unknown without seats or before any usage was recorded; a lower bound "
                   "until usage was recorded over the whole window).",
    "settled_utilization": "Utilization once usage was recorded over the whole window; what low-use rules read.",
    "key_features": "Key features in the catalog.",
    "features": "Each key feature's distinct users now and in the two usage windows before.",
    "key_feature_breadth": "Share of the catalog's key features anyone used in the usage window.",
    "open_tickets": "Unresolved tickets of high or urgent priority, opened by the day.",
    "oldest_open_ticket_on": "The day the oldest unresolved ticket (any priority) was opened.",
    "contacts": "People holding the executive sponsor or champion role, with the day they left and their last touch.",
    "sponsor": "The executive sponsor role: held by someone still there, departed, and its last touch.",
    "champion": "The champion role: held by someone still there, departed, and its last touch.",
    "key_person_last_touched_on": "The later of the sponsor's and the champion's last touch.",
    "last_touch_on": "The last touch of any kind with anyone at the account.",
    "sentiment": "NPS answers, the CSM's pulse and touch sentiment of the sentiment window, recent ones counting "
                 "most (half-life 90 days; pulses count double, touches half), 0-100.",
    "nps_answers": "Each person's latest NPS answer within the NPS window.",
    "texts": "Tickets and touches within the text window, for competitor names and churn phrases.",
    "onboarding_active": "An onboarding project had started and was not finished or cancelled by the day.",
    "overdue_milestones": "Milestones of a running onboarding project that were due before the day and not done.",
    "knowledge": "The account's people in the help centre in the usage window: article views, searches, helpful and "
                 "unhelpful votes, deflections (answered before a ticket), distinct people, per day and per person, "
                 "and the last day of any (within the activity look-back).",
    "community": "The account's people in the customer community in the usage window: threads started, replies, "
                 "answers accepted, replies received, likes received, distinct people, per day and per person; the "
                 "last post (within the activity look-back); and their questions of the window nobody else has "
                 "answered yet.",
    "community_engagement": "Community posts plus replies received in the usage window; unknown for an account "
                            "whose people never posted within the activity look-back.",
    "knowledge_engagement": "Help-centre actions in the usage window; unknown for an account whose people never used "
                            "the help centre within the activity look-back.",
}
