"""Reputation points, ranks and the maven rule, counted for every member at once."""

import pytest
from django.test import Client

from tenure.accounts.models import Contact
from tenure.community import reputation
from tenure.community import services as community
from tenure.community.models import CommunitySettings, Standing
from tenure.users.models import AuditEntry
from tests.factories import make_account, make_contact


def _member(account, name):
    return community.Viewer(contact=make_contact(account, name=name, email=f"{name.lower()}@{account.domain}"))


@pytest.fixture
def world(db, csm):
    acme, initech = make_account(name="Acme", domain="acme.example"), make_account(name="Initech",
                                                                                  domain="initech.example")
    return {"ann": _member(acme, "Ann"), "bob": _member(initech, "Bob"), "cy": _member(initech, "Cy"),
            "dee": _member(acme, "Dee"), "staff": community.Viewer(user=csm)}


def test_points_count_each_action_as_the_settings_say(world):
    ann, bob, cy, staff = world["ann"], world["bob"], world["cy"], world["staff"]
    question = community.start_thread(bob, title="How to export?", body="?")
    answer = community.reply(question, ann, body="Like this.")
    community.like(answer, bob)
    community.like(answer, cy)
    community.accept_answer(question, answer, bob)
    idea = community.start_thread(ann, kind="idea", title="Dark mode", body="!")
    community.vote(idea, bob)
    community.reply(question, staff, body="Staff earn no points.")
    counts = reputation.tally()
    ann_t = counts[ann.contact.pk]
    assert (ann_t.threads, ann_t.replies, ann_t.accepted_answers, ann_t.people_helped, ann_t.likes_received,
            ann_t.votes_received) == (1, 1, 1, 1, 2, 1)
    assert counts[bob.contact.pk].replies_received == 2  # Ann's and staff's replies in Bob's thread
    s = CommunitySettings.load()
    assert ann_t.points(s) == 1 + 2 + 15 + 2 * 1 + 2
    s.points_accepted = 50
    s.save()
    reputation.count_standings()
    assert Standing.objects.get(contact=ann.contact).points == 1 + 2 + 50 + 2 + 2
    assert reputation.rank(57) == "Contributor" and reputation.rank(0) == "Newcomer"


def test_a_member_who_helps_enough_people_becomes_a_maven_with_the_evidence(world, settings):
    ann = world["ann"]
    s = CommunitySettings.objects.create(maven_accepted=3, maven_helped=3, maven_points=30)
    askers = [world["bob"], world["cy"], world["dee"]]
    for i, asker in enumerate(askers[:2]):
        q = community.start_thread(asker, title=f"Question {i}", body="?")
        community.accept_answer(q, community.reply(q, ann, body="Answer."), asker)
    reputation.count_standings()
    assert not Contact.objects.get(pk=ann.contact.pk).is_maven  # two accepted answers: not yet
    q = community.start_thread(askers[2], title="Question 3", body="?")
    community.accept_answer(q, community.reply(q, ann, body="Answer."), askers[2])
    assert reputation.count_standings()["new_mavens"] == 1
    standing = Standing.objects.get(contact=ann.contact)
    assert Contact.objects.get(pk=ann.contact.pk).is_maven and standing.maven_since is not None
    assert standing.maven_evidence.startswith("3 accepted answers to 3 people")
    entry = AuditEntry.objects.get(model="accounts.contact", object_id=ann.contact.pk, field="is_maven")
    assert entry.actor_label == "the community's maven rule"
    # The rule never takes it back: a person may have decided it.
    s.maven_accepted = 10
    s.save()
    assert reputation.count_standings()["new_mavens"] == 0
    assert Contact.objects.get(pk=ann.contact.pk).is_maven


def test_the_member_profile_shows_rank_points_and_posts(world):
    ann, bob = world["ann"], world["bob"]
    q = community.start_thread(bob, title="How to export?", body="?")
    community.accept_answer(q, community.reply(q, ann, body="Like this."), bob)
    reputation.count_standings()
    page = Client().get(f"/help/community/members/{ann.contact.pk}/").content.decode()
    assert "Ann" in page and "1 accepted answer" in page and "How to export?" in page and "Newcomer" in page
    assert Client().get("/help/community/members/999999/").status_code == 404
