"""Password-less sign-in: an emailed link, good once and for a while, matched to a contact (or, where the vendor
allows it, to an account by the email's domain); the page answers the same whether or not the email is known."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Contact
from tenure.portal.access import MEMBER_KEY
from tenure.portal.models import SignInLink
from tenure.users.models import AuditEntry
from tests.factories import make_account, make_contact, timeline_changes

from .conftest import last_token, sign_in

pytestmark = pytest.mark.django_db

SENT = "Check your email"


def _words(response) -> str:
    return re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', "", response.content.decode())


def _ask(client, email):
    return client.post("/help/sign-in/", {"email": email}, follow=True)


def test_a_contact_signs_in_by_the_emailed_link(peter):
    client = Client()
    asked = _ask(client, "Peter@Initech.EXAMPLE")  # matched ignoring case
    assert SENT in asked.content.decode()
    [message] = mail.outbox
    assert message.to == ["peter@initech.example"]
    assert "works once, within 30 minutes" in message.body
    before = client.session.session_key
    confirm = client.get(f"/help/sign-in/{last_token()}/")
    assert confirm.status_code == 200 and "Sign in as peter@initech.example" in confirm.content.decode()
    assert MEMBER_KEY not in client.session  # opening the link (a mail scanner may) does not sign in
    response = client.post(f"/help/sign-in/{last_token()}/")
    assert response.status_code == 302 and response["Location"] == "/help/account/"
    assert client.session[MEMBER_KEY] == peter.pk
    assert client.session.session_key != before  # a new session key at sign-in
    page = client.get("/help/account/").content.decode()
    assert "Peter Gibbons" in page and "Initech" in page


def test_a_link_works_once(peter):
    client = Client()
    sign_in(client, peter.email)
    again = Client().post(f"/help/sign-in/{last_token()}/")
    assert again.status_code == 410 and "has been used already" in again.content.decode()
    assert MEMBER_KEY not in Client().session


def test_an_expired_link_is_refused(peter, settings):
    settings.TENURE_PORTAL_LINK_MINUTES = 5
    client = Client()
    _ask(client, peter.email)
    token = last_token()
    link = SignInLink.objects.get()
    assert dt.timedelta(minutes=4) < link.expires_at - timezone.now() <= dt.timedelta(minutes=5)
    SignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for answer in (client.get(f"/help/sign-in/{token}/"), client.post(f"/help/sign-in/{token}/")):
        assert answer.status_code == 410 and "has expired" in answer.content.decode()
    assert MEMBER_KEY not in client.session


def test_a_tampered_link_is_refused(peter):
    client = Client()
    _ask(client, peter.email)
    token = last_token()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = client.post(f"/help/sign-in/{tampered}/")
    assert answer.status_code == 400 and "not valid" in answer.content.decode()
    assert MEMBER_KEY not in client.session
    assert not SignInLink.objects.filter(used_at__isnull=False).exists()


def test_only_a_hash_of_the_token_is_stored(peter):
    _ask(Client(), peter.email)
    link = SignInLink.objects.get()
    assert last_token() not in link.token_hash and len(link.token_hash) == 64


def test_unknown_and_known_emails_get_the_same_answer(peter):
    known = _ask(Client(), peter.email)
    unknown = _ask(Client(), "nobody@elsewhere.example")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [("/help/sign-in/sent/", 302)]
    assert _words(known) == _words(unknown)
    assert len(mail.outbox) == 1 and SignInLink.objects.count() == 1


def test_a_contact_who_left_cannot_sign_in(peter):
    accounts.update_contact(peter, left_on=dt.date(2026, 1, 31))
    answer = _ask(Client(), peter.email)
    assert SENT in answer.content.decode() and mail.outbox == []


def test_a_contact_who_leaves_after_the_link_was_sent_is_refused_and_signed_out(peter):
    client = Client()
    _ask(client, peter.email)
    token = last_token()
    accounts.update_contact(peter, left_on=dt.date(2026, 1, 31))
    answer = client.post(f"/help/sign-in/{token}/")
    assert answer.status_code == 403 and "can no longer sign in" in answer.content.decode()

    accounts.update_contact(peter, left_on=None)
    signed_in = Client()
    sign_in(signed_in, peter.email)
    assert signed_in.get("/help/account/").status_code == 200
    accounts.update_contact(peter, left_on=dt.date(2026, 2, 1))
    assert signed_in.get("/help/account/")["Location"] == "/help/sign-in/"


def test_sign_up_by_domain_only_where_the_vendor_allows_it():
    account = make_account(name="Hooli", domain="hooli.example")
    assert _ask(Client(), "gavin@hooli.example").status_code == 200 and mail.outbox == []

    accounts.allow_portal_sign_up(account, True)
    client = Client()
    _ask(client, "Gavin@Hooli.example")
    assert not Contact.objects.filter(email="gavin@hooli.example").exists()  # not before the link is used
    response = client.post(f"/help/sign-in/{last_token()}/")
    assert response.status_code == 302
    gavin = Contact.objects.get(email="gavin@hooli.example")
    assert gavin.account == account and client.session[MEMBER_KEY] == gavin.pk
    # The CSM sees a new person on the account's audit trail (and timeline), added by the portal.
    entry = AuditEntry.objects.get(model="accounts.contact", object_id=gavin.pk)
    assert entry.action == AuditEntry.Action.CREATE and entry.actor_label == "portal" and entry.account_id == account.pk
    assert any(line.startswith("portal: create contact gavin@hooli.example") for line in timeline_changes(account))


def test_sign_up_turned_off_after_the_link_was_sent_is_refused():
    account = make_account(name="Hooli", domain="hooli.example")
    accounts.allow_portal_sign_up(account, True)
    client = Client()
    _ask(client, "gavin@hooli.example")
    accounts.allow_portal_sign_up(account, False)
    answer = client.post(f"/help/sign-in/{last_token()}/")
    assert answer.status_code == 403 and not Contact.objects.filter(email="gavin@hooli.example").exists()



def test_a_contact_who_left_does_not_fall_back_to_their_companys_domain():
    account = make_account(name="Hooli", domain="hooli.example")
    accounts.allow_portal_sign_up(account, True)
    make_contact(account, email="erlich@hooli.example", left_on=dt.date(2026, 1, 1))
    _ask(Client(), "erlich@hooli.example")
    assert mail.outbox == []


def test_a_signed_in_member_asking_to_sign_in_goes_to_their_account(member_client):
    assert member_client.get("/help/sign-in/")["Location"] == "/help/account/"


def test_sign_out_ends_the_members_session(member_client):
    response = member_client.post("/help/sign-out/", follow=True)
    assert "You are signed out." in response.content.decode()
    assert MEMBER_KEY not in member_client.session
    assert member_client.get("/help/account/")["Location"] == "/help/sign-in/"


def test_a_page_asked_for_before_signing_in_is_where_the_member_lands(peter):
    client = Client()
    assert client.get("/help/contact/")["Location"] == "/help/sign-in/"
    assert sign_in(client, peter.email)["Location"] == "/help/contact/"


def test_a_mail_server_that_is_down_answers_the_same_page(peter, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    answer = _ask(Client(), peter.email)
    assert answer.status_code == 200 and SENT in answer.content.decode()


def test_the_link_arrives_through_a_real_smtp_server(peter, smtp):
    _ask(Client(), peter.email)
    [envelope] = smtp
    assert envelope.rcpt_tos == ["peter@initech.example"]
    assert b"http://testserver/help/sign-in/" in envelope.content


def test_links_expired_a_day_ago_are_forgotten_when_new_ones_are_issued(peter):
    _ask(Client(), peter.email)
    old = last_token()
    SignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(days=1, seconds=1))
    _ask(Client(), peter.email)
    assert SignInLink.objects.count() == 1
    assert Client().get(f"/help/sign-in/{old}/").status_code == 400  # forgotten: no longer known at all
