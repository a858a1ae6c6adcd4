"""The demo's customer community: a year of Brightloop's customers asking and answering each other (demo.threads),
following each account's story as its usage and help-centre reading do.

Accounts whose people post are mostly the engaged ones, enterprise most; the demo's mavens (Contacts marked so in
the story) answer most questions and get their answers accepted; detractors post their frustration; an account
evaluating a competitor names it in a post; accounts on their way out stop posting weeks before they leave.
Popular questions are asked again in other words (duplicates for the detector), some solved threads became
articles and were archived, ideas collect votes and a status, and a private working group shares templates. A few
recent questions from enterprise accounts wait for an answer (the community signal). Written in bulk through
community.history; deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.community import history
from tenure.community import services as community
from tenure.community.history import PastPost, PastThread
from tenure.community.models import IdeaStatus, ThreadKind
from tenure.community.reputation import count_standings
from tenure.demo.articles import CATEGORIES
from tenure.demo.models import Scenario
from tenure.demo.threads import DISCUSSIONS, IDEAS, ME_TOO, THANKS, TOPICS, UNHAPPY, WORKING_GROUP
from tenure.knowledge.models import Article, Category
from tenure.users.models import User

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
POSTS_PER_YEAR = {"smb": 1.0, "mid-market": 2.5, "enterprise": 5.0}  # threads an active account starts
TAKES_PART = {Scenario.EXPANDING: 0.8, Scenario.STEADY: 0.55, Scenario.NEW: 0.5, Scenario.AT_RISK: 0.45,
              Scenario.CHURNED: 0.35}
STAFF = ("morgan", "priya")  # the team members who answer in the community


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59))))


@transaction.atomic
def seed_community(today: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}-community")
    categories = {key: Category.objects.filter(name=name).first() for key, name in CATEGORIES}
    articles = {a.slug: a for a in Article.objects.filter(status="published")}
    staff = list(User.objects.filter(username__in=STAFF).order_by("username"))
    accounts = list(Account.objects.filter(demo_scenario__isnull=False).select_related("demo_scenario")
                    .order_by("pk"))
    people: dict[int, list[Contact]] = defaultdict(list)
    for c in Contact.objects.filter(account__in=accounts).exclude(email="").order_by("pk"):
        people[c.account_id].append(c)
    mavens = [c for cs in people.values() for c in cs if c.is_maven and c.left_on is None]
    posters = [a for a in accounts if people[a.pk] and rng.random() < TAKES_PART.get(a.demo_scenario.scenario, 0.4)]
    start = today - 364 * DAY

    # Leavers stop posting some weeks before they go.
    last_day = {a.pk: (a.demo_scenario.churned_on - rng.randint(14, 56) * DAY) if a.demo_scenario.churned_on
                else today for a in accounts}

    def active(contact: Contact, account: Account, day: dt.date) -> bool:
        return day <= last_day[account.pk] and (contact.left_on is None or day < contact.left_on)

    def someone(day: dt.date, but: Contact | None = None) -> Contact | None:
        for _ in range(8):
            account = rng.choice(posters)
            contact = rng.choice(people[account.pk])
            if contact != but and active(contact, account, day):
                return contact
        return None

    by_account = {a.pk: a for a in accounts}
    past: list[PastThread] = []
    asked: dict[int, int] = defaultdict(int)  # topic → times asked: the second time on is a duplicate
    for account in posters:
        s = account.demo_scenario
        n = max(1, round(POSTS_PER_YEAR.get(account.segment, 1.5) * rng.uniform(0.5, 1.5)))
        for _ in range(n):
            day = start + rng.randrange(365) * DAY
            asker = rng.choice(people[account.pk])
            if not active(asker, account, day):
                continue
            at = _moment(day, rng)
            roll = rng.random()
            if roll < 0.72:
                past.append(_question(rng, asker, at, today, account, categories, articles, mavens, staff, asked,
                                      someone, by_account))
            elif roll < 0.9:
                key, title, body = rng.choice(IDEAS)
                votes = {v.pk for v in (someone(day) for _ in range(rng.randint(2, 25))) if v}
                status = rng.choice((IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, IdeaStatus.PLANNED, IdeaStatus.SHIPPED,
                                     IdeaStatus.DECLINED))
                replies = [PastPost(rng.choice(ME_TOO), at + rng.randint(2, 200) * HOUR, v.pk, None, v.account_id)
                           for v in (someone(day, asker) for _ in range(rng.randint(0, 3))) if v]
                past.append(PastThread(title, ThreadKind.IDEA, [PastPost(body, at, asker.pk, None, account.pk),
                                                                *_before(replies, today)],
                                       category_id=_id(categories.get(key)), idea_status=status, votes=list(votes)))
            else:
                key, title, body = rng.choice(DISCUSSIONS)
                replies = [PastPost(f"{rng.choice(THANKS)} We do something similar.", at + rng.randint(1, 90) * HOUR,
                                    v.pk, None, v.account_id)
                           for v in (someone(day, asker) for _ in range(rng.randint(1, 5))) if v]
                past.append(PastThread(title, ThreadKind.DISCUSSION,
                                       [PastPost(body, at, asker.pk, None, account.pk), *_before(replies, today)],
                                       category_id=_id(categories.get(key))))
            if s.competitor and s.warning_on and rng.random() < 0.6:  # an evaluation, said in public
                said = max(start, s.warning_on + rng.randint(0, 30) * DAY)
                if said <= today and active(asker, account, said):
                    past.append(PastThread(f"Anyone compared Brightloop with {s.competitor}?", ThreadKind.DISCUSSION,
                                           [PastPost(f"We are evaluating {s.competitor} because exports keep failing "
                                                     f"for us. Experiences?", _moment(said, rng), asker.pk, None,
                                                     account.pk)], category_id=_id(categories.get("start"))))
    for account in posters:  # detractors post what they feel
        for c in people[account.pk]:
            if c.is_detractor and active(c, account, today - 20 * DAY) and rng.random() < 0.7:
                # Others feel the same: their frustration is heard (replies and likes), which makes them influential.
                at = _moment(today - rng.randint(10, 60) * DAY, rng)
                heard = [o for o in (someone(at.date(), c) for _ in range(rng.randint(2, 5))) if o]
                likers = [o.pk for o in (someone(at.date(), c) for _ in range(rng.randint(4, 10))) if o]
                past.append(PastThread(rng.choice(("Exports failing again", "Dashboards keep timing out")),
                                       ThreadKind.DISCUSSION,
                                       [PastPost(rng.choice(UNHAPPY), at, c.pk, None, account.pk, likes=likers),
                                        *_before([PastPost(rng.choice(ME_TOO), at + (3 + 5 * k) * HOUR, o.pk, None,
                                                           o.account_id) for k, o in enumerate(heard)], today)],
                                       category_id=_id(categories.get("trouble"))))
    for account in [a for a in posters if a.segment == "enterprise" and last_day[a.pk] >= today][:2]:
        asker = next((c for c in people[account.pk] if active(c, account, today)), None)
        if asker is not None:  # asked a few days ago, nobody has answered yet: the community signal's case
            key, _, phrasings, _ = TOPICS[rng.randrange(len(TOPICS))]
            past.append(PastThread(phrasings[-1], ThreadKind.QUESTION,
                                   [PastPost(f"{phrasings[-1]} This blocks our rollout.",
                                             _moment(today - rng.randint(3, 5) * DAY, rng), asker.pk, None,
                                             account.pk)], category_id=_id(categories.get(key))))
    past.sort(key=lambda t: t.posts[0].at)
    counts = history.add_threads(past)
    counts["community groups"] = _working_group(rng, posters, people, categories, today)
    counts.update({f"community {k}": v for k, v in count_standings().items()})
    return counts


def _id(obj) -> int | None:
    return obj.pk if obj is not None else None


def _before(posts: list[PastPost], today: dt.date) -> list[PastPost]:
    """Posts up to the end of the demo's today, in order."""
    end = timezone.make_aware(dt.datetime.combine(today + DAY, dt.time.min))
    return sorted((p for p in posts if p.at < end), key=lambda p: p.at)


def _question(rng, asker, at, today, account, categories, articles, mavens, staff, asked, someone, by_account):
    topic = min(int(rng.paretovariate(1.1)) - 1, len(TOPICS) - 1)
    key, article_key, phrasings, answers = TOPICS[topic]
    title = phrasings[0] if not asked[topic] else rng.choice(phrasings)  # asked again, in its own words
    asked[topic] += 1
    posts = [PastPost(f"{title} We are on the {account.segment} plan.", at, asker.pk, None, account.pk)]
    recent = (today - at.date()).days <= 5
    enterprise_waiting = recent and account.segment == "enterprise" and rng.random() < 0.6
    accepted = accepted_at = article_id = archived_at = None
    if not enterprise_waiting and rng.random() < (0.85 if recent else 0.99):
        # A few mavens answer most: the first of them far more than the last.
        answerer = (rng.choices(mavens, weights=[1 / (i + 1) for i in range(len(mavens))])[0]
                    if mavens and rng.random() < 0.6 else None)
        when = at + rng.randint(1, 30) * HOUR
        if answerer is not None and answerer.pk != asker.pk:
            posts.append(PastPost(rng.choice(answers), when, answerer.pk, None, answerer.account_id,
                                  likes=[c.pk for c in (someone(at.date()) for _ in range(rng.randint(0, 6))) if c]))
        elif staff and rng.random() < 0.4:
            posts.append(PastPost(rng.choice(answers) + (f"\n\nSee also our article: {articles[article_key].title}."
                                                         if article_key in articles else ""),
                                  when, None, rng.choice(staff).pk, None))
        else:
            helper = someone(at.date(), asker)
            if helper is not None:
                posts.append(PastPost(rng.choice(answers), when, helper.pk, None, helper.account_id,
                                      likes=[asker.pk] if rng.random() < 0.5 else []))
        if len(posts) > 1 and rng.random() < 0.75:
            accepted, accepted_at = 1, posts[1].at + rng.randint(1, 48) * HOUR
            posts.append(PastPost(rng.choice(THANKS), accepted_at, asker.pk, None, account.pk))
            if article_key in articles and rng.random() < 0.12:
                article_id = articles[article_key].pk
                archived_at = accepted_at + rng.randint(7, 30) * DAY
        for _ in range(rng.randint(0, 2)):
            other = someone(at.date(), asker)
            if other is not None:
                posts.append(PastPost(rng.choice(ME_TOO), at + rng.randint(2, 240) * HOUR, other.pk, None,
                                      other.account_id))
    kept = _before(posts[1:], today)
    if accepted is not None and posts[1] not in kept:
        accepted = accepted_at = article_id = archived_at = None
    end = timezone.make_aware(dt.datetime.combine(today + DAY, dt.time.min))
    return PastThread(title, ThreadKind.QUESTION, [posts[0], *kept], category_id=_id(categories.get(key)),
                      accepted=1 + kept.index(posts[1]) if accepted is not None else None,
                      accepted_at=accepted_at if accepted_at and accepted_at < end else None,
                      article_id=article_id if archived_at and archived_at < end else None,
                      archived_at=archived_at if archived_at and archived_at < end else None)


def _working_group(rng, posters, people, categories, today) -> int:
    name, description, titles = WORKING_GROUP
    lead = User.objects.filter(username=STAFF[0]).first()
    group = community.create_group(name=name, description=description, by=lead)
    members = [people[a.pk][0] for a in posters if a.segment == "enterprise" and people[a.pk]][:6]
    for m in members:
        community.invite(group, m, by=lead)
    past = []
    for i, title in enumerate(titles):
        if not members:
            break
        author = members[i % len(members)]
        at = _moment(today - (60 - 20 * i) * DAY, rng)
        replies = [PastPost("Thanks for sharing, we adapted it.", at + (10 + j) * HOUR, m.pk, None, m.account_id)
                   for j, m in enumerate(members[1:3])]
        past.append(PastThread(title, ThreadKind.DISCUSSION, [PastPost(f"{title}: here is ours.", at, author.pk, None,
                                                                       author.account_id), *replies],
                               category_id=_id(categories.get("dashboards")), group_id=group.pk))
    history.add_threads(past)
    return 1
