"""The field map: every model field declares a data category or "not personal".

A model declares its map beside its fields:

    class Person(models.Model):
        ...
        privacy = PrivacyMap(subject="self", personal={"surname": "name"}, not_personal=["created_at"])

Models of other packages (auth, sessions, the task queue) are declared with
`declare("auth.Group", ...)` from a domain app's `privacy.py`. The system check
in `kolk.privacy.checks` fails on any field of any model that is not declared,
so an access export, an erasure or a retention rule can never miss a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models

NOT_PERSONAL = "not_personal"


@dataclass
class PrivacyMap:
    """What a model's fields hold, and how a row leads to its data subject.

    `subject` is the lookup path from the model to the subject model ("self"
    for the subject itself, "person" or "member__person" for others), or None
    for a model whose rows belong to nobody in particular.
    """

    subject: str | None
    personal: Mapping[str, str] = field(default_factory=dict)
    not_personal: Iterable[str] = ()
    model_label: str = ""
    # What a record shows of a related row that is not personal by itself, as lookup -> category:
    # the title of a borrowed copy is part of the person's loan history (the access package reads it).
    shows: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.personal = dict(self.personal)
        self.not_personal = frozenset(self.not_personal)
        self.shows = dict(self.shows)

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        """Called by Django's model metaclass: register the map for this model."""
        setattr(cls, name, self)
        if cls._meta.abstract:
            return
        self.model_label = cls._meta.label
        _registry[cls._meta.label_lower] = self

    def category_of(self, field_name: str) -> str | None:
        """The category of a field, NOT_PERSONAL, or None if undeclared."""
        if field_name in self.personal:
            return self.personal[field_name]
        if field_name in self.not_personal:
            return NOT_PERSONAL
        return None

    def subject_lookup(self, lookup: str) -> str:
        """The ORM lookup from this model to the subject's `lookup` (e.g. 'pk')."""
        if self.subject is None:
            raise ValueError(f"{self.model_label} has no data subject")
        if self.subject == "self":
            return lookup
        return f"{self.subject}__{lookup}"


_registry: dict[str, PrivacyMap] = {}


def declare(
    model_label: str,
    *,
    subject: str | None,
    personal: Mapping[str, str] | None = None,
    not_personal: Iterable[str] = (),
) -> PrivacyMap:
    """Declare the map of a model kolk does not define (auth, sessions, ...)."""
    pmap = PrivacyMap(subject=subject, personal=personal or {}, not_personal=not_personal)
    pmap.model_label = model_label
    _registry[model_label.lower()] = pmap
    return pmap


def map_for(model: type[models.Model]) -> PrivacyMap | None:
    return _registry.get(model._meta.label_lower)


def declared_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields of a model that must be declared: all but an automatic primary key."""
    result: list[models.Field[Any, Any]] = []
    for f in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if f.primary_key and isinstance(f, models.AutoField | models.BigAutoField):
            continue
        result.append(f)
    return result


def category_of(model: type[models.Model], field_name: str) -> str | None:
    pmap = map_for(model)
    return pmap.category_of(field_name) if pmap else None


def personal_models() -> list[tuple[type[models.Model], PrivacyMap]]:
    """Every installed model that holds personal data, with its map."""
    result = []
    for model in apps.get_models():
        pmap = map_for(model)
        if pmap and pmap.personal:
            result.append((model, pmap))
    return result


def undeclared(model: type[models.Model]) -> list[str]:
    """Problems with one model's declaration, as sentences naming the field."""
    pmap = map_for(model)
    label = model._meta.label
    if pmap is None:
        listed = ", ".join(f.name for f in declared_fields(model))
        return [f"{label} has no privacy map; declare its fields ({listed})"]
    problems = []
    names = {f.name for f in declared_fields(model)}
    for f in declared_fields(model):
        if pmap.category_of(f.name) is None:
            problems.append(f"{label}.{f.name} declares neither a category nor 'not personal'")
    for name in [*pmap.personal, *pmap.not_personal]:
        if name not in names:
            problems.append(f"{label} declares '{name}', which is not one of its fields")
    both = set(pmap.personal) & set(pmap.not_personal)
    problems += [f"{label}.{name} is declared both personal and not personal" for name in sorted(both)]
    return problems
