from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "tenure.integrations"
    label = "integrations"
