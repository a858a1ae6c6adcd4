"""The Email capture page (my address, how to use it, mail no account matched, put on a timeline by hand) and
`tenure mail`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tenure.connectors import mail_capture
from tenure.connectors.models import CapturedMail, CaptureStatus
from tenure.engagement.models import Touch
from tenure.users.models import Role
from tests.connectors.test_mail_capture import sent_mail
from tests.factories import make_account, make_contact, make_user


@pytest.fixture
def alice(db, settings):
    settings.TENURE_MAIL_CAPTURE_DOMAIN = "capture.tenure.example"
    return make_user(username="alice", email="alice@vendor.example")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unmatched_mail(user) -> CapturedMail:
    return mail_capture.capture(sent_mail("Jo <jo@gmail.com>", sender=user.email).as_bytes(),
                                [mail_capture.address_of(user)]).mail


def test_the_page_shows_my_address_with_instructions_and_is_in_the_setup_menu(alice):
    page = client_of(alice).get("/connectors/mail/")
    text = page.content.decode()
    assert page.status_code == 200
    assert mail_capture.address_of(alice) in text and "BCC" in text and "forward" in text
    assert 'href="/connectors/mail/"' in text  # the Set-up menu


def test_a_new_address_retires_the_old_one(alice):
    old = mail_capture.address_of(alice)
    response = client_of(alice).post("/connectors/mail/renew/")
    assert response.status_code == 302
    new = mail_capture.address_of(alice)
    assert new != old and new.startswith("csm+") and new.endswith("@capture.tenure.example")
    assert mail_capture.user_for([old]) == (None, old[4:24])


def test_i_put_unmatched_mail_on_an_accounts_timeline(alice):
    initech = make_account(name="Initech", domain="initech.example")
    captured = unmatched_mail(alice)
    client = client_of(alice)
    page = client.get("/connectors/mail/").content.decode()
    assert "jo@gmail.com" in page and f'value="{initech.pk}"' in page
    response = client.post(f"/connectors/mail/{captured.pk}/assign/", {"account": initech.pk})
    assert response.status_code == 302
    captured.refresh_from_db()
    assert captured.status == CaptureStatus.MATCHED and Touch.objects.get().account == initech
    assert "Initech" in client.get("/connectors/mail/").content.decode()  # in the captured list now


def test_no_one_else_puts_my_mail_on_a_timeline_and_a_missing_account_is_said(alice):
    initech = make_account(name="Initech", domain="initech.example")
    captured = unmatched_mail(alice)
    bob = make_user(Role.CSM, username="bob", email="bob@vendor.example")
    assert client_of(bob).post(f"/connectors/mail/{captured.pk}/assign/", {"account": initech.pk}).status_code == 403
    assert "jo@gmail.com" not in client_of(bob).get("/connectors/mail/").content.decode()  # my mail is mine
    response = client_of(alice).post(f"/connectors/mail/{captured.pk}/assign/", {"account": "x"}, follow=True)
    assert "Choose an account." in response.content.decode()
    assert not Touch.objects.exists()


def test_the_command_shows_an_address_and_captures_one_message(alice, tmp_path):
    initech = make_account(name="Initech", domain="initech.example")
    make_contact(initech, name="Peter", email="peter@initech.example")
    out = io.StringIO()
    call_command("mail", "address", "alice", stdout=out)
    address = out.getvalue().strip()
    assert address == mail_capture.address_of(alice)
    message = tmp_path / "sent.eml"
    message.write_bytes(sent_mail("peter@initech.example").as_bytes())
    out = io.StringIO()
    call_command("mail", "read-mail", str(message), "--to", address, stdout=out)
    assert "on Initech" in out.getvalue() and Touch.objects.get().account == initech
    with pytest.raises(CommandError, match=r"refused: .*only from the address"):
        message.write_bytes(sent_mail("peter@initech.example", sender="eve@evil.example").as_bytes())
        call_command("mail", "read-mail", str(message), "--to", address)


def test_the_page_reads_the_same_number_of_times_for_one_captured_mail_or_many(alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    initech = make_account(name="Initech", domain="initech.example")
    client = client_of(alice)
    bcc = mail_capture.address_of(alice)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/connectors/mail/").status_code == 200
        return len(queries)

    mail_capture.capture(sent_mail("a@initech.example").as_bytes(), [bcc])
    unmatched_mail(alice)
    one = page_queries()
    for i in range(6):
        mail_capture.capture(sent_mail(f"p{i}@initech.example, x{i}@gmail.com").as_bytes(), [bcc])
        mail_capture.capture(sent_mail(f"y{i}@gmail.com").as_bytes(), [bcc])
    assert page_queries() == one
    assert initech.touches.count() == 7


def test_a_read_only_user_sees_their_address_but_puts_nothing_on_a_timeline(db, settings):
    settings.TENURE_MAIL_CAPTURE_DOMAIN = "capture.tenure.example"
    rita = make_user(Role.READ_ONLY, username="rita", email="rita@vendor.example")
    account = make_account(name="Initech", domain="initech.example")
    captured = unmatched_mail(rita)
    page = client_of(rita).get("/connectors/mail/").content.decode()
    assert mail_capture.address_of(rita) in page and "Put on timeline" not in page
    assert client_of(rita).post(f"/connectors/mail/{captured.pk}/assign/", {"account": account.pk}).status_code == 403


def test_a_user_without_an_email_is_told_why_their_mail_is_refused(db, settings):
    from tenure.integrations.inbound_mail import Refused

    settings.TENURE_MAIL_CAPTURE_DOMAIN = "capture.tenure.example"
    nemo = make_user(username="nemo")
    assert "ask an admin to set your email" in client_of(nemo).get("/connectors/mail/").content.decode()
    with pytest.raises(Refused, match="no email address"):
        mail_capture.capture(sent_mail("jo@gmail.com").as_bytes(), [mail_capture.address_of(nemo)])
