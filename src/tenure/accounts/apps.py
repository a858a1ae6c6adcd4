from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tenure.accounts"
    label = "accounts"
    verbose_name = "Accounts and contacts"
