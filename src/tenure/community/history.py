"""Community history written in bulk: an earlier forum moved in, or the demo's year of threads. Each thread comes
with its posts, likes, votes and outcome as they happened, dated; rules about now (moderation of new members, rate
limits, notifications) do not apply to the past. A fixed number of statements per call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from tenure.community.models import IdeaStatus, Post, Reaction, State, Thread, ThreadKind
from tenure.knowledge.markdown import plain_text, render


@dataclass
class PastPost:
    body: str
    at: dt.datetime
    contact_id: int | None = None  # a customer's person…
    user_id: int | None = None  # …or staff
    account_id: int | None = None
    likes: list[int] = field(default_factory=list)  # contacts who liked it (at the post's time)


@dataclass
class PastThread:
    title: str
    kind: str
    posts: list[PastPost]  # the opening post first
    category_id: int | None = None
    group_id: int | None = None
    accepted: int | None = None  # index in posts of the accepted answer
    accepted_at: dt.datetime | None = None
    idea_status: str = ""
    votes: list[int] = field(default_factory=list)  # contacts who voted for the idea
    article_id: int | None = None
    archived_at: dt.datetime | None = None
    ticket_id: int | None = None


@transaction.atomic
def add_threads(past: list[PastThread]) -> dict[str, int]:
    if any(not t.posts for t in past):
        raise ValueError("every thread has its opening post")
    threads = Thread.objects.bulk_create([
        Thread(kind=t.kind, title=t.title[:200], category_id=t.category_id, group_id=t.group_id,
               author_contact_id=t.posts[0].contact_id, author_user_id=t.posts[0].user_id,
               account_id=t.posts[0].account_id, created_at=t.posts[0].at,
               last_activity_at=max(p.at for p in t.posts),
               reply_count=len(t.posts) - 1, vote_count=len(set(t.votes)),
               idea_status=(t.idea_status or IdeaStatus.NEW) if t.kind == ThreadKind.IDEA else "",
               accepted_at=t.accepted_at if t.accepted is not None else None, article_id=t.article_id,
               archived_at=t.archived_at, locked=t.archived_at is not None, ticket_id=t.ticket_id,
               state=State.PUBLISHED)
        for t in past], batch_size=500)
    posts = []
    for thread, t in zip(threads, past, strict=True):
        for number, p in enumerate(t.posts, start=1):
            html = render(p.body)
            posts.append(Post(thread=thread, number=number, body=p.body, body_html=html, body_text=plain_text(html),
                              author_contact_id=p.contact_id, author_user_id=p.user_id, account_id=p.account_id,
                              created_at=p.at, notified_at=p.at,  # the past is not news: nobody is emailed
                              like_count=len(set(p.likes) - {p.contact_id})))
    posts = Post.objects.bulk_create(posts, batch_size=500)
    by_thread, reactions, accepted = {}, [], []
    i = 0
    for thread, t in zip(threads, past, strict=True):
        mine = posts[i:i + len(t.posts)]
        i += len(t.posts)
        by_thread[thread.pk] = mine
        for post, p in zip(mine, t.posts, strict=True):
            reactions += [Reaction(kind=Reaction.Kind.LIKE, post=post, who=f"c{c}", contact_id=c, created_at=p.at)
                          for c in dict.fromkeys(p.likes) if c != p.contact_id]
        reactions += [Reaction(kind=Reaction.Kind.VOTE, post=mine[0], who=f"c{c}", contact_id=c,
                               created_at=t.posts[0].at) for c in dict.fromkeys(t.votes)]
        if t.accepted is not None:
            thread.accepted_answer = mine[t.accepted]
            accepted.append(thread)
    Reaction.objects.bulk_create(reactions, batch_size=1000)
    Thread.objects.bulk_update(accepted, ["accepted_answer"], batch_size=500)
    return {"community threads": len(threads), "community posts": len(posts), "community reactions": len(reactions)}
