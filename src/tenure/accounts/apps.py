from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tenure.accounts"
    label = "accounts"
    verbose_name = "Accounts and contacts"

    def ready(self) -> None:
        from tenure.accounts.models import Account, AssignmentRule, Contact, SavedView
        from tenure.users import audit

        # The sort totals are derived from the subscriptions, whose own changes are audited.
        audit.track(Account, exclude=("sort_seats", "sort_mrr", "sort_renewal"), account="id")
        audit.track(Contact, account="account_id")
        audit.track(AssignmentRule)
        audit.track(SavedView)
