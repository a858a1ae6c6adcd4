from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tenure.portal"
    label = "portal"
    verbose_name = "Customer portal"
