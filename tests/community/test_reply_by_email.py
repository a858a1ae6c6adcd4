"""Reply by email: what is kept of a reply (quoted text and signatures taken away), the checks before it is posted,
the refusals in words, `tenure community read-mail`, and the SMTP server a real smtplib client talks to."""

import datetime as dt
import email
import smtplib
from email import policy
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.accounts.services import update_contact
from tenure.community import inbound, moderation, notifications
from tenure.community import services as community
from tenure.community.models import Post, State
from tests.factories import make_account, make_contact


@pytest.fixture
def people(db, csm):
    initech = make_account(name="Initech", domain="initech.example")
    hooli = make_account(name="Hooli", domain="hooli.example")
    return {
        "peter": community.Viewer(contact=make_contact(initech, name="Peter Gibbons", email="peter@initech.example")),
        "gavin": community.Viewer(contact=make_contact(hooli, name="Gavin Belson", email="gavin@hooli.example")),
        "staff": community.Viewer(user=csm),
    }


def message(to: str, body: str, *, sender="peter@initech.example", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Peter Gibbons <{sender}>"
    msg["To"] = to
    msg["Subject"] = "Re: [Community] Exports"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


QUOTED = ("Thanks, that worked!\n\nPeter\n-- \nPeter Gibbons, Initech\n"
          "On Tue, 1 Dec 2026 at 10:00, Tenure <tenure@localhost> wrote:\n"
          "> Gavin Belson replied to “Exports”:\n> Use the export button.\n")


def test_quoted_text_and_signatures_are_taken_away():
    assert inbound.reply_text(QUOTED) == "Thanks, that worked!\n\nPeter"
    assert inbound.reply_text("Yes.\n\nOn Tue, 1 Dec 2026 at 10:00, Tenure\n<tenure@localhost> wrote:\n> old") == "Yes."
    assert inbound.reply_text("Top\n> quoted\nmiddle\n>> more") == "Top\nmiddle"
    assert inbound.reply_text("Ok\r\n\r\n-----Original Message-----\r\nFrom: x") == "Ok"
    assert inbound.reply_text("Ok\nFrom: Tenure <t@x>\nSent: Tuesday\nTo: me") == "Ok"
    assert inbound.reply_text("Sure\n\nSent from my iPhone") == "Sure"
    assert inbound.reply_text("Le mar. 1 déc. 2026, Tenure a écrit :\n> x") == ""
    assert inbound.reply_text("From: here is how I do it\nand more") == "From: here is how I do it\nand more"


@given(st.text())
def test_any_text_gives_a_reply_text_never_an_error(text):
    kept = inbound.reply_text(text)
    assert kept == kept.strip() and not any(line.startswith(">") for line in kept.splitlines())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_are_refused_in_words_never_a_crash(people, raw):
    try:
        inbound.receive(raw)
    except inbound.Refused as refused:
        assert str(refused)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=500), extra=st.dictionaries(st.sampled_from(["Cc", "Reply-To", "Date", "Content-Type"]),
                                                         st.text(max_size=60), max_size=2))
def test_a_rightly_addressed_message_with_any_body_posts_or_is_refused_never_a_crash(people, body, extra):
    thread = Post.objects.filter(number=1).first()
    thread = thread.thread if thread else community.start_thread(people["gavin"], title="Exports", body="How?")
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    raw = (f"From: peter@initech.example\r\nTo: {to}\r\n"
           + "".join(f"{k}: {v.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for k, v in extra.items())
           + "\r\n" + body).encode("utf-8", "surrogatepass")
    try:
        post = inbound.receive(raw)
    except inbound.Refused as refused:
        assert str(refused)
    else:
        assert post.author_contact == people["peter"].contact and post.body.strip()


@pytest.fixture
def thread(people):
    return community.start_thread(people["gavin"], title="Exports", body="How do I export?")


def test_a_reply_by_email_is_posted_as_its_member(people, thread):
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    post = inbound.receive(message(f"Tenure <{to}>", QUOTED))
    assert post.thread == thread and post.author_contact == people["peter"].contact
    assert post.body == "Thanks, that worked!\n\nPeter" and post.state == State.PUBLISHED
    assert notifications.level_of(people["peter"].contact, thread=thread) == "tracking"


def test_a_reply_by_email_follows_the_moderation_rules(people, thread, settings):
    settings.TENURE_COMMUNITY_WORD_LIST = ["casino"]
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    post = inbound.receive(message(to, "Visit my casino"))
    assert post.state == State.HELD
    moderation.lock(thread, people["staff"])
    with pytest.raises(inbound.Refused, match="locked"):
        inbound.receive(message(to, "More"))


def _refusal(raw, recipients=None) -> str:
    with pytest.raises(inbound.Refused) as refused:
        inbound.receive(raw, recipients)
    return str(refused.value)


def test_bad_or_expired_tokens_people_who_left_and_strangers_are_refused_with_why(people, thread):
    peter = people["peter"].contact
    to = notifications.reply_address(thread.pk, peter.pk)
    local, domain = to.split("@")
    other_thread = community.start_thread(people["gavin"], title="Other", body="x")
    forged = local.replace(f"+{thread.pk}.", f"+{other_thread.pk}.", 1)
    assert "not valid" in _refusal(message(f"{forged}@{domain}", "Hi"))
    assert "not valid" in _refusal(message(f"reply+{people['gavin'].contact.pk}.1.1.abc@{domain}", "Hi"))
    assert "not addressed" in _refusal(message(f"support@{domain}", "Hi"))
    old = notifications.reply_token(thread.pk, peter.pk, on=timezone.localdate() - dt.timedelta(days=400))
    assert "expired" in _refusal(message(f"reply+{old}@{domain}", "Hi"))
    assert "only from the address" in _refusal(message(to, "Hi", sender="mallory@evil.example"))
    assert "automatic replies" in _refusal(message(to, "I am away", Auto_Submitted="auto-replied"))
    assert "empty" in _refusal(message(to, "> only quoted\n"))
    update_contact(peter, left_on=dt.date(2026, 1, 1))
    assert "no longer a member" in _refusal(message(to, "Hi"))
    assert Post.objects.filter(author_contact=peter).count() == 0


def test_a_reply_address_at_an_ip_address_literal_is_read(people, thread, settings):
    settings.TENURE_BASE_URL = "http://127.0.0.1:8000"
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    assert inbound.receive(message(f"Tenure <{to}>", "At an IP")).body == "At an IP"


def test_the_envelope_recipient_counts_when_given(people, thread):
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    post = inbound.receive(message("undisclosed-recipients:;", "Via the envelope"), [to])
    assert post.body == "Via the envelope"


def test_an_html_only_reply_is_read_without_its_quote(people, thread):
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "peter@initech.example", to, "Re: x"
    msg.set_content("<div>Works <b>now</b></div><blockquote>old stuff</blockquote>", subtype="html")
    assert inbound.receive(msg.as_bytes()).body == "Works now"


def test_read_mail_posts_one_message_or_says_why_not(people, thread, tmp_path, capsys):
    to = notifications.reply_address(thread.pk, people["peter"].contact.pk)
    path = tmp_path / "reply.eml"
    path.write_bytes(message(to, "From a file"))
    call_command("community", "read-mail", str(path))
    assert "Posted as reply 2" in capsys.readouterr().out
    path.write_bytes(message(to.replace("reply+", "reply+9"), "Forged"))
    with pytest.raises(CommandError, match="not valid"):
        call_command("community", "read-mail", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("community", "read-mail", str(tmp_path / "missing.eml"))


# ---- through real SMTP servers -------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_notification_comes_through_smtp_and_its_reply_is_posted_through_smtp(smtp, inbound_smtp):
    initech = make_account(name="Initech", domain="initech.example")
    hooli = make_account(name="Hooli", domain="hooli.example")
    peter = community.Viewer(contact=make_contact(initech, name="Peter Gibbons", email="peter@initech.example"))
    gavin = community.Viewer(contact=make_contact(hooli, name="Gavin Belson", email="gavin@hooli.example"))
    thread = community.start_thread(peter, title="Exports", body="How do I export?")
    community.reply(thread, gavin, body="Use the export button.")  # emailed to Peter after it commits

    [envelope] = smtp
    assert envelope.rcpt_tos == ["peter@initech.example"]
    notification = email.message_from_bytes(envelope.content, policy=policy.default)
    reply_to = notification["Reply-To"].addresses[0].addr_spec
    assert reply_to.endswith("@testserver") and str(notification["List-Unsubscribe"]).strip().startswith("<http://testserver/")

    answer = EmailMessage()
    answer["From"], answer["To"] = "Peter Gibbons <peter@initech.example>", reply_to
    answer["Subject"] = "Re: " + notification["Subject"]
    answer["In-Reply-To"] = notification["Message-ID"]
    quoted = "\n".join("> " + line for line in notification.get_content().splitlines())
    answer.set_content(f"It worked, thank you!\n\nOn Wed, 2 Dec 2026, Tenure wrote:\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", inbound_smtp, timeout=10) as client:
        client.send_message(answer)
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # nothing but reply addresses is taken
            client.sendmail("x@example.com", ["postmaster@testserver"], b"Subject: hi\r\n\r\nhi")
        forged = EmailMessage()
        forged["From"], forged["To"], forged["Subject"] = "peter@initech.example", reply_to.replace(".", ".9", 1), "x"
        forged.set_content("Forged")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(forged)
    assert refused.value.smtp_code == 550 and b"not valid" in refused.value.smtp_error

    posted = Post.objects.get(thread=thread, number=3)
    assert posted.author_contact == peter.contact and posted.body == "It worked, thank you!"
    assert len(smtp) == 2 and smtp[1].rcpt_tos == ["gavin@hooli.example"]  # Gavin hears of Peter's emailed reply
    assert len(mail.outbox) == 0  # through real SMTP, not the test outbox
