"""Accounts and contacts: the one place their rows are created and changed."""

import contextlib
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from tenure import bulk
from tenure.accounts.models import (
    EXTERNAL_ID_FIELDS,
    Account,
    CommunityRole,
    Contact,
    LifecycleStage,
    RelationshipRole,
)
from tenure.accounts.people import hand_over
from tenure.users import audit
from tenure.users.models import User

ACCOUNT_FIELDS = ("name", "domain", *EXTERNAL_ID_FIELDS, "industry", "segment", "stage", "owner", "custom",
                  "portal_domain_sign_up")
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
    if "custom" in fields:
        check_custom(fields["custom"])
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({f: "not an account field" for f in sorted(unknown)})
    return fields


CUSTOM_LIMIT = 16_384  # bytes of JSON: attributes, not documents


def check_custom(custom) -> None:
    """Custom attributes: an object of plain values (text, finite numbers, true/false, null, lists and objects of
    them), at most ``CUSTOM_LIMIT`` bytes as JSON. NaN or Infinity cannot be stored on PostgreSQL."""
    if not isinstance(custom, dict):
        raise ValidationError({"custom": "custom attributes are an object of names and values"})
    try:
        text = json.dumps(custom, allow_nan=False)
    except (TypeError, ValueError):
        raise ValidationError({"custom": "custom attribute values must be text, finite numbers, true/false or null"}
                              ) from None
    if len(text.encode()) > CUSTOM_LIMIT:
        raise ValidationError({"custom": f"custom attributes are limited to {CUSTOM_LIMIT:,} bytes as JSON"})


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


def _acting(by=None, source: str = "app"):
    """Who the audit trail (and so the account's timeline) names for a change: ``by`` (a person, the API's user),
    else a process named by ``source`` (e.g. "import"), else whoever the request or command acts as already."""
    user, _ = audit.current_actor()
    if by is not None and getattr(by, "pk", None) != getattr(user, "pk", None):  # else keep "… through the API"
        return audit.acting_as(by)
    if source != "app" and audit.current_actor()[1] == audit.SYSTEM:
        return audit.acting_as(label=source)
    return contextlib.nullcontext()


@transaction.atomic
def update_account(account: Account, *, by: User | None = None, source: str = "app", **changes) -> Account:
    with _acting(by, source):
        return _update_account(account, changes)


def _update_account(account: Account, changes: dict) -> Account:
    changes = _normalize_account_fields(changes)
    old_owner = account.owner
    if "owner" in changes:
        _check_owner(changes["owner"])
    for key, value in changes.items():
        setattr(account, key, value)
    owner_changed = "owner" in changes and (changes["owner"] and changes["owner"].pk) != (old_owner and old_owner.pk)
    if owner_changed:
        account.assigned_by_rule = None  # a person chose: assignment rules leave this account alone from now on
    _save(account)  # a change of owner reaches the timeline through the audit trail, not as a touch
    return account


def allow_portal_sign_up(account: Account, allowed: bool, *, by: User | None = None) -> Account:
    """Whether people with an email at the account's domain may sign themselves in to the customer portal (a
    contact is then created for each on their first sign-in). Needs the account's domain (Account.clean);
    recorded on the audit trail like any change."""
    return update_account(account, by=by, portal_domain_sign_up=allowed)


def find_portal_account(email_domain: str) -> Account | None:
    """The account whose people may sign themselves up to the portal with an email at this domain, if any."""
    domain = normalize_domain(email_domain)
    if not domain:
        return None
    return Account.objects.filter(domain=domain, portal_domain_sign_up=True).first()


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
def create_contact(*, by=None, source: str = "app", **fields) -> Contact:
    """One person; the account's timeline shows them added, by ``by`` (a person or the API's user) when given, else
    by the process ``source`` names ("portal": they signed themselves up by their email's domain).
    (The audit trail tells it: a note would count as a touch with the customer, and hide a silence.)"""
    contact = Contact()
    _apply_contact_fields(contact, fields)
    with _acting(by, source):
        _save(contact)
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, by=None, successor: Contact | None = None, **changes) -> Contact:
    """Change a person: fields, roles, leaving (``left_on``, with the ``successor`` who takes over their
    relationship roles). The account's timeline shows what changed and who did it (``by``, when given)."""
    _apply_contact_fields(contact, changes)
    with _acting(by):
        if successor is not None:
            if contact.left_on is None:
                raise ValidationError({"successor": "Name a successor when the person leaves."})
            contact.successor = hand_over(contact, successor)
            _save(successor)
        _save(contact)
    return contact


# ---- many at once: imports, the event API's identity calls, the demo -----------------------------------------
# A fixed number of queries per call, whatever the number of rows. ``clean=False`` skips field validation for
# a caller that has already validated each row itself (the importer, to name the line of each error).

ROLE_FLAGS = tuple(f"is_{r}" for r in ROLE_NAMES)
_MISSING = object()


def _account_values(fields: dict) -> dict:
    """Normalized account fields keyed by attribute name (owner_id for owner, given as a user or an id)."""
    owner = fields.pop("owner", _MISSING)
    values = _normalize_account_fields(fields)
    if owner is not _MISSING:
        values["owner_id"] = bulk.attvalue(owner)
    return values


def _active_owners(owner_ids: set) -> dict[int, User]:
    """The users who own or will own these accounts, in one query; an inactive new owner is an error."""
    owner_ids = {pk for pk in owner_ids if pk is not None}
    return User.objects.in_bulk(owner_ids) if owner_ids else {}


def _check_owners(accounts: Iterable[Account], users: dict[int, User]) -> None:
    for account in accounts:
        if account.owner_id is None:
            continue
        user = users.get(account.owner_id)
        if user is None or not user.is_active:
            raise ValidationError({"owner": f"{user or account.owner_id} is not an active user"})


@transaction.atomic
def create_accounts(accounts: Iterable[Account], *, clean: bool = True) -> list[Account]:
    """Insert new accounts (unsaved Account objects) in bulk, with the same normalization and checks as
    create_account. An owner given at creation is a person's choice: assignment rules leave it alone."""
    accounts = list(accounts)
    for account in accounts:
        values = _account_values({f: getattr(account, f) for f in ACCOUNT_FIELDS if f != "owner"})
        for key, value in values.items():
            setattr(account, key, value)
        account.assigned_by_rule = None
        if clean:
            bulk.clean_changed(account, ())
    _check_owners(accounts, _active_owners({a.owner_id for a in accounts}))
    created = bulk.insert(Account, accounts)
    audit.record_created(Account, created)
    return created


@transaction.atomic
def update_accounts(changes: Iterable[tuple[Account, dict]], *, by: User | None = None, source: str = "app",
                    clean: bool = True) -> list[Account]:
    """Apply field changes to many accounts (each pair: the account as stored, its new values), with what
    update_account does for one: a change of owner is a person's (or import's) choice, so it clears
    ``assigned_by_rule`` (the audit trail tells the timeline); ``updated_at`` moves so the refresh sees the change.
    Returns the accounts that changed; values equal to the stored ones change nothing."""
    changed: list[Account] = []
    names: set[str] = set()
    moves: list[tuple[Account, int | None]] = []
    olds: dict[int, dict] = {}
    for account, fields in changes:
        diff = {k: v for k, v in _account_values(dict(fields)).items() if getattr(account, k) != v}
        if not diff:
            continue
        olds[id(account)] = {k: getattr(account, k) for k in diff}
        old_owner_id = account.owner_id
        for key, value in diff.items():
            setattr(account, key, value)
        if "owner_id" in diff:
            account.assigned_by_rule_id = None
            moves.append((account, old_owner_id))
            names.add("assigned_by_rule_id")
        if clean:
            bulk.clean_changed(account, diff)
        names.update(diff)
        changed.append(account)
    if moves:
        users = _active_owners({a.owner_id for a, _ in moves} | {old for _, old in moves})
        _check_owners([a for a, _ in moves], users)
    bulk.save_changed(Account, changed, names)
    names_of = {pk: str(u) for pk, u in users.items()} if moves else {}
    audit.record_changes(Account, [
        (a, {k.removesuffix("_id"): (names_of.get(v, v) if k == "owner_id" else v,
                                     names_of.get(getattr(a, k), getattr(a, k)) if k == "owner_id" else getattr(a, k))
             for k, v in olds[id(a)].items()})
        for a in changed], label=None if source == "app" else source, by=by)
    return changed


def _contact_values(fields: dict) -> dict:
    """Normalized contact fields keyed by attribute name; roles may come as lists or as is_* flags."""
    fields = dict(fields)
    values = {}
    for name, choices in (("roles", RelationshipRole.values), ("community_roles", CommunityRole.values)):
        if name in fields:
            chosen = parse_roles(fields.pop(name))
            values.update({f"is_{r}": r in chosen for r in choices})
    for flag in ROLE_FLAGS:
        if flag in fields:
            values[flag] = bool(fields.pop(flag))
    if "account" in fields:
        values["account_id"] = bulk.attvalue(fields.pop("account"))
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({f: "not a contact field" for f in sorted(unknown)})
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
    if "product_user_id" in fields:
        fields["product_user_id"] = clean_external_id(fields["product_user_id"])
    return {**fields, **values}


@transaction.atomic
def create_contacts(contacts: Iterable[Contact], *, clean: bool = True) -> list[Contact]:
    """Insert new contacts (unsaved Contact objects, roles as is_* flags) in bulk, normalized as create_contact."""
    contacts = list(contacts)
    for contact in contacts:
        contact.email = normalize_email(contact.email)
        contact.product_user_id = clean_external_id(contact.product_user_id)
        if clean:
            bulk.clean_changed(contact, ())
    created = bulk.insert(Contact, contacts)
    audit.record_created(Contact, created)
    return created


@transaction.atomic
def update_contacts(changes: Iterable[tuple[Contact, dict]], *, clean: bool = True) -> list[Contact]:
    """Apply field changes to many contacts (each pair: the contact as stored, its new values; roles as lists
    or is_* flags); ``updated_at`` moves so the refresh sees them. Returns the contacts that changed."""
    changed: list[Contact] = []
    names: set[str] = set()
    olds: dict[int, dict] = {}
    for contact, fields in changes:
        diff = {k: v for k, v in _contact_values(fields).items() if getattr(contact, k) != v}
        if not diff:
            continue
        olds[id(contact)] = {k: getattr(contact, k) for k in diff}
        for key, value in diff.items():
            setattr(contact, key, value)
        if clean:
            bulk.clean_changed(contact, diff)
        names.update(diff)
        changed.append(contact)
    bulk.save_changed(Contact, changed, names)
    audit.record_changes(Contact, [(c, {k: (v, getattr(c, k)) for k, v in olds[id(c)].items()}) for c in changed])
    return changed


def search_accounts(
    qs: QuerySet[Account] | None = None,
    *,
    q: str = "",
    owner: int | str | None = None,
    segment: str = "",
    stage: str = "",
) -> QuerySet[Account]:
    """The filters the accounts list and the API share. owner='none' means no CSM assigned; stage='active' means
    every stage but churned (the customers a team still serves)."""
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
        try:
            owner_id = int(owner)
        except (TypeError, ValueError):
            raise ValidationError({"owner": f"{str(owner)[:40]!r} is not a user id (or none)"}) from None
        qs = qs.filter(owner_id=owner_id) if 0 < owner_id < 2**63 else qs.none()
    if segment:
        qs = qs.filter(segment__iexact=segment)
    if stage == ACTIVE:
        qs = qs.exclude(stage=LifecycleStage.CHURNED)
    elif stage:
        qs = qs.filter(stage=stage)
    return qs


ACTIVE = "active"


def owns_accounts() -> Q:
    """Users who own at least one account, as a filter: one indexed look-up per user (EXISTS), not a join over every
    account followed by DISTINCT."""
    return Q(Exists(Account.objects.filter(owner=OuterRef("pk"))))


def segments() -> list[str]:
    """The segments in use, sorted. Read as a skip scan of the segment index (one look-up per segment) rather than
    DISTINCT over every account."""
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE s(segment) AS ("
            f" SELECT MIN(segment) FROM {table} WHERE segment > ''"
            f" UNION ALL"
            f" SELECT (SELECT MIN(segment) FROM {table} WHERE segment > s.segment) FROM s WHERE s.segment IS NOT NULL"
            f") SELECT segment FROM s WHERE segment IS NOT NULL"
        )
        return [row[0] for row in cursor.fetchall()]
