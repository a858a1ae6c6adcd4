import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from tenure.settings import email_settings


def test_smtp_url_becomes_django_settings():
    s = email_settings("smtp://ops%40acme.com:p%40ss@mail.acme.com:587?tls=true")
    assert s["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == (
        "mail.acme.com", 587, "ops@acme.com", "p@ss")
    assert s["EMAIL_USE_TLS"] and not s["EMAIL_USE_SSL"]
    assert email_settings("smtps://mail.acme.com")["EMAIL_PORT"] == 465


def test_unset_writes_mail_to_files_not_the_internet():
    assert email_settings("")["EMAIL_BACKEND"].endswith("filebased.EmailBackend")


def test_unknown_scheme_is_named():
    with pytest.raises(ImproperlyConfigured, match="'http'"):
        email_settings("http://x")


def test_mail_goes_through_a_real_smtp_server(smtp, settings):
    """aiosmtpd on loopback (the shared ``smtp`` fixture, which points Django at it through email_settings):
    what the digest and survey emails will travel through."""
    assert settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and settings.EMAIL_HOST == "127.0.0.1"
    mail.get_connection(settings.EMAIL_BACKEND).send_messages(
        [mail.EmailMessage("Hello", "Your digest", "tenure@localhost", ["csm@example.com"])]
    )
    assert smtp[0].rcpt_tos == ["csm@example.com"]
    assert b"Your digest" in smtp[0].content
