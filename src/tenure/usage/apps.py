from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "tenure.usage"
    label = "usage"
    verbose_name = "Product usage"
