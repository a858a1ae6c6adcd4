"""The community's email choices in the portal: a member's level on a thread's page and an area's listing, the
digest choice, and the one-click unsubscribe link that works without signing in."""

from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.community import notifications
from tenure.community import services as community
from tenure.community.models import DigestFrequency, NotificationLevel
from tenure.knowledge.services import create_category, tags_named
from tests.factories import make_account, make_contact


@pytest.fixture(autouse=True)
def _first_posts_shown(settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False


@pytest.fixture
def gavin(db):
    return make_contact(make_account(name="Hooli", domain="hooli.example"), name="Gavin Belson",
                        email="gavin@hooli.example")


def test_a_member_chooses_a_level_on_the_thread_page(member_client, peter, gavin):
    thread = community.start_thread(community.Viewer(contact=gavin), title="Exports", body="How?")
    page = member_client.get(f"/help/community/t/{thread.pk}/").content.decode()
    assert 'aria-label="Email notifications"' in page and f'name="thread" value="{thread.pk}"' in page
    assert '<option value="normal" selected>' in page
    response = member_client.post("/help/community/watch/", {"thread": thread.pk, "level": "watching"})
    assert response.status_code == 302 and response["Location"] == f"/help/community/t/{thread.pk}/"
    assert notifications.level_of(peter, thread=thread) == NotificationLevel.WATCHING
    assert '<option value="watching" selected>' in member_client.get(f"/help/community/t/{thread.pk}/").content.decode()
    assert member_client.post("/help/community/watch/", {"thread": thread.pk, "level": "loud"}).status_code == 302
    assert notifications.level_of(peter, thread=thread) == NotificationLevel.WATCHING  # refused, kept


def test_a_member_watches_an_area_or_a_tag_from_its_listing(member_client, peter):
    area = create_category(name="Reports")
    [csv] = tags_named(["csv"])
    page = member_client.get(f"/help/community/?category={area.slug}").content.decode()
    assert f'name="category" value="{area.pk}"' in page
    response = member_client.post("/help/community/watch/", {"category": area.pk, "level": "watching"})
    assert response["Location"] == f"/help/community/?category={area.slug}"
    member_client.post("/help/community/watch/", {"tag": csv.pk, "level": "muted"})
    assert notifications.level_of(peter, category=area) == NotificationLevel.WATCHING
    assert notifications.level_of(peter, tag=csv) == NotificationLevel.MUTED
    assert member_client.post("/help/community/watch/", {"category": 999999, "level": "muted"}).status_code == 404


def test_no_level_forms_for_visitors_and_staff_are_told_emails_are_for_members(csm_client, db):
    area = create_category(name="Reports")
    assert "Email me" not in Client().get(f"/help/community/?category={area.slug}").content.decode()
    assert Client().post("/help/community/watch/", {"category": area.pk, "level": "muted"}).status_code == 302
    refused = csm_client.post("/help/community/watch/", {"category": area.pk, "level": "muted"})
    assert refused.status_code == 403 and "for members" in refused.content.decode()


def test_a_private_thread_cannot_be_watched_by_someone_who_cannot_read_it(member_client, peter, gavin, csm):
    group = community.create_group(name="Beta", by=csm)
    community.invite(group, gavin, by=csm)
    secret = community.start_thread(community.Viewer(contact=gavin), title="Secret", body="x", group=group)
    assert member_client.post("/help/community/watch/", {"thread": secret.pk, "level": "watching"}).status_code == 404


def test_a_member_chooses_a_digest(member_client, peter):
    assert 'aria-label="Community digest"' in member_client.get("/help/community/").content.decode()
    assert member_client.post("/help/community/digest/", {"digest": "weekly"}).status_code == 302
    assert notifications.digest_of(peter) == DigestFrequency.WEEKLY


def test_the_unsubscribe_link_mutes_the_thread_in_one_click_without_signing_in(peter, gavin,
                                                                               django_capture_on_commit_callbacks):
    thread = community.start_thread(community.Viewer(contact=peter), title="Exports", body="How?")
    with django_capture_on_commit_callbacks(execute=True):
        community.reply(thread, community.Viewer(contact=gavin), body="Like this.")
    [message] = mail.outbox
    link = message.extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")
    page = Client().get(link)
    assert page.status_code == 200 and "no more emails about" in page.content.decode()
    assert notifications.level_of(peter, thread=thread) == NotificationLevel.MUTED

    notifications.set_level(peter, NotificationLevel.WATCHING, thread=thread)
    one_click = Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})  # RFC 8058
    assert one_click.status_code == 200
    assert notifications.level_of(peter, thread=thread) == NotificationLevel.MUTED


def test_a_changed_unsubscribe_link_changes_nothing(peter):
    thread = community.start_thread(community.Viewer(contact=peter), title="Exports", body="How?")
    token = notifications.unsubscribe_token(peter.pk, thread_id=thread.pk)
    forged = token.replace(token.split(":")[0], notifications.unsubscribe_token(peter.pk + 1).split(":")[0])
    for bad in (forged, token + "x", "nonsense"):
        response = Client().get(f"/help/community/unsubscribe/{bad}/")
        assert response.status_code == 400 and "not valid" in response.content.decode()
    assert notifications.level_of(peter, thread=thread) == NotificationLevel.TRACKING


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(min_size=1, max_size=200), level=st.text(max_size=20), target=st.text(max_size=20))
def test_any_link_or_form_value_is_answered_never_a_500(member_client, token, level, target):
    response = Client().get(f"/help/community/unsubscribe/{quote(token, safe='')}/")
    assert response.status_code in (400, 404)
    for field in ("thread", "category", "tag"):
        assert member_client.post("/help/community/watch/", {field: target, "level": level}).status_code in (302,
                                                                                                             404)
    assert member_client.post("/help/community/digest/", {"digest": level}).status_code == 302
