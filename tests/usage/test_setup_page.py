import pytest

from tenure.usage.models import Feature, WriteKey
from tenure.usage.services import create_write_key, ingest
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def test_leader_creates_a_write_key_and_sees_it_once(leader_client):
    response = leader_client.post("/usage/keys/", {"name": "Web app"}, follow=True)
    key = WriteKey.objects.get()
    page = response.content.decode()
    assert "copy it now" in page and key.key_prefix in page
    assert "Web app" in leader_client.get("/usage/").content.decode()


def test_revoked_key_is_marked(leader_client):
    key, _ = create_write_key("old")
    leader_client.post(f"/usage/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_csm_can_look_but_not_manage_keys(csm_client):
    assert csm_client.get("/usage/").status_code == 200
    assert csm_client.post("/usage/keys/", {"name": "sneaky"}).status_code == 403
    assert not WriteKey.objects.exists()


def test_read_only_leader_role_cannot_manage(client):
    client.force_login(make_user("read_only", username="viewer"))
    assert client.post("/usage/keys/", {"name": "x"}).status_code == 403


def test_marking_a_key_feature_with_htmx(leader_client):
    ingest([{"type": "track", "messageId": "m", "userId": "u", "event": "Report Exported"}])
    feature = Feature.objects.get()
    response = leader_client.post(
        f"/usage/features/{feature.pk}/", {"friendly_name": "Export a report", "module": "Reporting", "is_key": "on"},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    feature.refresh_from_db()
    assert (feature.friendly_name, feature.module, feature.is_key) == ("Export a report", "Reporting", True)


def test_the_page_says_what_usage_has_arrived_even_without_write_keys(leader_client):
    assert "No usage has arrived yet" in leader_client.get("/usage/").content.decode()
    ingest([{"type": "track", "messageId": "m1", "userId": "u1", "event": "Logged In"}])
    page = leader_client.get("/usage/").content.decode()
    assert "Usage is arriving: the latest event was received 0\xa0minutes ago" in page and "Write keys" in page
