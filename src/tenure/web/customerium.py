"""The customerium map (web assembles it: it reads the community room and the account facts). Every known person
of the customers is placed along knowledge (what they know and give: accepted answers, articles that came from their
threads, replies) and influence (how far their voice carries: likes and replies their posts drew, people they
helped, their account's ARR), and coloured by sentiment (their latest NPS answer; else a promoter or detractor mark
on their record; else the tone of their posts).

The formulas are plain functions, so the page can say how each position is made."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tenure.accounts.models import Contact
from tenure.community.models import Post, Standing, State
from tenure.community.reputation import reach
from tenure.facts import load_facts
from tenure.surveys.models import SurveyKind, SurveyResponse

SENTIMENTS = ("promoter", "passive", "detractor", "unknown")
_POSITIVE = re.compile(r"\b(thanks?|thank you|great|love|helpful|awesome|perfect|works|solved|brilliant)\b", re.I)
_NEGATIVE = re.compile(r"\b(broken|frustrat\w*|terrible|awful|useless|annoying|disappoint\w*|bug|worst|slow|"
                       r"unacceptable|fails?|failing|cancel\w*)\b", re.I)
LIMIT = 5_000  # people on one map: more is a filter's job


def knowledge(accepted_answers: int, articles: int, replies: int) -> float:
    """Accepted answers, articles written from their threads (counted double) and a fifth of their replies."""
    return accepted_answers + 2 * articles + replies / 5


def influence(community_reach: int, arr: float) -> float:
    """Their community reach, plus their account's weight: one point per 10,000 of ARR, at most 20."""
    return community_reach + min(arr / 10_000, 20)


def nps_sentiment(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def tone(texts: list[str]) -> str | None:
    """The tone of what someone wrote: 'promoter' when clearly warm, 'detractor' when clearly cross, else None."""
    positive = sum(len(_POSITIVE.findall(t)) for t in texts)
    negative = sum(len(_NEGATIVE.findall(t)) for t in texts)
    if positive + negative < 2:
        return None
    return "promoter" if positive >= 2 * negative else "detractor" if negative >= 2 * positive else "passive"


@dataclass
class Person:
    contact_id: int
    name: str
    account_id: int
    account: str
    segment: str
    arr: float
    knowledge: float
    influence: float
    sentiment: str
    sentiment_from: str  # in words: "NPS 3 on 4 May 2026", "marked detractor", "tone of 12 posts", ""
    maven: bool
    points: int = 0
    accepted_answers: int = 0
    people_helped: int = 0
    areas: set[int] = field(default_factory=set)  # the knowledge-base categories they posted in


def people(*, segment: str = "", account_id: int | None = None, area_id: int | None = None) -> list[Person]:
    """Everyone the map shows: people with a community standing, an NPS answer in the NPS window, or a maven,
    promoter or detractor mark; filtered by their account's segment, one account, or a product area."""
    today = timezone.localdate()
    answered = SurveyResponse.objects.filter(contact=OuterRef("pk"), kind=SurveyKind.NPS)
    contacts = Contact.objects.filter(left_on__isnull=True).filter(
        Q(community_standing__isnull=False) | Q(is_maven=True) | Q(is_promoter=True) | Q(is_detractor=True)
        | Q(Exists(answered)))
    if segment:
        contacts = contacts.filter(account__segment__iexact=segment)
    if account_id:
        contacts = contacts.filter(account_id=account_id)
    rows = list(contacts.order_by("pk").values_list("pk", "name", "email", "account_id", "account__name",
                                                     "account__segment", "is_maven", "is_promoter", "is_detractor")
                [:LIMIT])
    ids = [r[0] for r in rows]
    facts = load_facts({r[3] for r in rows}, today, parts=("subscriptions", "sentiment")) if rows else {}
    standings = {s.contact_id: s for s in Standing.objects.filter(contact_id__in=ids)}
    latest_nps = {a.contact_id: a for f in facts.values() for a in f.nps_answers if a.contact_id}
    texts: dict[int, list[str]] = defaultdict(list)
    areas: dict[int, set[int]] = defaultdict(set)
    for contact_id, text, category in (Post.objects.filter(author_contact_id__in=ids, state=State.PUBLISHED)
                                       .values_list("author_contact_id", "body_text", "thread__category_id")):
        texts[contact_id].append(text[:2000])
        if category:
            areas[contact_id].add(category)
    out = []
    for pk, name, email, acct, acct_name, seg, maven, promoter, detractor in rows:
        if area_id and area_id not in areas.get(pk, ()):
            continue
        st = standings.get(pk)
        arr = facts[acct].arr if acct in facts else 0.0
        answer = latest_nps.get(pk)
        if answer is not None:
            feeling, said = nps_sentiment(answer.score), f"NPS {answer.score} on {answer.answered_on:%-d %b %Y}"
        elif promoter or detractor:
            feeling, said = ("detractor", "marked detractor") if detractor else ("promoter", "marked promoter")
        elif (found := tone(texts.get(pk, []))) is not None:
            feeling, said = found, f"tone of {len(texts[pk])} post{'s' if len(texts[pk]) != 1 else ''}"
        else:
            feeling, said = "unknown", ""
        out.append(Person(
            pk, name or email or f"contact {pk}", acct, acct_name, seg or "", arr,
            knowledge(st.accepted_answers, st.articles, st.replies) if st else 0.0,
            influence(reach(st.likes_received, st.replies_received, st.people_helped) if st else 0, arr),
            feeling, said, maven, st.points if st else 0, st.accepted_answers if st else 0,
            st.people_helped if st else 0, areas.get(pk, set())))
    return out


def flagged(p: Person) -> bool:
    """A detractor whose voice carries: worth the account CSM's attention (the map marks them)."""
    return p.sentiment == "detractor" and p.influence >= 20


def log_scale(value: float) -> float:
    return math.log10(1 + value)
