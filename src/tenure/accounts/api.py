from django.db.models import Q
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.accounts import services
from tenure.accounts.models import Account, Contact, LifecycleStage
from tenure.accounts.schemas import (
    AccountCreate,
    AccountOut,
    AccountUpdate,
    ContactCreate,
    ContactOut,
    ContactUpdate,
)
from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.users.models import User

accounts_router = Router(tags=["accounts"])
contacts_router = Router(tags=["contacts"])


class AccountFilters(Schema):
    q: str = ""
    owner: str = ""
    segment: str = ""
    stage: LifecycleStage | None = None


@accounts_router.get("", response=list[AccountOut])
@paginate
def list_accounts(request, filters: Query[AccountFilters]):
    """Accounts, filtered by search text (name, domain, external id), owner CSM id (or `none`), segment, stage."""
    return services.search_accounts(
        q=filters.q, owner=filters.owner or None, segment=filters.segment, stage=filters.stage or ""
    ).order_by("name", "pk")


@accounts_router.get("/{int:account_id}", response=AccountOut)
def get_account(request, account_id: int):
    return get_or_404(Account, account_id)


def _account_fields(data: dict) -> dict:
    if "owner_id" in data:
        data["owner"] = resolve(User, data.pop("owner_id"), "owner_id")
    return data


@accounts_router.post("", response={201: AccountOut})
def create_account(request, payload: AccountCreate):
    require_writer(request)
    return Status(201, services.create_account(**_account_fields(payload.dict())))


@accounts_router.patch("/{int:account_id}", response=AccountOut)
def update_account(request, account_id: int, payload: AccountUpdate):
    require_writer(request)
    account = get_or_404(Account, account_id)
    return services.update_account(account, by=request.auth, **_account_fields(changes_from(payload)))


class ContactFilters(Schema):
    account_id: int | None = None
    q: str = ""
    role: str = ""
    active: bool | None = None


@contacts_router.get("", response=list[ContactOut])
@paginate
def list_contacts(request, filters: Query[ContactFilters]):
    """Contacts, filtered by account, search text (name, email), role, and active or left."""
    qs = Contact.objects.all()
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(email__icontains=filters.q))
    if filters.role:
        for role in services.parse_roles(filters.role):
            qs = qs.filter(**{f"is_{role}": True})
    if filters.active is not None:
        qs = qs.filter(left_on__isnull=filters.active)
    return qs.order_by("pk")


@contacts_router.get("/{int:contact_id}", response=ContactOut)
def get_contact(request, contact_id: int):
    return get_or_404(Contact, contact_id)


def _contact_fields(data: dict) -> dict:
    if "account_id" in data:
        data["account"] = resolve(Account, data.pop("account_id"), "account_id")
    return data


@contacts_router.post("", response={201: ContactOut})
def create_contact(request, payload: ContactCreate):
    require_writer(request)
    return Status(201, services.create_contact(by=request.auth, **_contact_fields(payload.dict())))


@contacts_router.patch("/{int:contact_id}", response=ContactOut)
def update_contact(request, contact_id: int, payload: ContactUpdate):
    require_writer(request)
    contact = get_or_404(Contact, contact_id)
    fields = _contact_fields(changes_from(payload))
    successor = resolve(Contact, fields.pop("successor_id", None), "successor_id")
    return services.update_contact(contact, by=request.auth, successor=successor, **fields)
