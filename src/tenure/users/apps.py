from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "tenure.users"
    label = "users"
    verbose_name = "Users and roles"
