"""Email capture: a CSM's BCC or forward to their capture address becomes an email touch on the account matched by
the participants, once per message; unmatched mail is kept; refusals say why. Most tests go through a real SMTP
client talking to the listener `tenure serve` runs (the same routes), started in-process on a free port."""

import contextlib
import datetime as dt
import smtplib
import socket
import threading
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.accounts.models import Contact
from tenure.community.inbound import ROUTE as COMMUNITY_REPLIES
from tenure.connectors import mail_capture
from tenure.connectors.models import CaptureDirection, CapturedMail, CaptureStatus
from tenure.engagement.models import Touch, TouchKind
from tenure.integrations.inbound_mail import MAX_MESSAGE_BYTES, Refused, start_listener
from tests.factories import make_account, make_contact, make_user

WHEN = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)


@pytest.fixture
def alice(db, settings):
    settings.TENURE_MAIL_CAPTURE_DOMAIN = "capture.tenure.example"
    return make_user(username="alice", email="Alice@Vendor.example", first_name="Alice")


@pytest.fixture
def initech(db):
    account = make_account(name="Initech", domain="initech.example")
    make_contact(account, name="Peter Gibbons", email="peter@initech.example")
    return account


@pytest.fixture
def listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = start_listener([COMMUNITY_REPLIES, mail_capture.ROUTE], "127.0.0.1", port)
    yield port
    controller.stop()


def sent_mail(to, *, cc=None, subject="Renewal next month", body="Hi Peter,\n\nShall we meet on Tuesday?\n\nAlice",
              sender="Alice Archer <alice@vendor.example>", message_id=None, date=WHEN, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain="vendor.example")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def send(port, msg, bcc):
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        return client.send_message(msg, to_addrs=[bcc])


# ---- through a real SMTP client ---------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_bccd_mail_becomes_one_outbound_touch_on_the_contacts_account_however_often_it_arrives(
        alice, initech, listener):
    bcc = mail_capture.address_of(alice)
    msg = sent_mail("Peter Gibbons <peter@initech.example>, Samir <samir@initech.example>",
                    cc="Bob <bob@vendor.example>, Lena <lena@vendor.example>")
    make_user(username="lena", email="lena@vendor.example")  # staff: never a participant
    send(listener, msg, bcc)
    send(listener, msg, bcc)  # delivered twice

    touch = Touch.objects.get()
    assert touch.account == initech and touch.kind == TouchKind.EMAIL and touch.author == alice
    assert touch.occurred_at == WHEN
    assert touch.summary.startswith("Email sent: Renewal next month\n\nHi Peter,")
    samir = Contact.objects.get(email="samir@initech.example")  # added, by the domain, with their name
    assert samir.account == initech and samir.name == "Samir"
    assert set(touch.contacts.values_list("email", flat=True)) == {"peter@initech.example", "samir@initech.example"}
    captured = CapturedMail.objects.get()
    assert captured.direction == CaptureDirection.OUTBOUND and captured.status == CaptureStatus.MATCHED
    # bob@vendor.example is no one's contact and vendor.example no account's domain: a participant, on no account
    assert {p["email"] for p in captured.participants} == {"peter@initech.example", "samir@initech.example",
                                                           "bob@vendor.example"}
    assert not Contact.objects.filter(email__in=["bob@vendor.example", "lena@vendor.example"]).exists()


@pytest.mark.django_db(transaction=True)
def test_refusals_are_smtp_replies_that_say_why(alice, initech, listener):
    bcc = mail_capture.address_of(alice)
    with smtplib.SMTP("127.0.0.1", listener, timeout=20) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # not an address Tenure takes mail for
            client.send_message(sent_mail("peter@initech.example"), to_addrs=["postmaster@capture.tenure.example"])
        with pytest.raises(smtplib.SMTPDataError) as stranger:
            client.send_message(sent_mail("peter@initech.example", sender="mallory@evil.example"), to_addrs=[bcc])
        assert stranger.value.smtp_code == 550 and b"only from the address" in stranger.value.smtp_error
        with pytest.raises(smtplib.SMTPDataError) as automatic:
            client.send_message(sent_mail("peter@initech.example", Auto_Submitted="auto-replied"), to_addrs=[bcc])
        assert automatic.value.smtp_code == 550 and b"automatic" in automatic.value.smtp_error
        with pytest.raises(smtplib.SMTPDataError) as unknown:
            client.send_message(sent_mail("peter@initech.example"),
                                to_addrs=["csm+0123456789abcdef0123@capture.tenure.example"])
        assert unknown.value.smtp_code == 550 and b"not (or no longer) valid" in unknown.value.smtp_error
        mail_capture.renew_address(alice)
        with pytest.raises(smtplib.SMTPDataError) as old:
            client.send_message(sent_mail("peter@initech.example"), to_addrs=[bcc])
        assert b"no longer" in old.value.smtp_error
        with pytest.raises(smtplib.SMTPSenderRefused):  # larger than the listener takes: refused before it is read
            client.sendmail("alice@vendor.example", [mail_capture.address_of(alice)],
                            b"Subject: big\r\n\r\n" + b"x" * (MAX_MESSAGE_BYTES + 10))
    assert not Touch.objects.exists() and not CapturedMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_listener_takes_community_replies_and_capture_addresses_but_not_both_in_one_message(alice, listener):
    bcc = mail_capture.address_of(alice)
    with smtplib.SMTP("127.0.0.1", listener, timeout=20) as client:
        with pytest.raises(smtplib.SMTPDataError) as community:  # routed to the community, which checks its token
            client.sendmail("peter@initech.example", ["reply+1.1.1.00000000000000000000@testserver"],
                            b"From: peter@initech.example\r\nSubject: x\r\n\r\nHello")
        assert b"not valid" in community.value.smtp_error
        refused = client.sendmail("alice@vendor.example", [bcc, "reply+1.1.1.00000000000000000000@testserver"],
                                  sent_mail("someone@nowhere.example").as_bytes())
    assert refused["reply+1.1.1.00000000000000000000@testserver"][0] == 452
    assert CapturedMail.objects.get().status == CaptureStatus.UNMATCHED


# ---- forwards -----------------------------------------------------------------------------------------------------

def test_an_inline_forward_is_an_inbound_touch_from_the_originals_sender(alice, initech):
    body = ("FYI, see below.\n\n---------- Forwarded message ---------\n"
            "From: Peter Gibbons <peter@initech.example>\nDate: Mon, Nov 30, 2026 at 8:02 AM\n"
            "Subject: Exports are broken\nTo: Alice Archer <alice@vendor.example>\n"
            "Cc: Michael Bolton <michael@initech.example>\n\n"
            "Hi Alice, exports have failed since Friday.\n\nPeter\n")
    raw = sent_mail("csm+x@capture.tenure.example", subject="Fwd: Exports are broken", body=body).as_bytes()
    captured = mail_capture.capture(raw, [mail_capture.address_of(alice)])
    assert captured.created and captured.mail.direction == CaptureDirection.INBOUND
    assert captured.mail.subject == "Exports are broken" and captured.mail.sender == "peter@initech.example"
    touch = Touch.objects.get()
    assert touch.summary == ("Email received: Exports are broken\n\nHi Alice, exports have failed since Friday."
                             "\n\nPeter\n\nForwarded with a note: FYI, see below.")
    assert set(touch.contacts.values_list("email", flat=True)) == {"peter@initech.example", "michael@initech.example"}
    again = mail_capture.capture(raw, [mail_capture.address_of(alice)])  # forwarded twice: one touch
    assert not again.created and Touch.objects.count() == 1


def test_an_outlook_forward_and_an_html_forward_in_a_quote_are_read(alice, initech, settings):
    settings.TIME_ZONE = "UTC"
    bcc = mail_capture.address_of(alice)
    outlook = ("Please look.\n\nFrom: Peter Gibbons <peter@initech.example>\n"
               "Sent: Monday, November 30, 2026 8:02 AM\nTo: Alice Archer <alice@vendor.example>\n"
               "Subject: Invoice question\n\nWhy two invoices this month?\n")
    mail_capture.capture(sent_mail(bcc, subject="FW: Invoice question", body=outlook).as_bytes(), [bcc])
    touch = Touch.objects.get()
    assert touch.occurred_at == dt.datetime(2026, 11, 30, 8, 2, tzinfo=dt.UTC)
    assert touch.summary == ("Email received: Invoice question\n\nWhy two invoices this month?\n\n"
                             "Forwarded with a note: Please look.")

    apple = sent_mail(bcc, subject="Fwd: Training", message_id="<apple@vendor.example>")
    apple.set_content("<div>FYI</div><blockquote type=\"cite\"><div><b>From: </b>Michael Bolton "
                      "&lt;michael@initech.example&gt;<br><b>Subject: </b>Training<br><b>Date: </b>"
                      "30 November 2026 10:30<br></div><br><div>Can we book the training?</div></blockquote>",
                      subtype="html")
    captured = mail_capture.capture(apple.as_bytes(), [bcc]).mail
    assert captured.direction == CaptureDirection.INBOUND and captured.sender == "michael@initech.example"
    assert Contact.objects.get(email="michael@initech.example").account == initech
    assert "Can we book the training?" in captured.body


def test_a_bccd_reply_is_summarised_without_the_quoted_thread(alice, initech):
    body = ("Yes, Tuesday works.\n\nAlice\n-- \nAlice Archer, Vendor\n"
            "On Mon, 30 Nov 2026 at 08:00, Peter Gibbons <peter@initech.example> wrote:\n> Can we meet?\n")
    mail_capture.capture(sent_mail("peter@initech.example", subject="Re: Meeting", body=body).as_bytes(),
                         [mail_capture.address_of(alice)])
    assert Touch.objects.get().summary == "Email sent: Re: Meeting\n\nYes, Tuesday works.\n\nAlice"


def test_a_forward_as_attachment_is_the_same_mail_as_its_bcc_copy(alice, initech):
    original = sent_mail("Peter Gibbons <peter@initech.example>", message_id="<abc.123@vendor.example>")
    bcc = mail_capture.address_of(alice)
    mail_capture.capture(original.as_bytes(), [bcc])
    forward = sent_mail(bcc, subject="Fwd: Renewal next month", body="See attached.")
    forward.add_attachment(original)
    assert not mail_capture.capture(forward.as_bytes(), [bcc]).created
    assert Touch.objects.count() == 1
    other = sent_mail("Peter Gibbons <peter@initech.example>", subject="Exports", body="They fail.")
    forward = sent_mail(bcc, subject="Fwd: Exports", body="Peter is unhappy.")
    forward.add_attachment(other)
    captured = mail_capture.capture(forward.as_bytes(), [bcc]).mail
    assert captured.body == "Email sent: Exports\n\nThey fail.\n\nForwarded with a note: Peter is unhappy."


def test_a_forward_whose_original_cannot_be_read_is_kept_unmatched(alice, initech):
    raw = sent_mail(mail_capture.address_of(alice), subject="Fwd: something", body="no header block here").as_bytes()
    captured = mail_capture.capture(raw).mail  # recipients from the To header
    assert captured.status == CaptureStatus.UNMATCHED and not Touch.objects.exists()


# ---- matching -----------------------------------------------------------------------------------------------------

def test_a_known_contact_matches_its_account_whatever_their_domain(alice, initech):
    hooli = make_account(name="Hooli", domain="hooli.example")
    make_contact(hooli, name="Gavin", email="gavin@gmail.com")
    mail_capture.capture(sent_mail("gavin@gmail.com").as_bytes(), [mail_capture.address_of(alice)])
    assert Touch.objects.get().account == hooli


def test_freemail_never_matches_by_domain_and_unmatched_mail_is_kept_then_assigned_by_hand(alice, initech):
    make_account(name="Google", domain="gmail.com")  # a mistake in the CRM must not swallow everyone's mail
    captured = mail_capture.capture(sent_mail("Jo Bloggs <jo@gmail.com>").as_bytes(),
                                    [mail_capture.address_of(alice)]).mail
    assert captured.status == CaptureStatus.UNMATCHED and not Touch.objects.exists()
    assert list(mail_capture.unmatched(alice)) == [captured]

    mail_capture.assign(captured, initech, by=alice)
    touch = Touch.objects.get()
    assert touch.account == initech and touch.author == alice
    assert list(touch.contacts.values_list("name", "email")) == [("Jo Bloggs", "jo@gmail.com")]
    assert not mail_capture.unmatched(alice).exists()
    with pytest.raises(ValidationError):
        mail_capture.assign(captured, initech, by=alice)


def test_a_mail_to_two_customers_is_on_both_timelines_each_with_its_people(alice, initech):
    hooli = make_account(name="Hooli", domain="hooli.example")
    mail_capture.capture(sent_mail("peter@initech.example, Gavin <gavin@eu.hooli.example>").as_bytes(),
                         [mail_capture.address_of(alice)])
    by_account = {t.account: list(t.contacts.values_list("email", flat=True)) for t in Touch.objects.all()}
    assert by_account == {initech: ["peter@initech.example"], hooli: ["gavin@eu.hooli.example"]}


def test_what_a_person_decided_stays(alice, initech):
    hooli = make_account(name="Hooli", domain="hooli.example")
    moved = make_contact(hooli, name="Peter G. (now at Hooli)", email="peter.old@initech.example")
    mail_capture.capture(sent_mail("Pete <peter.old@initech.example>").as_bytes(), [mail_capture.address_of(alice)])
    moved.refresh_from_db()
    assert moved.account == hooli and moved.name == "Peter G. (now at Hooli)"  # not renamed, not moved
    touch = Touch.objects.get()
    assert touch.account == hooli
    touch.summary = "Edited by Alice"
    touch.save()
    mail_capture.capture(sent_mail("Pete <peter.old@initech.example>", message_id=CapturedMail.objects.get().key)
                         .as_bytes(), [mail_capture.address_of(alice)])
    touch.refresh_from_db()
    assert touch.summary == "Edited by Alice" and Touch.objects.count() == 1


def test_an_html_only_mail_is_summarised_in_words(alice, initech):
    msg = sent_mail("peter@initech.example")
    msg.set_content("<html><body><p>Hello <b>Peter</b>,</p><p>The renewal &amp; the QBR.</p>"
                    "<style>p{color:red}</style></body></html>", subtype="html")
    mail_capture.capture(msg.as_bytes(), [mail_capture.address_of(alice)])
    summary = Touch.objects.get().summary
    assert "Hello Peter ," in summary and "The renewal & the QBR." in summary and "<" not in summary
    assert "color" not in summary


# ---- concurrency and hostile input --------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_same_mail_delivered_at_once_by_several_servers_is_one_touch(alice, initech):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    raw = sent_mail("Samir <samir@initech.example>, Joanna <joanna@initech.example>").as_bytes()
    bcc = mail_capture.address_of(alice)
    barrier = threading.Barrier(6)
    errors, results = [], []

    def deliver():
        try:
            barrier.wait()
            results.append(mail_capture.capture(raw, [bcc]).created)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    workers = [threading.Thread(target=deliver) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors and sorted(results) == [False] * 5 + [True]
    assert Touch.objects.count() == 1 and Contact.objects.filter(account=initech).count() == 3


header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(to=header_text, cc=header_text, subject=header_text, date=header_text, message_id=header_text,
       body=st.binary(max_size=400), forward=st.booleans())
def test_any_message_is_captured_or_refused_never_an_error(alice, initech, to, cc, subject, date, message_id, body,
                                                           forward):
    bcc = mail_capture.address_of(alice)
    head = "\r\n".join(["From: alice@vendor.example", f"To: {to}", f"Cc: {cc}",
                        f"Subject: {'Fwd: ' if forward else ''}{subject}", f"Date: {date}",
                        f"Message-ID: {message_id}"])
    raw = head.encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body
    try:
        result = mail_capture.capture(raw, [bcc])
    except Refused:
        return
    assert result.mail.pk is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=600))
def test_any_bytes_are_captured_or_refused(alice, raw):
    with contextlib.suppress(Refused):
        mail_capture.capture(raw, [mail_capture.address_of(alice)])


def test_a_route_that_fails_asks_the_sender_to_try_again_rather_than_dropping_the_connection():
    from tenure.integrations.inbound_mail import Route

    def broken(raw, recipients):
        raise RuntimeError("the database is down")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = start_listener([Route("test addresses", lambda a: a.startswith("t@"), broken)], "127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
            with pytest.raises(smtplib.SMTPDataError) as later:
                client.sendmail("a@example.com", ["t@example.com"], b"Subject: x\r\n\r\nx")
            assert later.value.smtp_code == 451
            assert client.noop()[0] == 250  # the session goes on
    finally:
        controller.stop()
