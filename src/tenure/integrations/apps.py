from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "tenure.integrations"
    label = "integrations"

    def ready(self) -> None:
        from tenure.integrations.models import WebhookEndpoint
        from tenure.users import audit

        audit.track(WebhookEndpoint)
        # Registers the CSV importers (tenure import KIND); other kinds register themselves the same way.
        from tenure.integrations import importers  # noqa: F401
