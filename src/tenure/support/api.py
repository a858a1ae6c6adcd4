from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.accounts.models import Account, Contact
from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.support import services
from tenure.support.models import Ticket, TicketPriority, TicketStatus
from tenure.support.schemas import TicketCreate, TicketOut, TicketUpdate

router = Router(tags=["tickets"])


class TicketFilters(Schema):
    account_id: int | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    unresolved: bool | None = None


@router.get("", response=list[TicketOut])
@paginate
def list_tickets(request, filters: Query[TicketFilters]):
    qs = Ticket.objects.all()
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.unresolved is not None:
        qs = qs.unresolved() if filters.unresolved else qs.resolved()
    return qs.order_by("-opened_at", "pk")


@router.get("/{int:ticket_id}", response=TicketOut)
def get_ticket(request, ticket_id: int):
    return get_or_404(Ticket, ticket_id)


def _fields(data: dict) -> dict:
    if "account_id" in data:
        data["account"] = resolve(Account, data.pop("account_id"), "account_id")
    if "contact_id" in data:
        data["contact"] = resolve(Contact, data.pop("contact_id"), "contact_id")
    return data


@router.post("", response={201: TicketOut})
def create_ticket(request, payload: TicketCreate):
    require_writer(request)
    return Status(201, services.create_ticket(**_fields(payload.dict())))


@router.patch("/{int:ticket_id}", response=TicketOut)
def update_ticket(request, ticket_id: int, payload: TicketUpdate):
    require_writer(request)
    return services.update_ticket(get_or_404(Ticket, ticket_id), **_fields(changes_from(payload)))
