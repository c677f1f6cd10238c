"""Queries built and compiled once per process, run again with new values: the hot paths' reads.

Building a query with the ORM (filters, joins, `select_related`) and compiling it
to SQL costs a web process several times the CPU of the database's answer to it:
on a checkout most of the request's time went there. A `Prepared` query is built
once per database (alias and vendor) with marker values standing in for the ones
that change (a barcode, a person's id); each run puts the values in the markers'
places, runs the SQL and makes the rows into model instances, with the objects
`select_related` joins in, or into tuples, as the ORM would (the same converters,
`Model.from_db`, Django's related populators).

    copy_by_barcode = Prepared(lambda barcode: Copy.objects.filter(barcode=barcode)[:1], str)
    copy = copy_by_barcode.first("30012345")

Markers are an int or a str that no caller passes; each must reach the SQL as a
parameter of its own, unchanged (an exact lookup, not `icontains` or `in`).
An int stands for an id (a bigint): one outside that range matches nothing, as
in the ORM, without asking the database. A query whose shape depends on a value
(None becomes IS NULL) is two queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import NOT_PROVIDED, signals
from django.db.models.fields import AutoFieldMixin
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

MARKER_INT = -736_429_000
MARKER_STR = "\x1fkolk-marker-{}\x1f"
BIGINT = (-(2**63), 2**63 - 1)


def _markers(types: tuple[type, ...]) -> list[Any]:
    out: list[Any] = []
    for i, kind in enumerate(types):
        if kind is int:
            out.append(MARKER_INT - i)
        elif kind is str:
            out.append(MARKER_STR.format(i))
        else:
            raise TypeError(f"a marker is an int or a str, not {kind.__name__}")
    return out


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    places: tuple[tuple[int, ...], ...]  # per argument, where in `params` it goes
    converters: dict[int, tuple[list[Any], Any]]
    for_update: bool
    # model rows: the model, its columns, where its fields are, the select_related populators
    model: type[models.Model] | None = None
    init_list: tuple[str, ...] = ()
    fields_at: tuple[int, int] = (0, 0)
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()
    flat: bool = False


class Prepared:
    """A query compiled once per database, run with new values; see the module's docstring."""

    def __init__(self, build: Callable[..., models.QuerySet[Any]], *types: type) -> None:
        self.build = build
        self.types = types
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self) -> _Compiled:
        # kolk has one database; its vendor is in the key, for tests that run on SQLite and PostgreSQL.
        key = (DEFAULT_DB_ALIAS, connections[DEFAULT_DB_ALIAS].vendor)
        found = self._compiled.get(key)
        if found is not None:
            return found
        markers = _markers(self.types)
        queryset = self.build(*markers)
        if queryset.db != DEFAULT_DB_ALIAS:
            raise ValueError("a prepared query runs on the default database")
        db = DEFAULT_DB_ALIAS
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        places = tuple(tuple(i for i, value in enumerate(params) if value == m) for m in markers)
        if not all(places):
            raise ValueError(f"each marker must be a parameter of its own in {sql}")
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        common = {
            "sql": sql,
            "params": tuple(params),
            "places": places,
            "converters": compiler.get_converters(columns),
            "for_update": bool(queryset.query.select_for_update),
        }
        iterable = queryset._iterable_class.__name__
        if iterable == "ModelIterable":
            info = compiler.klass_info
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            found = _Compiled(
                **common,
                model=info["model"],
                init_list=tuple(f[0].target.attname for f in compiler.select[start:end]),
                fields_at=(start, end),
                populators=tuple(get_related_populators(info, compiler.select, db)),  # type: ignore[call-arg]
                annotations=tuple((compiler.annotation_col_map or {}).items()),
            )
        elif iterable in ("ValuesListIterable", "FlatValuesListIterable"):
            found = _Compiled(**common, flat=iterable == "FlatValuesListIterable")
        else:
            raise ValueError(f"a prepared query gives model rows or values_list rows, not {iterable}")
        self._compiled[key] = found
        return found

    def all(self, *args: Any) -> list[Any]:
        """The rows, for these values of the markers (in their order)."""
        compiled = self._compile()
        db = DEFAULT_DB_ALIAS
        connection = connections[db]
        if compiled.for_update and connection.get_autocommit() and connection.features.supports_transactions:
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for kind, value in zip(self.types, args, strict=True):
            if not isinstance(value, kind):
                raise TypeError(f"a {kind.__name__} was expected, not {type(value).__name__}")
            if isinstance(value, int) and not BIGINT[0] <= value <= BIGINT[1]:
                return []
        for places, value in zip(compiled.places, args, strict=True):
            for place in places:
                params[place] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        if compiled.converters:  # as SQLCompiler.apply_converters, with this thread's connection
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (converters, expression) in compiled.converters.items():
                    value = row[position]
                    for convert in converters:
                        value = convert(value, expression, connection)
                    row[position] = value
        if compiled.model is None:
            return [row[0] for row in rows] if compiled.flat else [tuple(row) for row in rows]
        start, end = compiled.fields_at
        objects = []
        for row in rows:
            obj = compiled.model.from_db(db, compiled.init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def first(self, *args: Any) -> Any:
        """The first row, or None (build the query with `[:1]` so that the database stops there)."""
        found = self.all(*args)
        return found[0] if found else None


# --- writes: the statements of `save()`, written once per model and set of fields ---


def _plain(model: type[models.Model]) -> bool:
    """Whether `save()` does no more for `model` than its statement: no own `save()`, signals, parents, defaults."""
    opts = model._meta
    if model.save is not models.Model.save or model.save_base is not models.Model.save_base or opts.parents:
        return False
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        return False
    return not any(
        getattr(f, "generated", False) or getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
        for f in opts.concrete_fields
    )


_updates: dict[tuple[str, type[models.Model], tuple[str, ...]], tuple[str, list[models.Field[Any, Any]]]] = {}
_inserts: dict[tuple[str, type[models.Model]], tuple[str, list[models.Field[Any, Any]], bool]] = {}


def save_fields(obj: models.Model, *names: str) -> None:
    """`obj.save(update_fields=names)` in one statement whose text is made once per process.

    The values are prepared by their fields as `save()` prepares them (`pre_save`,
    `get_db_prep_save`). A model with save signals, a parent or database defaults is
    saved by `save()` itself.
    """
    model = type(obj)
    if not _plain(model) or obj.pk is None:
        obj.save(update_fields=names)
        return
    connection = connections[DEFAULT_DB_ALIAS]
    key = (connection.vendor, model, names)
    if key not in _updates:
        q = connection.ops.quote_name
        fields: list[models.Field[Any, Any]] = []
        for name in names:
            found = model._meta.get_field(name)
            if not isinstance(found, models.Field) or not found.concrete or found.primary_key or not found.column:
                raise ValueError(f"{model._meta.label}.{name} is no column to update")
            fields.append(found)
        sets = ", ".join(f"{q(str(f.column))} = %s" for f in fields)
        sql = f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(str(model._meta.pk.column))} = %s"  # noqa: S608
        _updates[key] = (sql, fields)
    sql, fields = _updates[key]
    # As save(): no relation to an unsaved object (a private method of Model, not in its stubs).
    obj._prepare_related_fields_for_save(operation_name="save", fields=fields)  # type: ignore[attr-defined]
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    params.append(model._meta.pk.get_db_prep_save(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:  # as save() says it
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = DEFAULT_DB_ALIAS


def insert(obj: models.Model) -> None:
    """`obj.save()` of a new row with an automatic primary key, in one statement made once per process."""
    model = type(obj)
    opts = model._meta
    connection = connections[DEFAULT_DB_ALIAS]
    returning = connection.features.can_return_columns_from_insert
    if not _plain(model) or obj.pk is not None or not isinstance(opts.pk, AutoFieldMixin):
        obj.save()
        return
    key = (connection.vendor, model)
    if key not in _inserts:
        q = connection.ops.quote_name
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        columns = ", ".join(q(f.column) for f in fields)
        places = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {q(opts.db_table)} ({columns}) VALUES ({places})"  # noqa: S608
        if returning:
            sql += f" RETURNING {q(opts.pk.column)}"
        _inserts[key] = (sql, fields, returning)
    sql, fields, returning = _inserts[key]
    obj._prepare_related_fields_for_save(operation_name="save")  # as save(): no unsaved relation
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(cursor, opts.db_table, opts.pk.column)
    obj.pk = opts.pk.to_python(pk)
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def insert_many(objs: Sequence[models.Model]) -> None:
    """`bulk_create(objs)` of new rows of one model, in one statement made once per process and row count.

    Each object gets its primary key from the database (RETURNING, as bulk_create
    does where the database can). A model that `insert` would not write itself,
    or a database that cannot return the keys, goes through `bulk_create`.
    """
    if len(objs) <= 1:
        for obj in objs:
            insert(obj)
        return
    model = type(objs[0])
    opts = model._meta
    connection = connections[DEFAULT_DB_ALIAS]
    if (
        not _plain(model)
        or not connection.features.can_return_rows_from_bulk_insert
        or not isinstance(opts.pk, AutoFieldMixin)
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        model._default_manager.bulk_create(objs)
        return
    key = (connection.vendor, model, len(objs))
    if key not in _many:
        q = connection.ops.quote_name
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        columns = ", ".join(q(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        values = ", ".join([row] * len(objs))
        sql = f"INSERT INTO {q(opts.db_table)} ({columns}) VALUES {values} RETURNING {q(opts.pk.column)}"  # noqa: S608
        _many[key] = (sql, fields)
    sql, fields = _many[key]
    for obj in objs:  # as bulk_create(): no unsaved relation
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):  # in the order of the rows, as bulk_create takes them
        obj.pk = opts.pk.to_python(pk)
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


_many: dict[tuple[str, type[models.Model], int], tuple[str, list[models.Field[Any, Any]]]] = {}


def prefetched(instance: models.Model, relation: str, rows: Sequence[models.Model]) -> None:
    """Give `instance` these rows as its `relation` (a reverse foreign key), as `prefetch_related` would.

    `instance.<relation>.all()` then answers from them without a query: for rows a
    service already holds (the tickets it just wrote, the prices read with the show).
    """
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(relation, None)
    # The related manager's own queryset, as prefetch_related makes it: a query made from it
    # (`.first()`, `.filter()`) is still of this instance's rows alone.
    queryset: models.QuerySet[Any] = getattr(instance, relation).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    cache[relation] = queryset


def prefetched_rows(instance: models.Model, relation: str) -> list[Any] | None:
    """The rows `prefetched` (or `prefetch_related`) gave `instance` as its `relation`, or None."""
    queryset = getattr(instance, "_prefetched_objects_cache", {}).get(relation)
    return None if queryset is None else list(queryset)
