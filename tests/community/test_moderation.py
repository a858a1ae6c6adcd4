"""Moderation: what is held when written, the review queue, each moderator's decision with its reason in the audit
trail, rate limits for new members, lock, pin, move, merge and archive."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tenure.community import moderation
from tenure.community import services as community
from tenure.community.models import FlagKind, ModerationAction, Post, State, Thread
from tenure.knowledge.services import create_category
from tenure.users.models import AuditEntry
from tests.factories import make_account, make_contact
from tests.portal.conftest import sign_in


@pytest.fixture(autouse=True)
def _review_first_posts(settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = True
    settings.TENURE_COMMUNITY_WORD_LIST = ["casino", "free money"]


@pytest.fixture
def people(db, csm):
    initech = make_account(name="Initech", domain="initech.example")
    return {
        "peter": community.Viewer(contact=make_contact(initech, name="Peter", email="peter@initech.example")),
        "milton": community.Viewer(contact=make_contact(initech, name="Milton", email="milton@initech.example")),
        "staff": community.Viewer(user=csm),
    }


def test_the_rules_say_why_a_post_waits():
    assert moderation.hold_reasons("Hello", published_before=0, words=[]) == [
        (FlagKind.NEW_MEMBER, "the member's first post")]
    assert moderation.hold_reasons("Hello", published_before=0, words=[], hold_first=False) == []
    assert moderation.hold_reasons("Win at the CASINO!", published_before=9, words=["casino"]) == [
        (FlagKind.WORD_LIST, "matches the word list: casino")]
    assert moderation.hold_reasons("occasional casinos", published_before=9, words=["casino"]) == []  # whole words
    assert [k for k, _ in moderation.hold_reasons("see https://x.example", published_before=1, words=[])] == [
        FlagKind.LINK_SPAM]
    assert moderation.hold_reasons("see https://x.example", published_before=5, words=[]) == []
    many = " ".join(f"https://x{i}.example" for i in range(6))
    assert [k for k, _ in moderation.hold_reasons(many, published_before=50, words=[])] == [FlagKind.LINK_SPAM]


def test_a_new_members_first_post_waits_for_a_moderator_then_shows(people):
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    thread = community.start_thread(peter, title="First question", body="Hello all")
    assert thread.state == State.HELD
    assert community.readable_thread(thread.pk, peter) is not None  # its author sees it, marked as held
    assert community.readable_thread(thread.pk, milton) is None
    assert community.readable_thread(thread.pk, community.ANONYMOUS) is None
    [item] = moderation.review_queue()
    assert item["post"] == thread.posts.get() and item["reviews"][0].kind == FlagKind.NEW_MEMBER

    with pytest.raises(PermissionDenied):
        moderation.approve(item["post"], milton)
    moderation.approve(item["post"], staff, "welcome")
    assert community.readable_thread(thread.pk, milton) is not None and moderation.review_queue() == []
    # Now known: the next post is shown at once, and staff posts never wait.
    assert community.reply(thread, peter, body="More detail").state == State.PUBLISHED
    assert community.start_thread(staff, title="Announcement", body="x").state == State.PUBLISHED
    entry = AuditEntry.objects.get(model="community.post", field="moderation")
    assert entry.new == "Approved: welcome" and entry.actor == staff.user


def test_a_rejected_post_stays_hidden_and_the_reason_is_kept(people):
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    moderation.approve(community.start_thread(peter, title="Q", body="q").posts.get(), staff)
    thread = Thread.objects.get()
    spam = community.reply(thread, milton, body="Free money at the casino")
    assert spam.state == State.HELD
    assert {r.kind for r in spam.reviews.all()} == {FlagKind.NEW_MEMBER, FlagKind.WORD_LIST}
    thread.refresh_from_db()
    assert thread.reply_count == 0  # held replies do not count
    with pytest.raises(ValidationError):
        moderation.reject(spam, staff, "")  # a reason is needed
    moderation.reject(spam, staff, "spam")
    assert [p.number for p in community.posts_of(thread, milton)] == [1]  # its author no longer sees it either
    assert [p.number for p in community.posts_of(thread, staff)] == [1, 2]
    action = ModerationAction.objects.get(action="reject")
    assert action.reason == "spam" and action.by_user == staff.user


def test_members_flag_posts_and_moderators_dismiss_or_hide_them(people):
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    moderation.add_moderator(milton.contact, by=staff.user)
    thread = community.start_thread(staff, title="Release notes", body="x")
    moderation.approve(community.reply(thread, peter, body="Rude words").reviews.get().post, staff)
    post = thread.posts.get(number=2)
    with pytest.raises(ValidationError):
        moderation.flag(post, staff, "  ")
    first = moderation.flag(post, community.Viewer(contact=make_contact(peter.contact.account, name="B",
                                                                         email="b@initech.example")), "rude")
    assert moderation.review_queue()[0]["reviews"] == [first]
    moderation.dismiss(post, milton, "fine by our rules")  # a trusted member moderates too
    assert moderation.review_queue() == []
    moderation.hide(post, milton, "rude after all")
    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.state == State.HIDDEN and thread.reply_count == 0
    moderation.unhide(post, staff)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert AuditEntry.objects.filter(field="moderation", actor_label__contains="moderator Milton").count() == 2


def test_new_members_post_only_a_few_times_in_ten_minutes(people, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    peter, staff = people["peter"], people["staff"]
    thread = community.start_thread(staff, title="Open thread", body="x")
    start = timezone.now() - dt.timedelta(days=2)
    # Held posts count towards the limit: it is how fast one writes, not how much is shown.
    for i in range(3):
        Post.objects.create(thread=thread, number=10 + i, body="x", author_contact=peter.contact,
                            created_at=timezone.now() - dt.timedelta(minutes=i), state=State.HELD)
    with pytest.raises(moderation.PostingTooFast) as refused:
        community.reply(thread, peter, body="one more")
    assert 0 < refused.value.seconds <= 600
    assert community.reply(thread, peter, body="later", at=timezone.now() + dt.timedelta(minutes=11))
    Post.objects.filter(author_contact=peter.contact).update(state=State.PUBLISHED, created_at=start)
    for _ in range(5):  # a member with a few published posts is no longer new
        community.reply(thread, peter, body="and again")


def test_lock_pin_move_and_archive(people):
    peter, staff = people["peter"], people["staff"]
    thread = community.start_thread(staff, title="How to export", body="x")
    moderation.lock(thread, staff, "answered")
    with pytest.raises(PermissionDenied):
        community.reply(thread, peter, body="one more thing")
    community.reply(thread, staff, body="moderators may still add")
    moderation.unlock(thread, staff)
    moderation.pin(thread, staff)
    area = create_category(name="Exports")
    moderation.move(thread, area, staff, "belongs in exports")
    moderation.archive(thread, staff, "now an article")
    thread.refresh_from_db()
    assert thread.pinned and thread.category == area and thread.archived_at and thread.locked
    assert community.readable_thread(thread.pk, community.ANONYMOUS) is not None  # readable by its address
    assert not community.listed_threads(community.ANONYMOUS).filter(pk=thread.pk).exists()
    assert list(ModerationAction.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "lock", "unlock", "pin", "move", "archive"]
    assert AuditEntry.objects.filter(model="community.thread", field="category", new="Exports").exists()


def test_a_duplicate_is_merged_its_address_redirects_and_its_author_is_told(people, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    original = community.start_thread(milton, title="Export reports to CSV", body="How?")
    community.reply(original, staff, body="Use Export.")
    duplicate = community.start_thread(peter, title="CSV export of a report", body="Where is it?")
    community.reply(duplicate, staff, body="See the other thread.")
    with pytest.raises(PermissionDenied):
        moderation.merge(duplicate, original, peter)
    with pytest.raises(ValidationError):
        moderation.merge(original, original, staff)
    moderation.merge(duplicate, original, staff, "same question")
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert [(p.number, p.body) for p in community.posts_of(original, staff)] == [
        (1, "How?"), (2, "Use Export."), (3, "Where is it?"), (4, "See the other thread.")]
    assert original.reply_count == 3 and duplicate.merged_into == original
    assert community.readable_thread(duplicate.pk, staff) is None
    assert community.merged_into(duplicate.pk, community.ANONYMOUS) == original


@pytest.mark.django_db(transaction=True)
def test_the_merged_threads_author_gets_an_email_and_the_old_address_redirects(people, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    peter, milton, staff = people["peter"], people["milton"], people["staff"]
    original = community.start_thread(milton, title="Export reports to CSV", body="How?")
    duplicate = community.start_thread(peter, title="CSV export of a report", body="Where is it?")
    mail.outbox.clear()
    moderation.merge(duplicate, original, staff, "same question")
    [message] = mail.outbox
    assert message.to == ["peter@initech.example"] and "Export reports to CSV" in message.subject
    assert f"/help/community/t/{original.pk}/" in message.body
    response = Client().get(f"/help/community/t/{duplicate.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/help/community/t/{original.pk}/"


def test_the_review_queue_page_is_for_moderators_only(people, csm_client):
    peter = people["peter"]
    community.start_thread(peter, title="Waiting", body="first post")
    member = Client()
    sign_in(member, "peter@initech.example")
    assert member.get("/help/community/moderation/").status_code == 403
    page = csm_client.get("/help/community/moderation/").content.decode()
    assert "Waiting" in page and "first post" in page and "A new member&#x27;s first post" in page
    post = Post.objects.get()
    response = csm_client.post(f"/help/community/t/{post.thread_id}/1/moderate/",
                               {"action": "approve", "reason": "ok", "next": "queue"})
    assert response.status_code == 302 and response["Location"] == "/help/community/moderation/"
    assert Post.objects.get().state == State.PUBLISHED
