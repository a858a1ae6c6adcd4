"""The account timeline."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.accounts.models import Contact
from tenure.engagement.models import Touch

TOUCH_FIELDS = ("account", "kind", "author", "occurred_at", "summary", "sentiment")


def _set_contacts(touch: Touch, contacts: Iterable[Contact]) -> None:
    contacts = list(contacts)
    strangers = [c for c in contacts if c.account_id != touch.account_id]
    if strangers:
        raise ValidationError({"contacts": f"{strangers[0]} belongs to another account"})
    touch.contacts.set(contacts)


def _apply(touch: Touch, fields: dict) -> None:
    unknown = set(fields) - set(TOUCH_FIELDS)
    if unknown:
        raise ValidationError({f: "not a touch field" for f in sorted(unknown)})
    for key, value in fields.items():
        setattr(touch, key, value)
    if touch.occurred_at is None:
        touch.occurred_at = timezone.now()
    touch.full_clean()


@transaction.atomic
def record_touch(*, contacts: Iterable[Contact] = (), **fields) -> Touch:
    touch = Touch()
    _apply(touch, fields)
    touch.save()
    _set_contacts(touch, contacts)
    return touch


def record_touches(entries: Iterable[dict]) -> list[Touch]:
    """Many timeline entries (without contacts) in one statement: for the bulk services of other rooms."""
    touches = []
    for fields in entries:
        touch = Touch()
        unknown = set(fields) - set(TOUCH_FIELDS)
        if unknown:
            raise ValidationError({f: "not a touch field" for f in sorted(unknown)})
        for key, value in fields.items():
            setattr(touch, key, value)
        if touch.occurred_at is None:
            touch.occurred_at = timezone.now()
        touch.full_clean(exclude=["account", "author"])  # the relations are checked by the database
        touches.append(touch)
    return Touch.objects.bulk_create(touches) if touches else []


@transaction.atomic
def update_touch(touch: Touch, *, contacts: Iterable[Contact] | None = None, **changes) -> Touch:
    _apply(touch, changes)
    touch.save()
    if contacts is not None:
        _set_contacts(touch, contacts)
    return touch
