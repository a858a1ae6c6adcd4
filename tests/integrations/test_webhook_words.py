"""Webhook events read in words on the page ("Health band changed"), the keys staying what receivers read."""

import re

from django.test import Client

from tenure.integrations import webhooks
from tenure.integrations.models import EVENT_LABELS, WebhookDelivery, WebhookEndpoint
from tenure.users.models import Role
from tests.factories import make_user


def test_every_event_has_a_label():
    assert set(webhooks.EVENT_TYPES) == set(EVENT_LABELS)
    assert all(label and "_" not in label and "." not in label for label in EVENT_LABELS.values())


def test_the_page_names_events_in_words(db):
    endpoint = WebhookEndpoint.objects.create(name="CRM", url="https://crm.example/hook",
                                              event_types=["health.band_changed", "signal.opened"])
    WebhookDelivery.objects.create(endpoint=endpoint, event_id="e1", event_type="health.band_changed", payload={})
    client = Client()
    client.force_login(make_user(Role.ADMIN))
    html = client.get("/integrations/webhooks/").content.decode()
    main = html[html.index("<main"):]
    assert "Health band changed, signal opened" in main
    assert '<span title="health.band_changed in the payload">Health band changed</span>' in main
    box = re.search(r'value="health.band_changed"[^>]*>\s*([^<]+)</label>', main)  # the form's tick box
    assert box and box.group(1).strip() == "Health band changed"
    assert ">health.band_changed<" not in main
