from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "tenure.health"
    label = "health"
    verbose_name = "Health scores"

    def ready(self) -> None:
        from tenure.health.models import Scorecard, ScorecardVersion
        from tenure.users import audit

        audit.track(Scorecard)
        audit.track(ScorecardVersion)
