from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "tenure.metrics"
    label = "metrics"
    verbose_name = "Retention metrics"
