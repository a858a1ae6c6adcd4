"""Digest emails: the sections, and sending through a real SMTP server on loopback on each user's schedule."""

import datetime as dt
from decimal import Decimal
from email import message_from_bytes

import pytest
from django.core.management import call_command
from django.utils import timezone

from tenure.health.models import AccountHealth, ScorecardVersion
from tenure.renewals.digest import build_digest, send_digests
from tenure.renewals.models import DigestPreference
from tenure.renewals.services import sync_renewals
from tenure.risk.models import Signal
from tenure.risk.work import open_task
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 7, 15))
TODAY = NOW.date()




def text_of(envelope) -> str:
    message = message_from_bytes(envelope.content)
    return next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


@pytest.fixture
def book(csm):
    """Alice's account with a task due, a renewal coming, a new signal and a health drop; someone else's too."""
    csm.email = "alice@example.com"
    csm.save()
    mine = make_account(name="Initech", owner=csm)
    make_subscription(mine, mrr=Decimal("1000"), end_date=TODAY + dt.timedelta(days=60))
    sync_renewals([mine.pk], TODAY)  # the renewal play: its first step is due today
    Signal.objects.create(account=mine, driver="disconnection", kind="no_touch", dedupe_key="no_touch:",
                          title="No touch in 60 days", first_detected_on=TODAY, last_seen_on=TODAY)
    version = ScorecardVersion.objects.first()
    if version is not None:
        AccountHealth.objects.create(account=mine, day=TODAY, score=41, week_ago_score=63, version=version)
    other = make_account(name="Globex", owner=make_user(username="bob", email="bob@example.com"))
    open_task(other, title="Call Globex", due_on=TODAY)
    return mine


def test_digest_sections_hold_only_the_users_accounts(book, csm):
    digest = build_digest(csm, NOW - dt.timedelta(days=7), TODAY)
    assert [s.title for s in digest.signals] == ["No touch in 60 days"]
    assert digest.tasks and {t.account.name for t in digest.tasks} == {"Initech"}
    assert [(r.account.name, r.days_left) for r in digest.renewals] == [("Initech", 60)]
    assert ScorecardVersion.objects.exists()  # the default scorecard comes with the migrations
    assert [(h.account.name, drop) for h, drop in digest.drops] == [("Initech", 22)]


def test_signals_older_than_the_last_digest_are_left_out(book, csm):
    assert build_digest(csm, timezone.now() + dt.timedelta(minutes=1), TODAY).signals == []


def test_weekly_digest_is_sent_by_smtp_then_not_again_for_a_week(book, csm, smtp):
    assert send_digests(NOW) == 2  # alice and bob: CSMs are weekly by default, each gets their own accounts
    by_rcpt = {e.rcpt_tos[0]: text_of(e) for e in smtp}
    assert "Globex" in by_rcpt["bob@example.com"] and "Initech" not in by_rcpt["bob@example.com"]
    body = by_rcpt["alice@example.com"]
    assert "TASKS DUE IN THE NEXT 7 DAYS" in body and "Initech" in body and "Globex" not in body
    assert "RENEWALS IN THE NEXT 90 DAYS" in body and "(60 days)" in body
    assert "http://testserver/digest/" in body
    assert message_from_bytes(smtp[0].content).is_multipart()  # text and HTML
    assert DigestPreference.objects.get(user=csm).last_sent_at == NOW
    assert send_digests(NOW + dt.timedelta(days=6)) == 0
    assert send_digests(NOW + dt.timedelta(days=7)) == 2
    assert len(smtp) == 4


def test_daily_digest_is_sent_again_after_a_day(book, csm, smtp):
    DigestPreference.objects.create(user=csm, frequency="daily")
    assert send_digests(NOW) == 2  # alice daily, bob weekly
    assert send_digests(NOW + dt.timedelta(hours=12)) == 0
    assert send_digests(NOW + dt.timedelta(days=1)) == 1
    assert [e.rcpt_tos[0] for e in smtp].count("alice@example.com") == 2


def test_off_sends_nothing(book, csm, smtp):
    DigestPreference.objects.create(user=csm, frequency="off")
    send_digests(NOW)
    assert [e.rcpt_tos for e in smtp] == [["bob@example.com"]]


def test_nothing_to_say_sends_nothing(csm, smtp):
    csm.email = "alice@example.com"
    csm.save()
    assert send_digests(NOW) == 0
    assert smtp == [] and not DigestPreference.objects.filter(last_sent_at__isnull=False).exists()


def test_leaders_digest_is_off_by_default(book, smtp):
    lena = make_user(role="leader", username="lena2", email="lena@example.com")
    book.owner = lena
    book.save()
    send_digests(NOW)
    assert "lena@example.com" not in [e.rcpt_tos[0] for e in smtp]


def test_command_dry_run_prints_and_sends_nothing(book, csm, smtp, capsys):
    call_command("digest", "--user", "alice", "--dry-run")
    assert "Initech" in capsys.readouterr().out
    assert smtp == [] and not DigestPreference.objects.exists()
    call_command("digest", "--user", "alice")
    assert len(smtp) == 1
