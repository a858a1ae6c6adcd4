from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "tenure.engagement"
    label = "engagement"
    verbose_name = "Touches and timeline"

    def ready(self) -> None:
        from tenure.engagement.models import OnboardingTemplate
        from tenure.users import audit

        audit.track(OnboardingTemplate)
