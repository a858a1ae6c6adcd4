"""The audit trail: every change to the records people care about, field by field, with who made it.

Rooms register their models (``track`` in their AppConfig.ready); single saves and deletes are then recorded by
Django's model signals, and the bulk services record theirs with ``record_changes``. Who acts is a context value:
a request sets its user (``AuditMiddleware``), an API token its token, an import or a command its own words
(``acting_as``); anything else is "system".
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from tenure.users.models import AuditEntry

SYSTEM = "system"
_actor: ContextVar[tuple[object | None, str]] = ContextVar("tenure_audit_actor", default=(None, SYSTEM))
NEVER = {"created_at", "updated_at", "password", "last_login", "key_hash", "secret"}


def set_actor(user=None, label: str = "") -> None:
    """Who acts from here on in this context (a request, a command)."""
    _actor.set((user if getattr(user, "pk", None) else None, label or (str(user) if user else SYSTEM)))


def current_actor() -> tuple[object | None, str]:
    return _actor.get()


@contextlib.contextmanager
def acting_as(user=None, label: str = ""):
    token = _actor.set((user if getattr(user, "pk", None) else None, label or (str(user) if user else SYSTEM)))
    try:
        yield
    finally:
        _actor.reset(token)


class AuditMiddleware:
    """Requests act as their signed-in user (an API token's call sets its own label when it authenticates)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        with acting_as(user if user is not None and user.is_authenticated else None):
            return self.get_response(request)


@dataclass(frozen=True)
class Tracked:
    fields: tuple[str, ...]
    account: str | None  # the attribute holding the account id ("id" for an account itself)


_TRACKED: dict[type, Tracked] = {}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)[:2000]


def track(model, *, exclude=(), account: str | None = None) -> None:
    """Record every single save and delete of ``model`` (its concrete fields but ``exclude`` and the never-audited
    ones); ``account``: the attribute naming the account a record concerns."""
    fields = tuple(f.name for f in model._meta.concrete_fields
                   if not f.primary_key and f.name not in NEVER and f.name not in exclude)
    _TRACKED[model] = Tracked(fields, account)
    uid = f"audit:{_label(model)}"
    pre_save.connect(_before, sender=model, dispatch_uid=f"{uid}:pre", weak=False)
    post_save.connect(_after, sender=model, dispatch_uid=f"{uid}:post", weak=False)
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}:delete", weak=False)


def _values(model, obj) -> dict:
    return {name: getattr(obj, model._meta.get_field(name).attname) for name in _TRACKED[model].fields}


def _before(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._audit_before = None
    if raw or instance.pk is None or instance._state.adding:
        return
    names = [sender._meta.get_field(n).attname for n in _TRACKED[sender].fields
             if update_fields is None or n in update_fields]
    if names:  # a save of untracked fields only (a last-used time, say) costs nothing
        instance._audit_before = sender._base_manager.filter(pk=instance.pk).values(*names).first()


def _shown(model, name: str, raw_value):
    """A value as a person reads it: a related record by its name, a choice by its label."""
    field = model._meta.get_field(name)
    if raw_value is None:
        return ""
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=raw_value).first()
        return text(related) if related is not None else f"#{raw_value} (deleted)"
    if field.choices:
        return text(dict(field.flatchoices).get(raw_value, raw_value))
    return text(raw_value)


def _account_of(model, instance):
    tracked = _TRACKED.get(model)  # a bulk service may record a change to a model no signal tracks
    attr = tracked.account if tracked else None
    return getattr(instance, attr, None) if attr else None


def _after(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    user, label = current_actor()
    base = {"actor": user, "actor_label": label[:200], "model": _label(sender), "object_id": instance.pk,
            "object_repr": text(instance)[:200], "account_id": _account_of(sender, instance), "at": timezone.now()}
    if created:
        AuditEntry.objects.create(action=AuditEntry.Action.CREATE, **base)
        return
    before = getattr(instance, "_audit_before", None)
    if before is None:
        return
    entries = []
    for name in _TRACKED[sender].fields:
        attname = sender._meta.get_field(name).attname
        if attname not in before:
            continue
        old, new = before[attname], getattr(instance, attname)
        if old != new:
            entries.append(AuditEntry(action=AuditEntry.Action.UPDATE, field=name, old=_shown(sender, name, old),
                                      new=_shown(sender, name, new), **base))
    if entries:
        AuditEntry.objects.bulk_create(entries)


def _deleted(sender, instance, **kwargs):
    user, label = current_actor()
    AuditEntry.objects.create(action=AuditEntry.Action.DELETE, actor=user, actor_label=label[:200],
                              model=_label(sender), object_id=instance.pk, object_repr=text(instance)[:200],
                              account_id=_account_of(sender, instance))


def _who(label: str | None, by=None) -> tuple[object | None, str]:
    """The acting person or process: ``by`` (a person) when given, else the current actor; ``label`` names a
    process (e.g. "assignment rules") where no one acts."""
    user, current = current_actor()
    if getattr(by, "pk", None) and by.pk != getattr(user, "pk", None):  # the same person keeps "… through the API"
        return by, str(by)
    return user, (label if label and user is None and current == SYSTEM else current)


def _choice(model, name: str, value) -> str:
    """A choice by its label ("At risk", not "at_risk"); anything else as ``text`` gives it."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return text(value)
    return text(dict(field.flatchoices).get(value, value)) if field.choices else text(value)


def record_changes(model, changes, *, label: str | None = None, by=None) -> int:
    """The bulk services' door: ``changes`` are (record, {field: (old, new)}) pairs written in one statement, the
    values as a person reads them (a related record by its name)."""
    user, label = _who(label, by)
    now = timezone.now()
    rows = [AuditEntry(action=AuditEntry.Action.UPDATE, actor=user, actor_label=label[:200], model=_label(model),
                       object_id=obj.pk, object_repr=text(obj)[:200], account_id=_account_of(model, obj),
                       field=name, old=_choice(model, name, old), new=_choice(model, name, new), at=now)
            for obj, fields in changes for name, (old, new) in fields.items() if old != new]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def record_created(model, objs, *, label: str | None = None) -> int:
    """Bulk-created records (an import), one entry each."""
    user, label = _who(label)
    now = timezone.now()
    rows = [AuditEntry(action=AuditEntry.Action.CREATE, actor=user, actor_label=label[:200], model=_label(model),
                       object_id=o.pk, object_repr=text(o)[:200], account_id=_account_of(model, o), at=now)
            for o in objs if o.pk is not None]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)
