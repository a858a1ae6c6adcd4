from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tenure.billing"
    label = "billing"
    verbose_name = "Subscriptions"

    def ready(self) -> None:
        from tenure.billing.models import Subscription
        from tenure.users import audit

        audit.track(Subscription, account="account_id")
