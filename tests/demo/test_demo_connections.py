"""The demo shows connections as configured: Stripe, HubSpot and Zendesk with the demo's data as their last runs,
paused (their keys are not real), so Set-up → Connections is not empty."""

from tenure.connectors.models import Connection
from tenure.support.models import Ticket


def test_the_demo_has_configured_connections_with_runs(small_demo, client, leader):
    connections = {c.kind: c for c in Connection.objects.all()}
    assert set(connections) == {"stripe", "hubspot", "zendesk"}
    assert all(c.paused and c.last_synced_at for c in connections.values())
    backfill = connections["zendesk"].runs.order_by("started_at").first()
    assert backfill.created == Ticket.objects.count() > 0
    assert connections["stripe"].runs.filter(status="failed").exists()
    client.force_login(leader)
    page = client.get("/setup/connections/").content.decode()
    assert "Stripe (demo)" in page and "HubSpot (demo)" in page and "Zendesk (demo)" in page
    detail = client.get(f"/setup/connections/{connections['stripe'].pk}/").content.decode()
    assert "could not be reached" in detail and "sk_test_demo" not in detail
