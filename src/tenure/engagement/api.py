from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.accounts.models import Account, Contact
from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.engagement import services
from tenure.engagement.models import Touch, TouchKind
from tenure.engagement.schemas import TouchCreate, TouchOut, TouchUpdate

router = Router(tags=["touches"])


class TouchFilters(Schema):
    account_id: int | None = None
    kind: TouchKind | None = None


@router.get("", response=list[TouchOut])
@paginate
def list_touches(request, filters: Query[TouchFilters]):
    qs = Touch.objects.prefetch_related("contacts")
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-occurred_at", "-pk")


@router.get("/{int:touch_id}", response=TouchOut)
def get_touch(request, touch_id: int):
    return get_or_404(Touch, touch_id)


def _contacts(ids: list[int]) -> list[Contact]:
    found = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise HttpError(422, f"contact_ids: no contact with id {missing[0]}")
    return [found[i] for i in ids]


def _fields(data: dict) -> dict:
    if "sentiment" in data and data["sentiment"] is None:
        data["sentiment"] = ""
    if "contact_ids" in data:
        data["contacts"] = _contacts(data.pop("contact_ids") or [])
    return data


@router.post("", response={201: TouchOut})
def create_touch(request, payload: TouchCreate):
    require_writer(request)
    data = _fields(payload.dict())
    data["account"] = resolve(Account, data.pop("account_id"), "account_id")
    return Status(201, services.record_touch(author=request.auth, **data))


@router.patch("/{int:touch_id}", response=TouchOut)
def update_touch(request, touch_id: int, payload: TouchUpdate):
    require_writer(request)
    return services.update_touch(get_or_404(Touch, touch_id), **_fields(changes_from(payload)))
