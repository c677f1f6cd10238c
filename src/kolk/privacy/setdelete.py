"""Delete rows set-based: Django's on_delete rules carried out in SQL, with no row loaded.

Django's `delete()` loads every row it cascades to when that row has dependants
of its own: a retention batch of outbox messages, or people with years of loans,
became tens of thousands of model instances built only to be deleted. Here each
step of the cascade is one statement over a subquery: protected rows are looked
for first, then foreign keys are set to NULL, then rows are deleted, dependants
before the rows they depend on. The result is the same as Django's: the same rules, taken from
the same place (`get_candidate_relations_to_delete`).

A model with delete signals, generic relations, a parent model or an on_delete
other than CASCADE, SET_NULL, PROTECT and DO_NOTHING anywhere in the cascade
goes through Django's `delete()` as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import signals
from django.db.models.deletion import get_candidate_relations_to_delete

SUPPORTED = (models.CASCADE, models.SET_NULL, models.PROTECT, models.DO_NOTHING)


@dataclass
class _Plan:
    """The statements of one delete, gathered while every row still exists."""

    protected: list[tuple[str, models.QuerySet[Any]]] = field(default_factory=list)
    nulls: list[tuple[models.QuerySet[Any], str]] = field(default_factory=list)
    deletes: list[models.QuerySet[Any]] = field(default_factory=list)  # dependants first


def _relations(model: type[models.Model]) -> list[tuple[Any, type[models.Model], Any]]:
    """(on_delete, the model that points here, its foreign key), as Django's Collector sees them."""
    rels: list[Any] = list(get_candidate_relations_to_delete(model._meta))
    return [(rel.on_delete, rel.related_model, rel.field) for rel in rels]


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


def _gather(qs: models.QuerySet[Any], plan: _Plan) -> None:
    for on_delete, model, fk in _relations(qs.model):
        related = model._base_manager.filter(**{f"{fk.name}__in": qs.values(fk.target_field.attname)})
        if on_delete is models.CASCADE:
            _gather(related, plan)
        elif on_delete is models.SET_NULL:
            plan.nulls.append((related, fk.attname))
        elif on_delete is models.PROTECT:
            plan.protected.append((f"{model._meta.label}.{fk.name}", related))
    plan.deletes.append(qs)


def delete_rows(qs: models.QuerySet[Any]) -> int:
    """Delete the rows of `qs` and what depends on them, as `qs.delete()` would; returns the rows of `qs`."""
    if not _supported(qs.model):
        return qs.delete()[1].get(qs.model._meta.label, 0)
    plan = _Plan()
    with transaction.atomic():
        _gather(qs, plan)
        for name, related in plan.protected:
            found = list(related[:5])
            if found:
                raise models.ProtectedError(
                    f"Cannot delete some instances of model {qs.model.__name__!r} because they are "
                    f"referenced through protected foreign keys: {name}.",
                    set(found),
                )
        for related, attname in plan.nulls:
            related.update(**{attname: None})
        deleted = 0
        for step in plan.deletes:
            deleted = step._raw_delete(step.db)
        return deleted
