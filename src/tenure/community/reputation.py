"""Reputation: points per action (CommunitySettings), ranks, and the maven rule, counted for every member at once
(a fixed number of queries) into Standing rows. A member who passes the maven thresholds is marked a maven on their
Contact (through the accounts room's service, so the account's timeline shows it), with the evidence; a maven is
never unmarked automatically: a person may have made them one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Contact
from tenure.community.models import CommunitySettings, Post, Reaction, Standing, State, Thread
from tenure.users import audit

RANKS = ((300, "Expert"), (100, "Regular"), (20, "Contributor"), (0, "Newcomer"))


def rank(points: int) -> str:
    return next(name for floor, name in RANKS if points >= floor)


@dataclass
class Tally:
    threads: int = 0
    replies: int = 0
    accepted_answers: int = 0
    people_helped: int = 0
    likes_received: int = 0
    votes_received: int = 0
    replies_received: int = 0
    articles: int = 0

    def points(self, s: CommunitySettings) -> int:
        return (self.threads * s.points_thread + self.replies * s.points_reply
                + self.accepted_answers * s.points_accepted + self.likes_received * s.points_like
                + self.votes_received * s.points_idea_vote)


def reach(likes_received: int, replies_received: int, people_helped: int) -> int:
    """How far a member's voice carries in the community: likes and replies their posts drew, and the people they
    helped (counted double). The customerium map adds their account's weight; the influential-detractor signal
    reads this alone."""
    return likes_received + replies_received + 2 * people_helped


def is_maven(t: Tally, s: CommunitySettings) -> bool:
    return (t.accepted_answers >= s.maven_accepted and t.people_helped >= s.maven_helped
            and t.points(s) >= s.maven_points)


def evidence(t: Tally, s: CommunitySettings) -> str:
    return (f"{t.accepted_answers} accepted answers to {t.people_helped} people, {t.likes_received} likes, "
            f"{t.points(s)} points")


def tally() -> dict[int, Tally]:
    """Every member's counts, from published posts of published, unmerged threads (6 queries)."""
    shown = Q(state=State.PUBLISHED, thread__state=State.PUBLISHED, thread__merged_into__isnull=True)
    out: dict[int, Tally] = defaultdict(Tally)
    for contact_id, number, n in (Post.objects.filter(shown, author_contact__isnull=False)
                                  .values("author_contact_id").annotate(
                                      first=Count("pk", filter=Q(number=1)), rest=Count("pk", filter=Q(number__gt=1)))
                                  .values_list("author_contact_id", "first", "rest")):
        out[contact_id].threads, out[contact_id].replies = number, n
    helped: dict[int, set] = defaultdict(set)
    for answerer, asker, asker_user in (Thread.objects.filter(accepted_answer__author_contact__isnull=False,
                                                              merged_into__isnull=True)
                                        .values_list("accepted_answer__author_contact_id", "author_contact_id",
                                                     "author_user_id")):
        out[answerer].accepted_answers += 1
        if (asker, asker_user) != (answerer, None):
            helped[answerer].add((asker, asker_user))
    for contact_id, people in helped.items():
        out[contact_id].people_helped = len(people)
    for contact_id, kind, n in (Reaction.objects.filter(post__author_contact__isnull=False)
                                .values("post__author_contact_id", "kind").annotate(n=Count("pk"))
                                .values_list("post__author_contact_id", "kind", "n")):
        if kind == Reaction.Kind.LIKE:
            out[contact_id].likes_received = n
        else:
            out[contact_id].votes_received = n
    for contact_id, n in (Post.objects.filter(shown, number__gt=1, thread__author_contact__isnull=False)
                          .exclude(author_contact=F("thread__author_contact"))
                          .values("thread__author_contact_id").annotate(n=Count("pk"))
                          .values_list("thread__author_contact_id", "n")):
        out[contact_id].replies_received = n
    for contact_id, n in (Thread.objects.filter(article__isnull=False, author_contact__isnull=False)
                          .values("author_contact_id").annotate(n=Count("pk"))
                          .values_list("author_contact_id", "n")):
        out[contact_id].articles = n
    out.pop(None, None)
    return dict(out)


@transaction.atomic
def count_standings() -> dict[str, int]:
    """Count every member's standing, and mark those who passed the maven thresholds as mavens."""
    s = CommunitySettings.load()
    counts = tally()
    now = timezone.now()
    existing = {st.contact_id: st for st in Standing.objects.all()}
    rows, newly_mavens = [], []
    mavens = set(Contact.objects.filter(pk__in=list(counts), is_maven=True).values_list("pk", flat=True))
    for contact_id, t in counts.items():
        st = existing.get(contact_id) or Standing(contact_id=contact_id)
        for name, value in vars(t).items():
            setattr(st, name, value)
        st.points, st.counted_at = t.points(s), now
        if is_maven(t, s):
            if st.maven_since is None:
                st.maven_since, st.maven_evidence = now, evidence(t, s)[:300]
            if contact_id not in mavens:
                newly_mavens.append(contact_id)
        rows.append(st)
    Standing.objects.bulk_create([r for r in rows if r.pk is None], batch_size=500)
    Standing.objects.bulk_update([r for r in rows if r.pk is not None],
                                 ["points", "threads", "replies", "accepted_answers", "people_helped",
                                  "likes_received", "votes_received", "replies_received", "articles", "maven_since",
                                  "maven_evidence", "counted_at"], batch_size=500)
    with audit.acting_as(label="the community's maven rule"):  # the account's timeline says who marked them
        accounts.update_contacts([(c, {"is_maven": True}) for c in Contact.objects.filter(pk__in=newly_mavens)])
    return {"members": len(rows), "new_mavens": len(newly_mavens)}
