from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "tenure.engagement"
    label = "engagement"
    verbose_name = "Touches and timeline"
