"""Accounts and contacts: the one place their rows are created and changed."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from tenure.accounts.models import (
    EXTERNAL_ID_FIELDS,
    Account,
    CommunityRole,
    Contact,
    LifecycleStage,
    RelationshipRole,
)
from tenure.users.models import User

ACCOUNT_FIELDS = ("name", "domain", *EXTERNAL_ID_FIELDS, "industry", "segment", "stage", "owner", "custom")
CONTACT_FIELDS = ("account", "name", "email", "title", "product_user_id", "left_on")
ROLE_NAMES = (*RelationshipRole.values, *CommunityRole.values)


def normalize_domain(value: str | None) -> str:
    """'https://www.Acme.com/about' -> 'acme.com'."""
    d = (value or "").strip().lower()
    for scheme in ("https://", "http://"):
        d = d.removeprefix(scheme)
    d = d.split("/", 1)[0].removeprefix("www.")
    return d


def normalize_email(value: str | None) -> str:
    return (value or "").strip().lower()


def clean_external_id(value) -> str | None:
    value = ("" if value is None else str(value)).strip()
    return value or None


def parse_roles(value: str | Iterable[str] | None) -> list[str]:
    """Read roles written as 'Champion; executive sponsor' or a list; reject the ones we do not know."""
    if value is None:
        return []
    items = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    roles = []
    for item in items:
        role = item.strip().lower().replace(" ", "_").replace("-", "_")
        if not role:
            continue
        if role == "sponsor":
            role = RelationshipRole.EXECUTIVE_SPONSOR
        if role not in ROLE_NAMES:
            raise ValidationError({"roles": f"unknown role {item.strip()!r}; known roles: {', '.join(ROLE_NAMES)}"})
        if role not in roles:
            roles.append(role)
    return roles


def role_flags(roles: Iterable[str]) -> dict[str, bool]:
    chosen = set(roles)
    return {f"is_{r}": r in chosen for r in ROLE_NAMES}


def _normalize_account_fields(fields: dict) -> dict:
    fields = dict(fields)
    if "domain" in fields:
        fields["domain"] = normalize_domain(fields["domain"])
    for key in EXTERNAL_ID_FIELDS:
        if key in fields:
            fields[key] = clean_external_id(fields[key])
    if "stage" in fields and not fields["stage"]:
        fields["stage"] = LifecycleStage.ONBOARDING
    if fields.get("custom") is None and "custom" in fields:
        fields["custom"] = {}
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({f: "not an account field" for f in sorted(unknown)})
    return fields


def _check_owner(owner: User | None) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": f"{owner} is not an active user"})


def find_accounts_by(field: str, values: Iterable[str]) -> dict[str, Account]:
    """Accounts keyed by the lower-cased value of an external id or domain, in one query."""
    keys = {str(v).strip().lower() for v in values if v}
    if not keys:
        return {}
    if field == "domain":
        # The domain index covers non-empty domains only; saying so lets the database use it.
        return {a.domain: a for a in Account.objects.filter(domain__in=keys).exclude(domain="")}
    if field not in EXTERNAL_ID_FIELDS:
        raise ValueError(f"accounts are not matched by {field}")
    qs = Account.objects.annotate(_key=Lower(field)).filter(_key__in=keys)
    return {a._key: a for a in qs}


def find_account(**keys) -> Account | None:
    """The account matching any of the given external ids or domain, ignoring case."""
    q = Q()
    for field, value in keys.items():
        if field == "domain":
            value = normalize_domain(value)
            if value:
                q |= Q(domain=value)
        elif field in EXTERNAL_ID_FIELDS:
            value = clean_external_id(value)
            if value:
                q |= Q(**{f"{field}__iexact": value})
        else:
            raise ValueError(f"accounts are not matched by {field}")
    return Account.objects.filter(q).first() if q else None


def _save(obj, *, exclude=()) -> None:
    obj.full_clean(exclude=list(exclude))
    obj.save()


@transaction.atomic
def create_account(**fields) -> Account:
    fields = _normalize_account_fields(fields)
    _check_owner(fields.get("owner"))
    account = Account(**fields)
    _save(account)
    return account


@transaction.atomic
def update_account(account: Account, *, by: User | None = None, **changes) -> Account:
    changes = _normalize_account_fields(changes)
    old_owner = account.owner
    if "owner" in changes:
        _check_owner(changes["owner"])
    for key, value in changes.items():
        setattr(account, key, value)
    owner_changed = "owner" in changes and (changes["owner"] and changes["owner"].pk) != (old_owner and old_owner.pk)
    if owner_changed:
        account.assigned_by_rule = None  # a person chose: assignment rules leave this account alone from now on
    _save(account)
    if owner_changed:
        from tenure.engagement.services import record_touch

        who = f" by {by}" if by else ""
        record_touch(account=account, kind="note", author=by,
                     summary=f"Owner changed from {old_owner or 'nobody'} to {account.owner or 'nobody'}{who}.")
    return account


def _apply_contact_fields(contact: Contact, fields: dict) -> None:
    fields = dict(fields)
    roles = fields.pop("roles", None)
    community = fields.pop("community_roles", None)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({f: "not a contact field" for f in sorted(unknown)})
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
    if "product_user_id" in fields:
        fields["product_user_id"] = clean_external_id(fields["product_user_id"])
    for key, value in fields.items():
        setattr(contact, key, value)
    if roles is not None:
        parsed = parse_roles(roles)
        for r in RelationshipRole.values:
            setattr(contact, f"is_{r}", r in parsed)
    if community is not None:
        parsed = parse_roles(community)
        for r in CommunityRole.values:
            setattr(contact, f"is_{r}", r in parsed)


@transaction.atomic
def create_contact(**fields) -> Contact:
    contact = Contact()
    _apply_contact_fields(contact, fields)
    _save(contact)
    return contact


@transaction.atomic
def update_contact(contact: Contact, **changes) -> Contact:
    _apply_contact_fields(contact, changes)
    _save(contact)
    return contact


def search_accounts(
    qs: QuerySet[Account] | None = None,
    *,
    q: str = "",
    owner: int | str | None = None,
    segment: str = "",
    stage: str = "",
) -> QuerySet[Account]:
    """The filters the accounts list and the API share. owner='none' means no CSM assigned."""
    qs = Account.objects.all() if qs is None else qs
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(domain__icontains=q)
            | Q(crm_id__iexact=q)
            | Q(billing_id__iexact=q)
            | Q(product_group_id__iexact=q)
        )
    if owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner_id=owner)
    if segment:
        qs = qs.filter(segment__iexact=segment)
    if stage:
        qs = qs.filter(stage=stage)
    return qs
