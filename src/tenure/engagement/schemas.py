import datetime as dt

from ninja import Field, Schema

from tenure.engagement.models import Sentiment, TouchKind


class TouchOut(Schema):
    id: int
    account_id: int
    contact_ids: list[int]
    kind: TouchKind
    author_id: int | None
    occurred_at: dt.datetime
    summary: str
    sentiment: str

    @staticmethod
    def resolve_contact_ids(obj) -> list[int]:
        return [c.pk for c in obj.contacts.all()]


class TouchCreate(Schema):
    account_id: int
    contact_ids: list[int] = Field(default_factory=list)
    kind: TouchKind = TouchKind.NOTE
    occurred_at: dt.datetime | None = None
    summary: str = Field(min_length=1)
    sentiment: Sentiment | None = None


class TouchUpdate(Schema):
    contact_ids: list[int] | None = None
    kind: TouchKind | None = None
    occurred_at: dt.datetime | None = None
    summary: str | None = Field(None, min_length=1)
    sentiment: Sentiment | None = None
