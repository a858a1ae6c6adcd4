from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "tenure.usage"
    label = "usage"
    verbose_name = "Product usage"

    def ready(self) -> None:
        from tenure.usage.models import Feature, WriteKey
        from tenure.users import audit

        audit.track(WriteKey, exclude=("last_used_at",))
        audit.track(Feature, exclude=("first_seen", "last_seen"))  # its name, module and key flag: set-up
