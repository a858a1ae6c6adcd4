from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "tenure.connectors"
    label = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from tenure.connectors import hubspot, intercom, salesforce, stripe, zendesk  # noqa: F401  (register their sources)
        from tenure.connectors.models import Connection
        from tenure.users import audit

        audit.track(Connection, exclude=("credentials", "next_sync_at", "failures", "last_synced_at"))
