"""Users, roles and API tokens."""

from tenure.users.models import ApiToken, Role, User


def create_user(username: str, *, password: str | None, role: str = Role.CSM, **fields) -> User:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    user = User(username=username, role=role, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is never stored and cannot be shown again."""
    return ApiToken.issue(user=user, name=name)


def revoke_token(token: ApiToken) -> None:
    token.revoke()


def user_for_token(raw: str) -> User | None:
    token = ApiToken.find_active(raw, ApiToken.objects.select_related("user").filter(user__is_active=True))
    return token.user if token else None


def person_choices(users) -> list[tuple[str, str]]:
    """(id, name as User.__str__ writes it) for a select, ordered by name: read as values, not as model instances (a
    company's hundred CSMs in two selects on every list page)."""
    rows = users.order_by("first_name", "last_name", "username").values_list("pk", "first_name", "last_name",
                                                                               "username")
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]
