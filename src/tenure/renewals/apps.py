from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "tenure.renewals"
    verbose_name = "Renewals, expansion and digests"
