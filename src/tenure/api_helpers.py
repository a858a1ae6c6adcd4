"""Small pieces every room's API router shares."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination


def require_writer(request) -> None:
    """Refuse a change to a read-only role."""
    if not request.auth.can_write:
        raise HttpError(403, "your role is read-only: you cannot change records")


def changes_from(payload) -> dict:
    """Only the fields the client actually sent, so PATCH leaves the rest alone."""
    return payload.dict(exclude_unset=True)


def resolve(model, pk: int | None, field: str):
    """Turn an id in a payload into its row, or answer 422 naming the field."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise HttpError(422, f"{field}: no {model._meta.verbose_name} with id {pk}")
    return obj


def get_or_404(model, pk: int):
    return get_object_or_404(model, pk=pk)


class BoundedLimitOffset(LimitOffsetPagination):
    """ninja's limit/offset pages with the offset bounded too: an offset past 2**63 reached the database as a 500."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=settings.NINJA_PAGINATION_MAX_OFFSET)
