"""What the knowledge base does for the customers, for CS leaders: top articles, gaps, the deflection rate and
helpfulness week by week. The weekly sums are a pure function over daily counts; ``load`` reads them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from tenure.knowledge.models import ActivityKind, Article, KnowledgeActivity, KnowledgeGap
from tenure.support.models import Ticket

PERIODS = (30, 90, 365)  # the page's choices, in days
PORTAL = "portal"  # a ticket the customer opened in the customer portal (support.services.PORTAL)


def deflection_rate(deflections: int, portal_tickets: int) -> float | None:
    """Of the questions customers brought to the portal's contact form, the share the help centre answered before
    a ticket was opened; None when nobody came."""
    total = deflections + portal_tickets
    return deflections / total if total else None


def helpfulness(helpful: int, unhelpful: int) -> float | None:
    votes = helpful + unhelpful
    return helpful / votes if votes else None


@dataclass
class Week:
    start: dt.date  # a Monday
    views: int = 0
    searches: int = 0
    helpful: int = 0
    unhelpful: int = 0
    deflections: int = 0
    portal_tickets: int = 0

    @property
    def deflection_rate(self) -> float | None:
        return deflection_rate(self.deflections, self.portal_tickets)

    @property
    def helpfulness(self) -> float | None:
        return helpfulness(self.helpful, self.unhelpful)


_FIELDS = {ActivityKind.VIEW: "views", ActivityKind.SEARCH: "searches", ActivityKind.HELPFUL: "helpful",
           ActivityKind.UNHELPFUL: "unhelpful", ActivityKind.DEFLECTION: "deflections"}


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly(activity: list[tuple[dt.date, str, int]], tickets: list[tuple[dt.date, int]], since: dt.date,
           until: dt.date) -> list[Week]:
    """Every week from the one holding ``since`` to the one holding ``until`` (empty weeks included), summing
    ``activity`` (day, kind, count: account-level rows) and ``tickets`` (day, portal tickets opened)."""
    weeks: dict[dt.date, Week] = {}
    start = monday(since)
    while start <= until:
        weeks[start] = Week(start)
        start += dt.timedelta(days=7)
    for day, kind, n in activity:
        week, name = weeks.get(monday(day)), _FIELDS.get(kind)
        if week is not None and name is not None and since <= day <= until:
            setattr(week, name, getattr(week, name) + n)
    for day, n in tickets:
        week = weeks.get(monday(day))
        if week is not None and since <= day <= until:
            week.portal_tickets += n
    return list(weeks.values())


@dataclass
class ArticleRow:
    article: Article
    views: int
    helpful: int
    unhelpful: int
    deflections: int

    @property
    def helpfulness(self) -> float | None:
        return helpfulness(self.helpful, self.unhelpful)


@dataclass
class Insights:
    since: dt.date
    until: dt.date
    weeks: list[Week]
    top_articles: list[ArticleRow]
    gaps: list[KnowledgeGap]
    gap_count: int
    totals: Week = field(init=False)

    def __post_init__(self):
        self.totals = Week(self.since)
        for week in self.weeks:
            for name in ("views", "searches", "helpful", "unhelpful", "deflections", "portal_tickets"):
                setattr(self.totals, name, getattr(self.totals, name) + getattr(week, name))


def load(until: dt.date, days: int, top: int = 10) -> Insights:
    """The page's figures over the ``days`` ending on ``until``: a few grouped queries, whatever the traffic."""
    since = until - dt.timedelta(days=days - 1)
    in_period = Q(day__range=(since, until))
    # A deflection is counted once for the account (no article) and again for each article it showed.
    account_level = in_period & (~Q(kind=ActivityKind.DEFLECTION) | Q(article_key=0))
    activity = list(KnowledgeActivity.objects.filter(account_level).values("day", "kind")
                    .annotate(n=Sum("count")).values_list("day", "kind", "n"))
    tickets = list(Ticket.objects.filter(source=PORTAL, opened_at__date__range=(since, until))
                   .annotate(day=TruncDate("opened_at")).values("day").annotate(n=Count("pk"))
                   .values_list("day", "n"))
    per_article: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for article_id, kind, n in (KnowledgeActivity.objects.filter(in_period, article__isnull=False)
                                .values("article_id", "kind").annotate(n=Sum("count"))
                                .values_list("article_id", "kind", "n")):
        per_article[article_id][kind] += n
    ranked = sorted(per_article, key=lambda pk: (-per_article[pk][ActivityKind.VIEW],
                                                 -per_article[pk][ActivityKind.DEFLECTION], pk))[:top]
    articles = Article.objects.in_bulk(ranked)
    top_articles = [ArticleRow(articles[pk], per_article[pk][ActivityKind.VIEW], per_article[pk][ActivityKind.HELPFUL],
                               per_article[pk][ActivityKind.UNHELPFUL], per_article[pk][ActivityKind.DEFLECTION])
                    for pk in ranked if pk in articles]
    recent_gaps = KnowledgeGap.objects.filter(last_seen__date__gte=since)
    gaps = list(recent_gaps.annotate(account_count=Count("accounts")).order_by("-count", "-last_seen", "pk")[:top])
    return Insights(since, until, weekly(activity, tickets, since, until), top_articles, gaps, recent_gaps.count())
