"""Many new rows and their audit-trail rows in a few statements, for imports.

Django's `bulk_create` compiles every value of every row through the field machinery, and
django-simple-history's `bulk_create_with_history` then builds a second model instance per row
and compiles that too: for a 20,000-row tracker that is most of the import's time. Here the ids
are reserved first (a sequence on PostgreSQL, past the table's high-water mark on SQLite, inside
the import's transaction), each column gets one converter chosen once, and the rows go to the
database with `COPY` (PostgreSQL) or one `executemany` (SQLite). The history rows are the same
values plus who, when, why and "+" (created), exactly what `bulk_create_with_history` writes.

Other database backends get Django's own `bulk_create_with_history`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

# Column types whose Python values go to the database as they are.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}
BATCH = 5_000


def rows_create_with_history(
    *, objects: Sequence[Model], model: type[Model], user=None, reason: str = ""
) -> list[Model]:
    """Insert `objects` (new, unsaved instances of `model`) and one "created" history row for
    each; the instances get their ids. Call inside a transaction."""
    if not objects:
        return list(objects)
    connection = connections[router.db_for_write(model)]
    if connection.vendor not in ("postgresql", "sqlite"):
        return bulk_create_with_history(
            list(objects), model, default_user=user, default_change_reason=reason
        )
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    pk = model._meta.pk
    ids = _reserve_ids(connection, model, len(objects))
    for obj, pk_value in zip(objects, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    _insert(connection, model, [pk, *fields], objects, {})

    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True) and hasattr(model, "history"):
        history = model.history.model
        extra = {
            "history_date": now,
            "history_change_reason": reason,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        tracked = {f.attname for f in history.tracked_fields}
        columns = [f for f in history._meta.concrete_fields if not f.primary_key]
        unknown = [f.name for f in columns if f.attname not in tracked and f.attname not in extra]
        if unknown:
            raise ValueError(f"{history.__name__} has fields this writer does not fill: {unknown}")
        _insert(connection, history, columns, objects, extra)
    return list(objects)


def _reserve_ids(connection, model: type[Model], count: int) -> Iterable[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: take the write lock first (a write that changes nothing), so no other writer
        # can insert between reading the high-water mark and using it; AUTOINCREMENT never
        # reuses an id, so start past both the largest id and the table's sequence.
        cursor.execute("UPDATE sqlite_sequence SET seq = seq WHERE name = %s", [table])
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0), "
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return range(start, start + count)


def _converter(field, connection) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if field.choices and kind in ("CharField", "TextField"):
        return _plain_text  # TextChoices members go as their value
    if kind in _AS_IS:
        return None
    if kind == "DateField":
        return _last_one(connection.ops.adapt_datefield_value)
    if kind == "DateTimeField":
        return _last_one(connection.ops.adapt_datetimefield_value)
    return lambda value: field.get_db_prep_save(value, connection)


def _last_one(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, remembering its last answer: an import stamps thousands of rows with the
    same few dates and times, one object each."""
    last: list[Any] = [object(), None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return cached


def _plain_text(value: Any) -> Any:
    return None if value is None else str(value)


def _insert(connection, model, fields, objects, constants: dict[str, Any]) -> None:
    """Insert one row per object: `fields` read from the object (by attname) unless the
    attname is in `constants`, which are the same for every row."""
    getters: list[Callable[[Model], Any]] = []
    names = []
    for field in fields:
        names.append(connection.ops.quote_name(field.column))
        convert = _converter(field, connection)
        if field.attname in constants:
            value = constants[field.attname]
            value = convert(value) if convert and value is not None else value
            getters.append(lambda obj, value=value: value)
        elif convert is None:
            getters.append(lambda obj, name=field.attname: getattr(obj, name))
        else:
            getters.append(
                lambda obj, name=field.attname, convert=convert: (
                    None if (v := getattr(obj, name)) is None else convert(v)
                )
            )
    table = connection.ops.quote_name(model._meta.db_table)
    rows = ([get(obj) for get in getters] for obj in objects)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
        batch: list[list[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
