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
from operator import attrgetter
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections, router
from django.db.models import Model, signals
from django.db.models.base import ModelState
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
M = TypeVar("M", bound=Model)


def instance_factory(model: type[M]) -> Callable[[dict[str, Any]], M]:
    """A constructor of new, unsaved `model` instances from values keyed by attname
    (``theme_id``, not ``theme``): what ``model(**values)`` gives, without `Model.__init__`'s
    work per field (defaults, descriptors), which cost an import of 20,000 rows more than
    writing them. Unknown names are refused as `Model.__init__` refuses them."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model(**values)  # someone listens: go through __init__
    fixed: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []  # callable defaults, e.g. list: one each
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            made.append((f.attname, f.default))
        else:
            fixed[f.attname] = f.get_default()
    allowed = frozenset(fixed) | {name for name, _ in made}

    def build(values: dict[str, Any]) -> M:
        if not values.keys() <= allowed:
            unknown = ", ".join(sorted(values.keys() - allowed))
            raise TypeError(f"{model.__name__} has no field(s) {unknown}")
        obj = model.__new__(model)
        state = obj.__dict__
        state.update(fixed)
        for name, default in made:
            state[name] = default()
        state.update(values)
        state["_state"] = ModelState()
        return obj

    return build


def rows_create_with_history(
    *, objects: Sequence[Model], model: type[Model], user=None, reason: str = ""
) -> list[Model]:
    """Insert `objects` (new, unsaved instances of `model`) and one "created" history row for
    each; the instances get their ids. Call inside a transaction."""
    if not objects:
        return list(objects)
    connection = connections[router.db_for_write(model)]
    if connection.vendor not in ("postgresql", "sqlite"):
        created = bulk_create_with_history(
            list(objects), model, default_user=user, default_change_reason=reason
        )
        if created[0].pk is None:  # the importer links rows by id
            raise DatabaseError(f"The database did not return the new {model.__name__} ids.")
        return created
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
    if kind == "JSONField":
        return _flat_lists_once(lambda value: field.get_db_prep_save(value, connection))
    return lambda value: field.get_db_prep_save(value, connection)


def _flat_lists_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, computed once per distinct list of strings (most rows hold the same few,
    usually `[]`); other values are converted every time."""
    done: dict[tuple[str, ...], Any] = {}

    def cached(value: Any) -> Any:
        if type(value) is not list or not all(type(item) is str for item in value):
            return convert(value)
        key = tuple(value)
        if key not in done:
            done[key] = convert(value)
        return done[key]

    return cached


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
    return value if value is None or type(value) is str else str(value)


def _converted(convert: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    if convert is _plain_text:  # most columns with converters: inline, no call per cell
        return [v if v is None or v.__class__ is str else str(v) for v in column]
    return [None if v is None else convert(v) for v in column]


def _insert(connection, model, fields, objects, constants: dict[str, Any]) -> None:
    """Insert one row per object: `fields` read from the object (by attname) unless the
    attname is in `constants`, which are the same for every row."""
    read = [f for f in fields if f.attname not in constants]
    fixed = [f for f in fields if f.attname in constants]
    columns = [connection.ops.quote_name(f.column) for f in read + fixed]
    tail = tuple(
        None
        if (value := constants[f.attname]) is None
        else (convert(value) if (convert := _converter(f, connection)) else value)
        for f in fixed
    )
    converters = [(i, c) for i, f in enumerate(read) if (c := _converter(f, connection))]
    names = [f.attname for f in read]
    getter = attrgetter(*names)  # all of them in one call: a tuple, or the value if just one
    values = getter if len(names) > 1 else lambda obj: (getter(obj),)

    def rows(chunk: Sequence[Model]) -> list[Sequence[Any]]:
        """The chunk's rows, converted a column at a time (a loop per column, not per cell)."""
        cells = [values(obj) for obj in chunk]
        if not converters and not tail:
            return cells
        columns: list[Sequence[Any]] = list(zip(*cells, strict=True))
        for index, convert in converters:
            columns[index] = _converted(convert, columns[index])
        columns.extend([value] * len(cells) for value in tail)
        return list(zip(*columns, strict=True))

    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for start in range(0, len(objects), BATCH):
                    for row in rows(objects[start : start + BATCH]):
                        copy.write_row(row)
            return
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        for start in range(0, len(objects), BATCH):
            cursor.executemany(sql, rows(objects[start : start + BATCH]))
