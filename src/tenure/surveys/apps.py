from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tenure.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from tenure.surveys.models import SurveyCampaign
        from tenure.users import audit

        audit.track(SurveyCampaign)
