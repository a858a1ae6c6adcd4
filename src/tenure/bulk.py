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


def insert(model: type[models.Model], objs: Sequence[models.Model], *, unique_fields: Sequence[str] = (),
           update_fields: Sequence[str] = ()) -> Sequence[models.Model]:
    """``bulk_create`` for the refresh's many new rows (signals, play runs, tasks, health snapshots), with the
    same result: new rows get their primary keys, ``unique_fields`` + ``update_fields`` upsert instead (no keys
    are read back then).

    Django builds each value's SQL on its own and sends SQLite at most 999 parameters a statement; that was
    about half of a refresh's first run. Here a statement carries up to ~30,000 parameters, built once per
    size, and values only pass their field's ``get_db_prep_save``.
    """
    objs = objs if isinstance(objs, list) else list(objs)
    if not objs:
        return objs
    for obj in objs:  # as bulk_create: a related row saved after it was assigned gives its key now
        obj._prepare_related_fields_for_save(operation_name="bulk.insert")
    new = all(obj.pk is None for obj in objs)
    if not new and not update_fields and any(obj.pk is None for obj in objs):  # as bulk_create: each kind apart
        insert(model, [obj for obj in objs if obj.pk is not None])
        insert(model, [obj for obj in objs if obj.pk is None])
        return objs
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = meta.pk
    returning = new and not update_fields
    fields = [f for f in meta.concrete_fields if not (f is pk and new)]
    columns = ", ".join(quote(f.column) for f in fields)
    row = f"({', '.join('%s' for _ in fields)})"
    tail = ""
    if update_fields:
        conflict = ", ".join(quote(meta.get_field(n).column) for n in unique_fields)
        sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in (meta.get_field(n).column for n in update_fields))
        tail = f" ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    elif returning:
        tail = f" RETURNING {quote(pk.column)}"
    now = timezone.now()
    preps = [_preparer(f, connection, now) for f in fields]
    size = max(1, 30_000 // len(fields))
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
    statements: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            params = [prep(obj) for obj in chunk for prep in preps]
            if len(chunk) not in statements:
                statements[len(chunk)] = head + ", ".join(row for _ in chunk) + tail
            cursor.execute(statements[len(chunk)], params)
            if returning:
                for obj, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = key
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def insert_links(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Rows of plain ids into a link table (a many-to-many's ``through``): no model per row, which cost more
    than the insert itself for a batch's thousands of signal links."""
    rows = list(rows)
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join('%s' for _ in names)})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


_PLAIN = {int: {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField", "ForeignKey",
                "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "OneToOneField"},
          str: {"CharField", "TextField", "SlugField", "EmailField", "URLField"}, bool: {"BooleanField"}}


def _preparer(field: models.Field, connection, now):
    """A field's value as the database takes it, for one object. A plain value (an int for an integer column,
    text for a text one, a bool for a boolean, a missing one) needs nothing; a date or time is converted once
    per distinct value (a batch shares a few days and one ``now`` for its automatic times); the rest goes
    through the field."""
    attname, saved = field.attname, field.get_db_prep_save
    if isinstance(field, models.FileField):
        return lambda obj: saved(field.pre_save(obj, True), connection)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stamp = saved(now.date() if type(field) is models.DateField else now, connection)

        value = now.date() if type(field) is models.DateField else now

        def stamped(obj):
            setattr(obj, attname, value)
            return stamp
        return stamped
    if isinstance(field, models.DateField):
        memo = {}

        def dated(obj):
            value = getattr(obj, attname)
            if value not in memo:
                memo[value] = saved(value, connection)
            return memo[value]
        return dated
    plain = {t for t, kinds in _PLAIN.items() if field.get_internal_type() in kinds}

    def prep(obj):
        value = getattr(obj, attname)
        return value if (value is None and plain) or type(value) in plain else saved(value, connection)
    return prep


def save_by_key(model: type[models.Model], rows: Sequence[tuple[str, dict]], *, key: str = "external_id",
                scope: dict | None = None) -> list[tuple[models.Model, str]]:
    """Create or update rows of ``model`` found by ``key`` (within ``scope``, e.g. one source's rows): each row a
    (key value, fields) pair, fields validated without queries. A fixed number of queries; returns each object with
    "created", "updated" or "unchanged", in the rows' order."""
    scope = scope or {}
    stored = {getattr(o, key): o for o in model.objects.select_for_update().filter(
        **scope, **{f"{key}__in": [k for k, _ in rows]})}
    relations = {f.name: f.attname for f in model._meta.concrete_fields if f.is_relation}
    result, new, changed, names = [], [], [], set()
    for value, fields in rows:
        obj = stored.get(value)
        if obj is None:
            obj = stored[value] = model(**scope, **{key: value}, **fields)
            clean_changed(obj, ())
            new.append(obj)
            result.append((obj, "created"))
            continue
        diff = {k: v for k, v in fields.items() if getattr(obj, k) != v}
        for name, v in diff.items():
            setattr(obj, name, v)
        if diff and obj.pk is not None:
            clean_changed(obj, diff)
            changed.append(obj)
            names.update(relations.get(k, k) for k in diff)
        result.append((obj, "updated" if diff else "unchanged"))
    insert(model, new)
    save_changed(model, changed, names)
    return result
