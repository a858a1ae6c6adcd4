from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "tenure.users"
    label = "users"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from tenure.users import audit
        from tenure.users.models import ApiToken, User

        audit.track(User, exclude=("last_login",))
        audit.track(ApiToken, exclude=("last_used_at",))
