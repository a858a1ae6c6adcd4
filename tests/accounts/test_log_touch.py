import datetime as dt

from django.test import Client
from django.urls import reverse

from tenure.engagement.models import Touch
from tests.factories import make_account, make_contact


def _url(account) -> str:
    return reverse("accounts:log_touch", args=[account.pk])


def _form(**overrides) -> dict:
    data = {"kind": "call", "occurred_at": "2026-03-02T10:30", "summary": "Talked renewal", "sentiment": "positive"}
    data.update(overrides)
    return data


def test_csm_logs_a_touch_and_it_appears_on_the_timeline(csm_client, csm, full_account):
    frank = full_account.contacts.get(name="Frank Grimes")
    response = csm_client.post(_url(full_account), _form(summary="Agreed QBR date", contacts=[frank.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[full_account.pk]) + "#timeline"
    touch = Touch.objects.get(summary="Agreed QBR date")
    assert (touch.account, touch.author, touch.kind, touch.sentiment) == (full_account, csm, "call", "positive")
    assert touch.occurred_at == dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    assert list(touch.contacts.all()) == [frank]

    page = csm_client.get(response["Location"]).content.decode()
    assert "Touch logged." in page
    timeline = page[page.index('id="timeline"'):]
    assert "Agreed QBR date" in timeline and "by Alice Archer" in timeline


def test_read_only_user_cannot_log_a_touch(reader_client, full_account):
    before = Touch.objects.count()
    response = reader_client.post(_url(full_account), _form())
    assert response.status_code == 403
    assert Touch.objects.count() == before


def test_logging_a_touch_needs_a_post(csm_client, full_account):
    assert csm_client.get(_url(full_account)).status_code == 405


def test_touch_form_is_csrf_protected(csm, full_account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csm)
    before = Touch.objects.count()

    assert client.post(_url(full_account), _form()).status_code == 403
    assert Touch.objects.count() == before

    # With the token the page hands out, the same post goes through.
    client.get(reverse("accounts:detail", args=[full_account.pk]))
    token = client.cookies["csrftoken"].value
    assert client.post(_url(full_account), _form(csrfmiddlewaretoken=token)).status_code == 302
    assert Touch.objects.count() == before + 1


def test_missing_summary_shows_the_form_again_with_an_error(csm_client, full_account):
    before = Touch.objects.count()
    response = csm_client.post(_url(full_account), _form(summary=""))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Touch.objects.count() == before


def test_contact_of_another_account_is_refused(csm_client, full_account):
    stranger = make_contact(make_account(name="Other Co"), name="Stranger")
    response = csm_client.post(_url(full_account), _form(contacts=[stranger.pk]))
    assert response.status_code == 400
    assert not Touch.objects.filter(summary="Talked renewal").exists()


def test_contact_who_has_left_cannot_be_picked(csm_client, full_account):
    gone = full_account.contacts.get(name="Gone Person")
    assert csm_client.post(_url(full_account), _form(contacts=[gone.pk])).status_code == 400


def test_logging_a_touch_on_an_unknown_account_is_404(csm_client, db):
    assert csm_client.post(reverse("accounts:log_touch", args=[999999]), _form()).status_code == 404


def test_logged_out_post_goes_to_login_and_stores_nothing(client, full_account):
    before = Touch.objects.count()
    response = client.post(_url(full_account), _form())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Touch.objects.count() == before
