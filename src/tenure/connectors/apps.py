from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "tenure.connectors"
    label = "connectors"
    verbose_name = "Connectors"
