from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "tenure.changes"
    label = "changes"
    verbose_name = "Change detection"
