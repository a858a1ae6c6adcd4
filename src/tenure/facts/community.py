"""The community part of the account facts (6 queries): what the account's people did in the customer community
in the usage window, the questions of theirs nobody answered, and (for today) each person's reach."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from tenure.community.models import Post, Reaction, Standing, State, Thread, ThreadKind
from tenure.community.reputation import reach
from tenure.facts import account as a
from tenure.facts.moments import DAY, among, day_start, local_days, span


def read_community(ids, as_of, w, facts) -> None:
    day_of = local_days()
    end = day_start(as_of + DAY)
    start = day_start(as_of - span(w.usage - 1))
    published = Q(state=State.PUBLISHED, thread__state=State.PUBLISHED, thread__merged_into__isnull=True)
    for account_id, last in (
        Post.objects.filter(published, among(ids), author_contact__isnull=False,
                            created_at__gte=day_start(as_of - span(w.activity - 1)), created_at__lt=end)
        .values("account_id").annotate(last=Max("created_at")).values_list("account_id", "last")
    ):
        facts[account_id].community.last_on = day_of(last)
    people: dict[int, set[int]] = defaultdict(set)
    for account_id, contact_id, number, created, thread_account, thread_author in (
        Post.objects.filter(published, Q(among(ids)) | Q(among(ids, "thread__account_id")),
                            created_at__gte=start, created_at__lt=end)
        .values_list("account_id", "author_contact_id", "number", "created_at", "thread__account_id",
                     "thread__author_contact_id").order_by()
    ):
        if account_id in facts and contact_id is not None:
            c = facts[account_id].community
            if number == 1:
                c.threads += 1
            else:
                c.replies += 1
            day = day_of(created)
            c.by_day[day] = c.by_day.get(day, 0) + 1
            c.by_contact[contact_id] = c.by_contact.get(contact_id, 0) + 1
            people[account_id].add(contact_id)
        if number > 1 and thread_account in facts and (contact_id is None or contact_id != thread_author):
            facts[thread_account].community.replies_received += 1
    for account_id, who in people.items():
        facts[account_id].community.people = len(who)
    for account_id, n in (  # answers accepted within the window, whenever written
        Thread.objects.filter(among(ids, "accepted_answer__account_id"), accepted_answer__author_contact__isnull=False,
                              accepted_at__gte=start, accepted_at__lt=end)
        .values("accepted_answer__account_id").annotate(n=Count("pk")).values_list("accepted_answer__account_id", "n")
    ):
        facts[account_id].community.answers_accepted = n
    for account_id, n in (
        Reaction.objects.filter(among(ids, "post__account_id"), kind=Reaction.Kind.LIKE, created_at__lt=end,
                                post__author_contact__isnull=False)
        .values("post__account_id").annotate(n=Count("pk")).values_list("post__account_id", "n")
    ):
        facts[account_id].community.likes_received = n
    answered = Post.objects.filter(thread=OuterRef("pk"), number__gt=1, state=State.PUBLISHED, created_at__lt=end
                                   ).exclude(author_contact=OuterRef("author_contact"))
    for pk, account_id, title, asked in (
        Thread.objects.filter(among(ids), kind=ThreadKind.QUESTION, state=State.PUBLISHED, merged_into__isnull=True,
                              archived_at__isnull=True, author_contact__isnull=False, created_at__gte=start,
                              created_at__lt=end)
        .filter(Q(accepted_at__isnull=True) | Q(accepted_at__gte=end), ~Exists(answered))
        .order_by("created_at", "pk").values_list("pk", "account_id", "title", "created_at")
    ):
        facts[account_id].community.unanswered.append(
            a.QuestionFact(pk, title, asked, int((end - asked).total_seconds() // 3600)))
    if as_of >= timezone.localdate() - DAY:  # standings are counted now: a fact of today (yesterday's), not the past
        for contact_id, account_id, likes, replies, helped in Standing.objects.filter(
                among(ids, "contact__account_id")).values_list("contact_id", "contact__account_id", "likes_received",
                                                              "replies_received", "people_helped"):
            facts[account_id].community.reach[contact_id] = reach(likes, replies, helped)
