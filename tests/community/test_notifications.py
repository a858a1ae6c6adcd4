"""Notification levels per thread, area and tag; who is emailed about a new post (once, after it commits, held
posts once approved); what the email says; the signed reply and unsubscribe tokens; the digests."""

import contextlib
import datetime as dt
import importlib

import pytest
from django.core import mail, signing
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tenure.accounts.services import update_contact
from tenure.community import digest, moderation, notifications
from tenure.community import services as community
from tenure.community.models import DigestFrequency, MailSettings, NotificationLevel, Post, Watch
from tenure.knowledge.services import create_category, tags_named
from tests.factories import make_account, make_contact

WATCHING, TRACKING, NORMAL, MUTED = (NotificationLevel.WATCHING, NotificationLevel.TRACKING, NotificationLevel.NORMAL,
                                     NotificationLevel.MUTED)


@pytest.fixture
def people(db, csm):
    initech = make_account(name="Initech", domain="initech.example")
    hooli = make_account(name="Hooli", domain="hooli.example")
    return {
        "peter": community.Viewer(contact=make_contact(initech, name="Peter Gibbons", email="peter@initech.example")),
        "milton": community.Viewer(contact=make_contact(initech, name="Milton Waddams",
                                                        email="milton@initech.example")),
        "gavin": community.Viewer(contact=make_contact(hooli, name="Gavin Belson", email="gavin@hooli.example")),
        "staff": community.Viewer(user=csm),
    }


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run what a change queues after its commit (the post's email job runs inline in tests) and list who got
    emails."""

    def run(change):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        return result, sorted(m.to[0] for m in mail.outbox[before:])

    return run


def test_the_thread_level_wins_then_a_muted_area_or_tag_then_the_strongest():
    assert notifications.effective_level(None) == NORMAL
    assert notifications.effective_level(MUTED, WATCHING, [WATCHING]) == MUTED
    assert notifications.effective_level(WATCHING, MUTED) == WATCHING
    assert notifications.effective_level(None, WATCHING, [MUTED]) == MUTED
    assert notifications.effective_level(None, TRACKING, [WATCHING]) == WATCHING
    assert notifications.effective_level(None, None, [NORMAL, TRACKING]) == TRACKING


@given(st.sampled_from([None, *NotificationLevel.values]), st.sampled_from([None, *NotificationLevel.values]),
       st.lists(st.sampled_from(NotificationLevel.values), max_size=4))
def test_a_level_is_always_one_of_the_four_and_muted_wins_without_a_thread_level(thread, category, tags):
    level = notifications.effective_level(thread, category, tags)
    assert level in NotificationLevel.values
    if thread is None and MUTED in (category, *tags):
        assert level == MUTED


def test_starting_or_replying_tracks_the_thread_but_keeps_a_chosen_level(people):
    peter, gavin, milton = people["peter"], people["gavin"], people["milton"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    assert notifications.level_of(peter.contact, thread=thread) == TRACKING
    community.reply(thread, gavin, body="Like this.")
    assert notifications.level_of(gavin.contact, thread=thread) == TRACKING
    notifications.set_level(milton.contact, MUTED, thread=thread)
    community.reply(thread, milton, body="Me too.")
    assert notifications.level_of(milton.contact, thread=thread) == MUTED
    notifications.set_level(milton.contact, WATCHING, thread=thread)  # changed, not added
    assert Watch.objects.filter(contact=milton.contact).count() == 1


def test_a_level_is_set_for_one_known_target(people):
    from django.core.exceptions import ValidationError

    area = create_category(name="Reports")
    with pytest.raises(ValidationError):
        notifications.set_level(people["peter"].contact, "loud", category=area)
    with pytest.raises(ValueError):
        notifications.set_level(people["peter"].contact, WATCHING)


def test_replies_reach_the_asker_and_those_who_wrote_but_never_the_author(people, sent):
    peter, gavin, milton, staff = people["peter"], people["gavin"], people["milton"], people["staff"]
    thread, to = sent(lambda: community.start_thread(peter, title="Exports", body="How do I export?"))
    assert to == []  # nobody follows anything yet; the author is never told of their own post
    _, to = sent(lambda: community.reply(thread, gavin, body="Use the export button."))
    assert to == ["peter@initech.example"]
    _, to = sent(lambda: community.reply(thread, staff, body="Also the API."))
    assert to == ["gavin@hooli.example", "peter@initech.example"]
    notifications.set_level(gavin.contact, NORMAL, thread=thread)  # normal: only his own threads
    _, to = sent(lambda: community.reply(thread, milton, body="Thanks all."))
    assert to == ["peter@initech.example"]


def test_watchers_of_an_area_or_tag_hear_every_post_unless_they_muted_the_thread(people, sent):
    peter, gavin, milton = people["peter"], people["gavin"], people["milton"]
    area = create_category(name="Reports")
    [csv] = tags_named(["csv"])
    notifications.set_level(gavin.contact, WATCHING, category=area)
    notifications.set_level(milton.contact, WATCHING, tag=csv)
    thread, to = sent(lambda: community.start_thread(peter, title="Exports", body="How?", category=area, tags=[csv]))
    assert to == ["gavin@hooli.example", "milton@initech.example"]
    notifications.set_level(gavin.contact, MUTED, thread=thread)  # muted wins over the area's watching
    notifications.set_level(milton.contact, MUTED, category=area)  # a muted area wins over a watched tag
    _, to = sent(lambda: community.reply(thread, people["staff"], body="Answer."))
    assert to == ["peter@initech.example"]


def test_a_mention_reaches_the_member_named(people, sent):
    peter, gavin = people["peter"], people["gavin"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    _, to = sent(lambda: community.reply(thread, people["staff"],
                                         body="@Gavin Belson knows, or @milton@initech.example"))
    assert to == ["gavin@hooli.example", "milton@initech.example", "peter@initech.example"]
    assert "you were mentioned" in [m for m in mail.outbox if m.to == ["gavin@hooli.example"]][-1].body
    notifications.set_level(gavin.contact, MUTED, thread=thread)
    _, to = sent(lambda: community.reply(thread, people["staff"], body="@Gavin Belson again"))
    assert to == ["peter@initech.example"]  # muted wins; Milton, mentioned once, never wrote in it


def test_a_working_group_thread_reaches_only_its_members(people, sent, csm):
    peter, gavin = people["peter"], people["gavin"]
    area = create_category(name="Reports")
    notifications.set_level(gavin.contact, WATCHING, category=area)
    notifications.set_level(people["milton"].contact, WATCHING, category=area)
    group = community.create_group(name="Beta", by=csm)
    community.invite(group, peter.contact, by=csm)
    community.invite(group, people["milton"].contact, by=csm)
    _, to = sent(lambda: community.start_thread(peter, title="Secret", body="Beta plans", category=area, group=group))
    assert to == ["milton@initech.example"]


def test_members_who_left_are_not_emailed(people, sent):
    peter, gavin = people["peter"], people["gavin"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    update_contact(peter.contact, left_on=dt.date(2026, 1, 1))
    _, to = sent(lambda: community.reply(thread, gavin, body="Answer."))
    assert to == []


def test_a_held_post_is_emailed_once_when_approved(people, sent, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = True
    peter, gavin, staff = people["peter"], people["gavin"], people["staff"]
    thread = community.start_thread(staff, title="Release notes", body="What's new")
    notifications.set_level(peter.contact, WATCHING, thread=thread)
    post, to = sent(lambda: community.reply(thread, gavin, body="My first post"))
    assert to == []  # held for review
    _, to = sent(lambda: moderation.approve(post, staff))
    assert to == ["peter@initech.example"]
    moderation.hide(post, staff, "oops")
    _, to = sent(lambda: moderation.unhide(post, staff))
    assert to == []  # already told once
    assert notifications.notify_post(post.pk) == 0


def test_the_email_names_the_post_a_reply_address_and_a_one_click_unsubscribe(people, sent, settings):
    settings.TENURE_BASE_URL = "https://tenure.example.com"
    peter, gavin = people["peter"], people["gavin"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    post, _ = sent(lambda: community.reply(thread, gavin, body="Use **Export**."))
    [message] = mail.outbox
    assert message.subject == "[Community] Re: Exports" and message.to == ["peter@initech.example"]
    assert "Gavin Belson replied to “Exports”" in message.body and "Use **Export**." in message.body
    assert f"https://tenure.example.com/help/community/t/{thread.pk}/#post-{post.number}" in message.body
    [reply_to] = message.reply_to
    assert reply_to.startswith("reply+") and reply_to.endswith("@tenure.example.com")
    assert len(reply_to.split("@")[0]) <= 64  # the most a local part may have
    assert notifications.read_reply_token(reply_to[6:].split("@")[0]) == (thread.pk, peter.contact.pk)
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body and message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    settings.TENURE_COMMUNITY_REPLY_DOMAIN = "reply.tenure.example.com"
    assert notifications.reply_address(1, 2).endswith("@reply.tenure.example.com")
    settings.TENURE_COMMUNITY_REPLY_DOMAIN, settings.TENURE_BASE_URL = "", "http://127.0.0.1:8000"
    assert notifications.reply_address(1, 2).endswith("@[127.0.0.1]")  # an address literal, as RFC 5321 spells it


def test_a_locked_thread_email_offers_no_reply_address(people, sent):
    peter, staff = people["peter"], people["staff"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    moderation.lock(thread, staff)
    sent(lambda: community.reply(thread, staff, body="Closing this."))
    assert mail.outbox[-1].reply_to == []


def test_an_accepted_answer_is_told_to_its_author_and_the_asker(people, sent):
    peter, gavin, staff = people["peter"], people["gavin"], people["staff"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    answer = community.reply(thread, gavin, body="Like this.")
    _, to = sent(lambda: community.accept_answer(thread, answer, peter))
    assert to == ["gavin@hooli.example"]  # the asker accepted it himself
    _, to = sent(lambda: community.accept_answer(thread, answer, staff))
    assert to == ["gavin@hooli.example", "peter@initech.example"]


def test_reply_tokens_cannot_be_changed_made_up_or_used_forever(settings):
    token = notifications.reply_token(12, 34)
    assert notifications.read_reply_token(token) == (12, 34)
    assert notifications.read_reply_token(token.upper()) == (12, 34)  # a mail system changed its case
    thread, contact, day, mac = token.split(".")
    for forged in (f"13.{contact}.{day}.{mac}", f"{thread}.35.{day}.{mac}", f"{thread}.{contact}.{day}.{'0' * 20}",
                   f"{thread}.{contact}.{mac}", "", "reply", f"{token}.1", f"{thread}.{contact}.zz.{mac}"):
        with pytest.raises(signing.BadSignature):
            notifications.read_reply_token(forged)
    old = notifications.reply_token(12, 34, on=timezone.localdate() - dt.timedelta(days=91))
    with pytest.raises(signing.SignatureExpired):
        notifications.read_reply_token(old)
    settings.SECRET_KEY = "another-secret-key-another-secret-key-another-secret"
    with pytest.raises(signing.BadSignature):
        notifications.read_reply_token(token)


@given(st.text(max_size=120))
def test_reading_any_reply_token_only_ever_refuses(text):
    with contextlib.suppress(signing.BadSignature):
        notifications.read_reply_token(text)


def test_an_unsubscribe_token_mutes_its_thread_and_a_changed_one_does_nothing(people):
    peter = people["peter"]
    thread = community.start_thread(peter, title="Exports", body="How?")
    token = notifications.unsubscribe_token(peter.contact.pk, thread_id=thread.pk)
    with pytest.raises(signing.BadSignature):
        notifications.unsubscribe(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert notifications.level_of(peter.contact, thread=thread) == TRACKING
    assert notifications.unsubscribe(token) == (peter.contact, thread)
    assert notifications.level_of(peter.contact, thread=thread) == MUTED


# ---- digests ------------------------------------------------------------------------------------------------------

def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def test_a_daily_digest_holds_what_is_new_in_what_the_member_follows_once(people):
    peter, gavin, milton, staff = people["peter"], people["gavin"], people["milton"], people["staff"]
    area = create_category(name="Reports")
    notifications.set_level(peter.contact, WATCHING, category=area)
    notifications.set_digest(peter.contact, DigestFrequency.DAILY)
    mine = community.start_thread(peter, title="My question", body="?", at=_at(1))
    community.reply(mine, gavin, body="An answer from Gavin", at=_at(2, 8))
    community.reply(mine, peter, body="My own reply is not news to me", at=_at(2, 8))
    community.start_thread(milton, title="In the area", body="New here", category=area, at=_at(2, 7))
    community.start_thread(staff, title="Elsewhere", body="Not followed", at=_at(2, 7))
    muted = community.start_thread(milton, title="Muted one", body="x", category=area, at=_at(2, 6))
    notifications.set_level(peter.contact, MUTED, thread=muted)

    assert digest.send_digests(_at(2, 9)) == 1
    [message] = mail.outbox
    assert message.to == ["peter@initech.example"] and "daily digest" in message.subject
    assert "New: In the area" in message.body and "My question" in message.body
    assert "Gavin Belson: An answer from Gavin" in message.body
    assert "Elsewhere" not in message.body and "Muted one" not in message.body and "My own reply" not in message.body
    assert message.extra_headers["List-Unsubscribe"].strip("<>") in message.body
    assert MailSettings.objects.get(contact=peter.contact).digest_sent_at == _at(2, 9)

    assert digest.send_digests(_at(2, 10)) == 0  # not due again the same day
    assert digest.send_digests(_at(3, 9)) == 0  # due, but nothing new since: nothing is sent twice
    community.reply(mine, staff, body="Later news", at=_at(3, 12))
    assert digest.send_digests(_at(4, 9)) == 1
    assert "Later news" in mail.outbox[-1].body and "An answer from Gavin" not in mail.outbox[-1].body


def test_no_digest_unless_chosen_and_the_link_stops_it(people):
    peter, staff = people["peter"], people["staff"]
    thread = community.start_thread(peter, title="Mine", body="?", at=_at(1))
    community.reply(thread, staff, body="Answer", at=_at(2, 8))
    assert digest.send_digests(_at(2, 9)) == 0  # none by default
    notifications.set_digest(peter.contact, DigestFrequency.WEEKLY)
    assert digest.send_digests(_at(2, 9)) == 1
    link = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    assert notifications.unsubscribe(link.rstrip("/").rsplit("/", 1)[1]) == (peter.contact, None)
    assert notifications.digest_of(peter.contact) == DigestFrequency.NONE


def test_posts_written_before_the_migration_are_not_news_but_held_ones_still_are(people, settings):
    from django.apps import apps

    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = True
    thread = community.start_thread(people["staff"], title="Old", body="Old news")
    held = community.reply(thread, people["gavin"], body="Waiting")
    Post.objects.update(notified_at=None)
    importlib.import_module("tenure.community.migrations.0003_notifications").posts_before_notifications_were_sent(
        apps, None)
    assert Post.objects.get(number=1).notified_at is not None
    assert Post.objects.get(pk=held.pk).notified_at is None


def test_a_posts_emails_take_the_same_queries_for_3_or_33_watchers(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    area = create_category(name="Reports")
    counts, total = [], 0
    for watchers in (3, 30):
        total += watchers
        account = make_account()
        for _ in range(watchers):
            notifications.set_level(make_contact(account), WATCHING, category=area)
        thread = community.start_thread(people["staff"], title=f"Release {watchers}", body="Notes", category=area)
        with CaptureQueriesContext(connection) as queries:
            assert notifications.notify_post(thread.posts.get().pk) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
