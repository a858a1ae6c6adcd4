"""The account timeline."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
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


def latest_touches(account, limit: int, contacts: list[Contact], before=None) -> list[Touch]:
    """The account's latest ``limit`` touches, newest first, with their author, and their people as
    ``touch.people`` in the contacts' order. ``contacts``: the account's contacts as the page read them (in their
    model order): the people come from them, so only the links are read (a touch names its account's own
    contacts: ``_set_contacts``); a link to anyone else has every touch's people read the usual way."""
    touches = account.touches.select_related("author")
    if before is not None:  # the next page of the timeline
        touches = touches.filter(occurred_at__lt=before)
    touches = list(touches[:limit])
    by_pk = {c.pk: c for c in contacts}
    people: dict[int, list[Contact]] = {t.pk: [] for t in touches}
    links = Touch.contacts.through.objects.filter(touch_id__in=list(people)).values_list("touch_id", "contact_id")
    for touch_id, contact_id in links:
        if contact_id not in by_pk:
            prefetch_related_objects(touches, "contacts")
            for t in touches:
                t.people = list(t.contacts.all())
            return touches
        people[touch_id].append(by_pk[contact_id])
    position = {c.pk: i for i, c in enumerate(contacts)}
    for t in touches:
        t.people = sorted(people[t.pk], key=lambda c: position[c.pk])
    return touches


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
