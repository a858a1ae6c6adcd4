from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "tenure.risk"
    label = "risk"
    verbose_name = "Risk signals, plays and tasks"
