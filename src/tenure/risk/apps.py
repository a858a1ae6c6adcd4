from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "tenure.risk"
    label = "risk"
    verbose_name = "Risk signals, plays and tasks"

    def ready(self) -> None:
        from tenure.risk.models import Play, PlayStep, RiskSettings, Task
        from tenure.users import audit

        audit.track(Task, account="account_id")
        audit.track(RiskSettings)
        audit.track(Play)
        audit.track(PlayStep)
