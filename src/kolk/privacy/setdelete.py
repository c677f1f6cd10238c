"""Delete rows set-based: Django's on_delete rules carried out in SQL, with no row loaded.

Django's `delete()` loads every row it cascades to when that row has dependants
of its own: a retention batch of outbox messages, or people with years of loans,
became tens of thousands of model instances built only to be deleted. Here each
step of the cascade is one statement over a subquery: protected rows are looked
for first (one statement for every protecting key), then foreign keys are set to
NULL (one statement per model, however many of its keys point into the
cascade: a loan loses its person and its subscription in one write), then rows
are deleted, dependants before the rows they depend on. The result is the same
as Django's: the same rules, taken from the same place
(`get_candidate_relations_to_delete`).

The rows to delete are named by one parameter whatever their number
(`field__in_array=ids`: an array on PostgreSQL, a JSON list on SQLite), and on
PostgreSQL each subquery of the cascade is turned into an array first, so the
planner walks the foreign key's index rather than the table.

A model with delete signals, generic relations, a parent model or an on_delete
other than CASCADE, SET_NULL, PROTECT and DO_NOTHING anywhere in the cascade
goes through Django's `delete()` as before.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, F, Q, Value, When, signals
from django.db.models.deletion import Collector, get_candidate_relations_to_delete
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query

SUPPORTED = (models.CASCADE, models.SET_NULL, models.PROTECT, models.DO_NOTHING)


class InArray(Lookup):
    """`field__in_array=values` or `=queryset`: membership with one parameter, however many values.

    `field__in=[...]` sends a placeholder per value (5,000 of them for a batch), which
    Django spells out and the database parses again for every statement of a cascade.
    On PostgreSQL a subquery becomes `= ANY(ARRAY(subquery))`: evaluated once, it lets
    the planner combine the indexes of two keys (a loan's person or its subscription)
    where `IN (subquery) OR IN (subquery)` reads the whole table.
    """

    lookup_name = "in_array"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, Query):
            self.rhs.clear_ordering(clear_default=True)
            if not self.rhs.has_select_fields:
                self.rhs.clear_select_clause()
                self.rhs.add_fields(["pk"])
            return self.rhs
        return list(self.rhs)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        postgres = connection.vendor == "postgresql"
        if isinstance(self.rhs, Query):
            rhs, rhs_params = self.process_rhs(compiler, connection)
            return (f"{lhs} = ANY(ARRAY{rhs})" if postgres else f"{lhs} IN {rhs}"), [*lhs_params, *rhs_params]
        target = self.lhs.output_field
        values = [target.get_db_prep_value(v, connection) for v in self.rhs]
        if postgres:
            return f"{lhs} = ANY(%s::{target.cast_db_type(connection)}[])", [*lhs_params, values]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(values)]  # noqa: S608


models.Field.register_lookup(InArray)
models.ForeignObject.register_lookup(InArray)  # related fields keep lookups of their own


def rows(model: type[models.Model], pks: Iterable[Any]) -> models.QuerySet[Any]:
    """The rows of `model` with these primary keys, named by one parameter."""
    return model._base_manager.filter(pk__in_array=list(pks))


Relation = tuple[Any, type[models.Model], Any]  # (on_delete, the model that points here, its foreign key)


_relations_of: dict[type[models.Model], tuple[Relation, ...]] = {}


def _relations(model: type[models.Model]) -> tuple[Relation, ...]:
    """The relations Django's Collector follows from `model` (fixed once the apps are loaded)."""
    if model not in _relations_of:
        rels: list[Any] = list(get_candidate_relations_to_delete(model._meta))
        _relations_of[model] = tuple((rel.on_delete, rel.related_model, rel.field) for rel in rels)
    return _relations_of[model]


def relations_to(model: type[models.Model]) -> tuple[Relation, ...]:
    """Each (on_delete, model, foreign key) that points at `model`, as a delete of its rows follows them."""
    return _relations(model)


def _supported(model: type[models.Model], path: tuple[type[models.Model], ...] = ()) -> bool:
    """Whether every model the delete cascades to can be deleted in SQL alone."""
    opts = model._meta
    if model in path or opts.parents or opts.private_fields:
        return False
    if signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model):
        return False
    for on_delete, related, _ in _relations(model):
        if on_delete not in SUPPORTED:
            return False
        if on_delete is models.CASCADE and not _supported(related, (*path, model)):
            return False
    return True


@dataclass
class _Protect:
    """Rows of `model` that a PROTECT key keeps, and the path of keys from them up to the rows deleted."""

    name: str
    rows: models.QuerySet[Any]
    up: str  # lookup from `model` to the value of the deleted model's key that its rows point at
    top: str  # that key's field on the deleted model


@dataclass
class _Plan:
    """The statements of one delete, gathered while every row still exists."""

    protected: list[_Protect] = field(default_factory=list)
    # model -> its foreign keys set to NULL, each with the subqueries of the values it loses
    nulls: dict[type[models.Model], dict[str, list[models.QuerySet[Any]]]] = field(default_factory=dict)
    deletes: list[models.QuerySet[Any]] = field(default_factory=list)  # dependants first


def _gather(qs: models.QuerySet[Any], plan: _Plan, up: tuple[Any, ...] = ()) -> None:
    """Walk the cascade from `qs`; `up` is the keys from `qs`'s model up to the rows first named."""
    for on_delete, model, fk in _relations(qs.model):
        parent = qs.values(fk.target_field.attname)
        if on_delete is models.CASCADE:
            _gather(model._base_manager.filter(**{f"{fk.name}__in_array": parent}), plan, (fk, *up))
        elif on_delete is models.SET_NULL:
            plan.nulls.setdefault(model, {}).setdefault(fk.name, []).append(parent)
        elif on_delete is models.PROTECT:
            path = (fk, *up)
            plan.protected.append(
                _Protect(
                    name=f"{model._meta.label}.{fk.name}",
                    rows=model._base_manager.filter(**{f"{fk.name}__in_array": parent}),
                    up="__".join(k.name for k in path[:-1]) + ("__" if len(path) > 1 else "") + path[-1].attname,
                    top=path[-1].target_field.attname,
                )
            )
    plan.deletes.append(qs)


def protected_pks(qs: models.QuerySet[Any]) -> set[Any]:
    """The pks of `qs` whose delete a protected row would stop, found in one statement."""
    if not _supported(qs.model):  # Django's Collector looks, row by row, without deleting
        kept = set()
        for obj in qs:
            try:
                Collector(using=qs.db, origin=obj).collect([obj])
            except (models.ProtectedError, models.RestrictedError):
                kept.add(obj.pk)
        return kept
    plan = _Plan()
    _gather(qs, plan)
    return _protected(qs, plan)


def _protected(qs: models.QuerySet[Any], plan: _Plan) -> set[Any]:
    """The pks of `qs` whose delete a protected row stops: one statement for all protecting keys."""
    if not plan.protected:
        return set()
    found = [
        qs.filter(**{f"{p.top}__in": p.rows.values(p.up)}).order_by().values_list("pk", flat=True)
        for p in plan.protected
    ]
    first, *others = found
    return set(first.union(*others) if others else first.distinct())


def _null(model: type[models.Model], keys: dict[str, list[models.QuerySet[Any]]]) -> None:
    """Set every key of `model` that points into the delete to NULL, in one statement."""

    def pointing(name: str) -> Q:
        return functools.reduce(operator.or_, (Q(**{f"{name}__in_array": parent}) for parent in keys[name]))

    if len(keys) == 1:
        (name,) = keys
        model._base_manager.filter(pointing(name)).update(**{name: None})
        return
    # A row may point into the delete by one key and elsewhere by another: each key keeps its value unless it points in.
    model._base_manager.filter(functools.reduce(operator.or_, map(pointing, keys))).update(
        **{
            name: Case(When(pointing(name), then=Value(None)), default=F(name), output_field=_field(model, name))
            for name in keys
        }
    )


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found


def _raise_protected(qs: models.QuerySet[Any], plan: _Plan) -> None:
    for p in plan.protected:
        found = list(p.rows[:5])
        if found:
            raise models.ProtectedError(
                f"Cannot delete some instances of model {qs.model.__name__!r} because they are "
                f"referenced through protected foreign keys: {p.name}.",
                set(found),
            )


def _execute(qs: models.QuerySet[Any], plan: _Plan) -> int:
    for model, keys in plan.nulls.items():
        _null(model, keys)
    deleted = 0
    for step in plan.deletes:
        deleted = step._raw_delete(step.db)
    return deleted


def delete_rows(qs: models.QuerySet[Any]) -> int:
    """Delete the rows of `qs` and what depends on them, as `qs.delete()` would; returns the rows of `qs`.

    Rows that a protected row depends on stop the whole delete with `ProtectedError`,
    as in Django; `protected_pks` finds them beforehand.
    """
    if not _supported(qs.model):
        return qs.delete()[1].get(qs.model._meta.label, 0)
    plan = _Plan()
    with transaction.atomic():
        _gather(qs, plan)
        if _protected(qs, plan):
            _raise_protected(qs, plan)
        return _execute(qs, plan)
