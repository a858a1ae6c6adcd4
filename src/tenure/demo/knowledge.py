"""The demo's help centre: the vendor's knowledge base (demo.articles) and a year of its customers using it.

Reading follows each account's story (its DemoScenario), as product usage does: engaged accounts' people search,
read and vote week after week, new customers read the getting-started articles most, and accounts on their way
out read less from the first sign of trouble and stop some weeks before they leave. A few times a year a
customer is answered before opening a ticket (a deflection); some of the demo's tickets were opened in the
portal anyway, with the articles the customer was shown; and a handful of searches find nothing (knowledge gaps).

Articles are written one by one through the knowledge services (few rows); the year's tallies and votes in bulk
(``add_activity``, ``add_feedback``, ``add_shown``). Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from tenure.accounts.models import Account, Contact
from tenure.billing.models import Subscription
from tenure.demo.articles import ARTICLES, CATEGORIES, GAP_SEARCHES
from tenure.demo.models import DemoScenario, Scenario, UsageTrend
from tenure.demo.usage import _seats_timeline, _trend
from tenure.demo.values import poisson
from tenure.knowledge import services as knowledge
from tenure.knowledge.models import ActivityKind, Article, ArticleFeedback, ArticleStatus
from tenure.knowledge.search import Audience, search_articles
from tenure.knowledge.services import Tally
from tenure.support import services as support
from tenure.support.models import Ticket
from tenure.users.models import User

DAY = dt.timedelta(days=1)
AUTHORS = ("morgan", "priya", "casey")  # the team members who write the help centre
USES_HELP_CENTRE = 0.85  # share of accounts whose people ever use it (the others leave the measure unknown)
SESSIONS_PER_WEEK = {"smb": 0.7, "mid-market": 1.3, "enterprise": 2.0}  # visits to the help centre, before trend
SEARCH_SHARE, VOTE_SHARE, DEFLECT_SHARE = 0.55, 0.12, 0.05  # of visits
PORTAL_TICKET_SHARE = 0.3  # of the tickets a customer's person could have opened in the portal
PORTAL_CATEGORIES = ("how-to", "bug", "integration", "access", "performance", "billing")
UNHELPFUL_COMMENTS = ("Did not cover our setup.", "Steps are out of date.", "Still does not work for us.",
                      "Too short; a screenshot would help.")


@transaction.atomic
def seed_knowledge(today: dt.date, seed: int) -> dict[str, int]:
    """Write the help centre and its year of use; returns what was written, by name."""
    rng = random.Random(f"{seed}-knowledge")
    published = _write_articles()
    rng.shuffle(published)  # which articles are read most: any, not the first written
    accounts = list(Account.objects.filter(demo_scenario__isnull=False).select_related("demo_scenario")
                    .order_by("pk"))
    readers = defaultdict(list)
    for contact in Contact.objects.filter(account__in=accounts).exclude(email="").order_by("pk"):
        readers[contact.account_id].append(contact)
    plans = defaultdict(set)
    for account_id, plan in Subscription.objects.filter(account__in=accounts).values_list("account_id", "plan"):
        plans[account_id].add(plan.lower())
    timelines = _seats_timeline([a.pk for a in accounts])

    activity: list[Tally] = []
    votes: list[ArticleFeedback] = []
    for account in accounts:
        if not readers[account.pk] or not timelines.get(account.pk) or rng.random() > USES_HELP_CENTRE:
            continue
        shelf = _shelf(published, account, plans[account.pk])
        _year(account, account.demo_scenario, readers[account.pk], timelines[account.pk][0][0], shelf, today, rng,
              activity, votes)
    knowledge.add_feedback(votes)
    tallies = knowledge.add_activity(activity)
    portal_tickets, shown = _portal_tickets(today, rng)
    gaps = _gaps(accounts, readers, today, rng)
    return {"articles": len(published), "knowledge tallies": tallies, "article votes": len(votes),
            "portal tickets": portal_tickets, "articles shown": shown, "knowledge gaps": gaps}


def _write_articles() -> list[tuple[Article, str]]:
    """The knowledge base through its services; returns the published articles with their category keys."""
    authors = {u.username: u for u in User.objects.filter(username__in=AUTHORS)}
    categories = {key: knowledge.create_category(name=name, order=i * 10)
                  for i, (key, name) in enumerate(CATEGORIES)}
    tags = {t.name: t for t in knowledge.tags_named(n for *_, listed, _, _, _ in ARTICLES for n in listed)}
    # Related articles go both ways: each article is linked, as it is written, to those already written that it
    # names or that name it.
    names = {key: set(related) for key, *_, related, _ in ARTICLES}
    written: dict[str, Article] = {}
    published = []
    for i, (key, category, title, tag_names, body, _, seen_by) in enumerate(ARTICLES):
        visibility, _, audience = seen_by.partition(":")
        status = ArticleStatus.DRAFT if visibility == "draft" else ArticleStatus.PUBLISHED
        article = knowledge.create_article(
            title=title, body=body, slug=key, category=categories[category], tags=[tags[n] for n in tag_names],
            visibility="public" if visibility == "draft" else visibility, audience_value=audience, status=status,
            related=[a for k, a in written.items() if k in names[key] or key in names[k]],
            by=authors.get(AUTHORS[i % len(AUTHORS)]))
        written[key] = article
        if status == ArticleStatus.PUBLISHED:
            published.append((article, category))
    return published


def _shelf(published, account: Account, plans: set[str]) -> tuple[list[Article], list[Article]]:
    """What this account's people may read (all, and the getting-started ones), the most read first."""
    readable = [(a, c) for a, c in published
                if a.visibility in ("public", "customers")
                or (a.visibility == "segment" and a.audience_value.lower() == account.segment)
                or (a.visibility == "plan" and a.audience_value.lower() in plans)]
    return [a for a, _ in readable], [a for a, c in readable if c == "start"]


def _pick(rng: random.Random, articles: list[Article]) -> Article:
    # A few articles are read far more than the rest: the earlier in the list, the likelier.
    return articles[min(len(articles) - 1, int(rng.paretovariate(1.2)) - 1 + rng.randrange(3))]


def _year(account, story: DemoScenario, people: list[Contact], signed: dt.date, shelf, today: dt.date,
          rng: random.Random, activity: list, votes: list) -> None:
    """One account's year of help-centre visits, appended to ``activity`` and ``votes``."""
    everything, basics = shelf
    first = max(signed, today - 365 * DAY)
    # Leavers stop reading some weeks before they go.
    last = story.churned_on - rng.randint(14, 56) * DAY if story.churned_on else today
    declining_end = story.churned_on or today + 60 * DAY
    keenness = rng.uniform(0.5, 1.5) * SESSIONS_PER_WEEK.get(account.segment, 0.7)
    if story.scenario == Scenario.EXPANDING:
        keenness *= 1.3
    leaving = story.scenario in (Scenario.CHURNED, Scenario.AT_RISK) and story.warning_on is not None
    happy = story.usage_trend != UsageTrend.DECLINING and not leaving
    week = first
    while week <= last:
        rate = keenness * _trend(story, week, first, declining_end)
        if (week - signed).days < 60:
            rate *= 1.8  # onboarding: people look things up
        if leaving and week >= story.warning_on:
            span = max(30, ((story.churned_on or today) - story.warning_on).days)
            rate *= max(0.1, 1 - (week - story.warning_on).days / span)
        for _ in range(poisson(rng, rate)):
            day = week + rng.choice((0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6)) * DAY
            present = [c for c in people if c.left_on is None or c.left_on > day]
            if day > last or not present:
                continue
            person = rng.choice(present)
            _visit(account, person, day, everything, basics if (day - signed).days < 90 else everything,
                   happy, rng, activity, votes)
        week += 7 * DAY


def _visit(account, person, day, everything, likely, happy, rng, activity, votes) -> None:
    def tally(kind, article=None):
        activity.append(Tally(day, account.pk, kind, person.pk, article.pk if article else None))

    if rng.random() < SEARCH_SHARE:
        tally(ActivityKind.SEARCH)
    read = [_pick(rng, likely if rng.random() < 0.6 else everything) for _ in range(1 + (rng.random() < 0.4)
                                                                                     + (rng.random() < 0.15))]
    for article in read:
        tally(ActivityKind.VIEW, article)
    if rng.random() < VOTE_SHARE:
        helpful = rng.random() < (0.8 if happy else 0.5)
        at = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=dt.UTC)
        votes.append(ArticleFeedback(article=read[-1], helpful=helpful, account_id=account.pk, contact=person,
                                     created_at=at,
                                     comment="" if helpful or rng.random() < 0.6 else rng.choice(UNHELPFUL_COMMENTS)))
    if rng.random() < DEFLECT_SHARE:
        tally(ActivityKind.DEFLECTION)
        for article in dict.fromkeys(read):
            tally(ActivityKind.DEFLECTION, article)


def _portal_tickets(today: dt.date, rng: random.Random) -> tuple[int, int]:
    """Some of the year's tickets were opened in the portal anyway: marked so, with the articles shown while the
    customer wrote them (what the portal's search finds for the subject)."""
    since = dt.datetime.combine(today - 365 * DAY, dt.time(), tzinfo=dt.UTC)
    candidates = list(Ticket.objects.filter(Q(category__in=PORTAL_CATEGORIES), contact__isnull=False,
                                            opened_at__gte=since).exclude(contact__email="").order_by("pk"))
    chosen = [t for t in candidates if rng.random() < PORTAL_TICKET_SHARE]
    # the demo's own tickets, as written a moment ago: only their source changes
    support.update_tickets([(t, {"source": support.PORTAL}) for t in chosen], clean=False)
    suggestions: dict[str, list[int]] = {}
    for ticket in chosen:
        if ticket.subject not in suggestions:
            found = search_articles(ticket.subject, audience=Audience(signed_in=True), limit=3, url_for=_no_url)
            suggestions[ticket.subject] = [r.id for r in found]
    articles = Article.objects.in_bulk({pk for ids in suggestions.values() for pk in ids})
    shown = knowledge.add_shown((t, [articles[pk] for pk in suggestions[t.subject]]) for t in chosen
                                if suggestions[t.subject])
    return len(chosen), shown


def _no_url(article_id: int, slug: str) -> str:
    return ""  # only the articles are wanted, not their addresses


def _gaps(accounts, readers, today: dt.date, rng: random.Random) -> int:
    """Searches no article answers, each made by a few customers over the last months."""
    present = {a.pk: [c for c in readers[a.pk] if c.left_on is None] for a in accounts}
    active = [a for a in accounts if present[a.pk] and a.demo_scenario.churned_on is None]
    gaps = set()
    for query in GAP_SEARCHES:
        results = search_articles(query, audience=Audience(signed_in=True), limit=5, url_for=_no_url)
        for account in rng.sample(active, min(len(active), rng.randint(2, 6))):
            at = dt.datetime.combine(today - rng.randint(1, 150) * DAY, dt.time(rng.randint(8, 18)), tzinfo=dt.UTC)
            gap = knowledge.record_search(query, results, account=account, contact=rng.choice(present[account.pk]),
                                          at=at)
            if gap is not None:
                gaps.add(gap.pk)
    return len(gaps)
