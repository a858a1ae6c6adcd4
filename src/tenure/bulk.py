"""Writing many rows of one table at once, for the rooms' bulk services (imports, the event API, the demo).

Only the rooms' ``services.py`` call these: the rules (history, timeline, flags) live there, this is plumbing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models, router
from django.utils import timezone


def save_changed(model: type[models.Model], objs: Sequence[models.Model], names: Iterable[str]) -> None:
    """Write the named fields of ``objs`` with one ``UPDATE … WHERE pk = %s`` run through executemany, stamping
    ``updated_at`` (when the table has one) so the per-minute refresh sees the change.

    ``bulk_update`` builds a CASE expression per object and field, which cost more than the rest of an import
    together.
    """
    if not objs:
        return
    meta = model._meta
    names = set(names)
    if any(f.name == "updated_at" for f in meta.fields):
        now = timezone.now()
        for obj in objs:
            obj.updated_at = now
        names.add("updated_at")
    fields = [meta.get_field(name) for name in sorted(names)]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [[*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields), obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def attvalue(value):
    """A foreign key given as an instance or a primary key, as the primary key."""
    return value.pk if isinstance(value, models.Model) else value


def clean_changed(obj: models.Model, changed: Iterable[str]) -> None:
    """Field validation of what changed (all fields of a new row), without queries: relations are checked by
    the database, uniqueness by its constraints."""
    meta = obj._meta
    relations = {f.name for f in meta.fields if f.is_relation}
    if obj.pk is None:
        exclude = relations
    else:
        changed = {meta.get_field(n).name for n in changed}
        exclude = {f.name for f in meta.fields} - (changed - relations)
    obj.full_clean(exclude=sorted(exclude), validate_unique=False, validate_constraints=False)
