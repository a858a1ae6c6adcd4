from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tenure.billing"
    label = "billing"
    verbose_name = "Subscriptions"
