"""The purpose gate: personal data is read for a declared purpose, and only so.

`purpose_read` narrows a query to the fields the purpose may use (by their
declared categories) and to the people the legal basis allows: whoever objects
to the purpose or to any statement row it serves (the register's `serves`) out,
people without consent out of consent reads, children out of what has an age
(`from_age`: marketing analysis, profiling and the exports that serve them), and
restricted people (art. 18) out of everything but kolk's own system purposes.
A field outside the purpose raises PurposeViolation. Each read writes an audit
entry with the actor, purpose, model, fields and row count, never the data.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.core.roles import Role, has_role
from kolk.privacy.audit import audit_log
from kolk.privacy.fieldmap import NOT_PERSONAL, map_for
from kolk.privacy.ledger import consenter_ids, objector_ids, restricted_ids
from kolk.privacy.register import Duration, get_register
from kolk.privacy.subjects import subject_model


class PurposeViolation(KolkError):
    """A read that the register does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="purpose_violation")


def lookup_category(model: type[models.Model], lookup: str) -> str:
    """The declared category of a field path such as 'member__person__surname'."""
    current: type[models.Model] = model
    parts = lookup.split("__")
    for i, part in enumerate(parts):
        if part == "pk":
            return NOT_PERSONAL
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise PurposeViolation(f"{current._meta.label} has no field '{part}'") from exc
        if i == len(parts) - 1 or not field.is_relation:
            pmap = map_for(current)
            category = pmap.category_of(field.name) if pmap else None
            if category is None:
                if getattr(field, "primary_key", False):
                    return NOT_PERSONAL
                raise PurposeViolation(f"{current._meta.label}.{part} has no declared category")
            if i != len(parts) - 1:
                raise PurposeViolation(f"'{lookup}' goes past the field {part}")
            return category
        related = field.related_model
        assert isinstance(related, type)
        current = related
    raise PurposeViolation(f"empty field path for {model._meta.label}")


class GatedRead:
    """Rows of a gated read, as dicts. Iterating it writes the access-log entry."""

    def __init__(
        self,
        queryset: models.QuerySet[Any],
        *,
        purpose: str,
        model: type[models.Model],
        fields: Sequence[str],
        actor: Actor,
        narrowed: models.QuerySet[Any] | None = None,
    ) -> None:
        self.queryset = queryset
        # The narrowed rows before `values()`: a grouped read adds only the joins its groups need.
        self.narrowed = narrowed if narrowed is not None else queryset
        self.purpose = purpose
        self.model = model
        self.fields = list(fields)
        self.actor = actor

    def _log(self, count: int, how: str = "rows") -> None:
        audit_log(
            actor=self.actor,
            action="privacy.read",
            details={
                "purpose": self.purpose,
                "model": self.model._meta.label,
                "fields": self.fields,
                "count": count,
                "how": how,
            },
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        count = 0
        try:
            for row in self.queryset.iterator(chunk_size=2000):
                count += 1
                yield row
        finally:
            self._log(count)

    def list(self) -> list[dict[str, Any]]:
        return list(self)

    def count(self) -> int:
        count = self.queryset.count()
        self._log(count, how="count")
        return count

    def grouped(self, by: Sequence[str], **aggregates: models.Aggregate) -> builtins.list[dict[str, Any]]:
        """Aggregates per group, computed in the database: a selection, not a dump of every row.

        `by` must be fields of the read; the aggregates (counts, latest dates)
        run over the same narrowed rows, so objectors stay out and nothing
        outside the purpose is read.
        """
        outside = [name for name in by if name not in self.fields]
        if outside:
            raise PurposeViolation(f"group by {outside}: not fields of this read ({self.fields})")
        rows = list(self.narrowed.values(*by).annotate(**aggregates).order_by(*by))
        self._log(len(rows), how="grouped")
        return rows


def purpose_read(
    *,
    purpose: str,
    model: type[models.Model],
    fields: Sequence[str],
    actor: Actor,
    queryset: models.QuerySet[Any] | None = None,
    channel: str = "",
) -> GatedRead:
    """Read `fields` of `model` for `purpose`, narrowed to whom the purpose may touch."""
    register = get_register()
    if purpose not in register.purposes:
        raise PurposeViolation(_("'%(purpose)s' is geen doel uit het verwerkingsregister.") % {"purpose": purpose})
    pmap = map_for(model)
    if pmap is None:
        raise PurposeViolation(f"{model._meta.label} has no privacy map")
    allowed = register.categories_for(purpose)
    bases: set[str] = set()
    for lookup in fields:
        category = lookup_category(model, lookup)
        if category == NOT_PERSONAL:
            continue
        if category not in allowed:
            raise PurposeViolation(
                _("%(field)s (%(category)s) mag niet worden gelezen voor %(purpose)s.")
                % {"field": f"{model._meta.label}.{lookup}", "category": category, "purpose": purpose}
            )
        bases |= register.bases_for(category, purpose)
    if not bases:
        # Only ids and other non-personal fields: the people still must be ones the
        # purpose may touch, so its own bases decide.
        bases = register.bases_of_purpose(purpose)
    qs = queryset if queryset is not None else model._default_manager.all()
    if pmap.subject is not None:
        subject_in = pmap.subject_lookup("pk") + "__in"
        if not register.purposes[purpose].system:
            qs = qs.exclude(**{subject_in: restricted_ids()})
        # One rule for every read, selection and export: an objection to the purpose,
        # or to any row it serves, keeps the person out (a partner's purpose too).
        honoured = register.honoured_objections(purpose)
        if honoured:
            qs = qs.exclude(**{subject_in: objector_ids(honoured, channel)})
        age = register.min_age(purpose)
        if age is not None:
            qs = qs.exclude(**{subject_in: younger_than(age)})
        if "consent" in bases:
            qs = qs.filter(**{subject_in: consenter_ids(purpose)})
    return GatedRead(qs.values(*fields), purpose=purpose, model=model, fields=fields, actor=actor, narrowed=qs)


def birth_date_field() -> str:
    """The subject model's field of the category `birth_date` (the field map says which)."""
    model = subject_model()
    pmap = map_for(model)
    fields = [name for name, category in (pmap.personal.items() if pmap else ()) if category == "birth_date"]
    if len(fields) != 1:
        raise ImproperlyConfigured(f"{model._meta.label} declares {len(fields)} birth date fields; the gate needs one")
    return fields[0]


def younger_than(age: int, on: dt.date | None = None) -> models.QuerySet[Any]:
    """Subjects younger than `age` on a day (today), by their birth date; an unknown date is no child's."""
    born_after = Duration(iso=f"P{age}Y", years=age).before(on or today())
    return subject_model()._default_manager.filter(**{f"{birth_date_field()}__gt": born_after}).values("pk")


def subject_viewed(*, subject: models.Model, purpose: str, actor: Actor) -> None:
    """Log that a member of staff opened a person's record (who, whose, why, when, in which role).

    The roles are those the reader held at that moment that serve the purpose, so
    the log still says so after their roles change (kolk.privacy.reads shows them).
    """
    register = get_register()
    if purpose not in register.purposes:
        raise PurposeViolation(f"'{purpose}' is not a purpose of the register")
    known = {role.value for role in Role}
    roles = sorted(key for key in register.roles_serving(purpose) if key in known and has_role(actor, Role(key)))
    audit_log(actor=actor, action="subject.viewed", subject=subject, details={"purpose": purpose, "roles": roles})
