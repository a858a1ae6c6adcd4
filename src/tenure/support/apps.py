from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "tenure.support"
    label = "support"
    verbose_name = "Support tickets"
