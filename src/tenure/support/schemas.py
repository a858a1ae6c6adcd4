import datetime as dt

from ninja import Field, Schema

from tenure.support.models import TicketPriority, TicketStatus


class TicketOut(Schema):
    id: int
    account_id: int
    contact_id: int | None
    external_id: str | None
    subject: str
    body: str
    category: str
    priority: TicketPriority
    status: TicketStatus
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    csat: int | None
    source: str


class TicketCreate(Schema):
    account_id: int
    contact_id: int | None = None
    external_id: str | None = None
    subject: str = Field(min_length=1, max_length=300)
    body: str = ""
    category: str = ""
    priority: TicketPriority = TicketPriority.NORMAL
    status: TicketStatus = TicketStatus.NEW
    opened_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    csat: int | None = Field(None, ge=1, le=5)


class TicketUpdate(Schema):
    contact_id: int | None = None
    subject: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = None
    category: str | None = None
    priority: TicketPriority | None = None
    status: TicketStatus | None = None
    resolved_at: dt.datetime | None = None
    csat: int | None = Field(None, ge=1, le=5)
