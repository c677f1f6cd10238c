"""The one place where anyone reaches a person, or a record of a person, by its id.

Pages, the API and the kiosks all come through `person_reach`:
- a member reaches only themself;
- staff reach someone only in a role that serves the purpose they name (the
  register's `roles:`), and every such read is logged as a staff read with that
  purpose (who, whose, why, when);
- everyone else gets "not found", exactly as for an id that does not exist, so a
  refusal tells nothing about what exists. The refusal itself is logged (the
  caller as actor, the record reached for only as a pseudonym).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.errors import NotFound
from kolk.core.prepared import Prepared
from kolk.core.roles import Role, has_role
from kolk.people.models import Person
from kolk.privacy.audit import actor_ref, audit_log, pseudonym
from kolk.privacy.gate import subject_viewed
from kolk.privacy.register import get_register

security_log = logging.getLogger("kolk.security")

# Every act of staff on a person starts here: compiled once per process (kolk.core.prepared).
_PERSON = Prepared(lambda pk: Person.objects.filter(pk=pk), int)


def serving(actor: Actor, purposes: str | tuple[str, ...]) -> str | None:
    """The first of `purposes` that one of the actor's staff roles serves in the register, or None."""
    register = get_register()
    for purpose in (purposes,) if isinstance(purposes, str) else purposes:
        if has_role(actor, *(Role(key) for key in register.roles_serving(purpose))):
            return purpose
    return None


def own_person_id(actor: Actor) -> int | None:
    """The person a signed-in member is; None for staff without a person, and for anyone else."""
    if not getattr(actor, "is_authenticated", False) or not has_role(actor, Role.MEMBER):
        return None
    person_id: int | None = getattr(actor, "person_id", None)
    return person_id


def refusal_logged(actor: Actor, *, label: str, pk: Any) -> None:
    """Log that `actor` reached for record `label:pk` they may not see."""
    own = getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None
    target = pseudonym(label=label, pk=str(pk)[:40])
    audit_log(actor=actor, action="reach.refused", subject=own, details={"model": label, "target": target})
    security_log.warning("reach.refused actor=%s model=%s target=%s", actor_ref(actor), label, target[:16])


def person_reach(
    *,
    actor: Actor,
    person_id: int,
    purpose: str | tuple[str, ...],
    record: models.Model | None = None,
    load: Callable[[int], Person] | None = None,
    viewed: bool = True,
) -> Person:
    """The person `person_id`, if `actor` may reach them for `purpose`; else NotFound.

    With several purposes (a page that serves the desk and the Privacy Officer), the
    staff read is logged under the first one the actor's role serves.

    `record` is what the caller asked for when it is not the person (a loan, an
    invoice): a refusal names that record rather than the person. `load` reads the
    person with what the page needs (kolk.people.selectors.person_detail).
    `viewed=False` is for an act on the person (a checkout, a block) rather than a
    look at their record: the act's service writes its own audit entry.
    """
    staff = serving(actor, purpose)
    if staff is None and own_person_id(actor) != person_id:
        label, pk = (record._meta.label_lower, record.pk) if record is not None else ("people.person", person_id)
        refusal_logged(actor, label=label, pk=pk)
        raise NotFound(_("Niet gevonden."))
    try:
        person = load(person_id) if load else _PERSON.first(person_id)
    except Person.DoesNotExist as exc:
        raise NotFound(_("Niet gevonden.")) from exc
    if person is None:
        raise NotFound(_("Niet gevonden."))
    if viewed and staff is not None and own_person_id(actor) != person.pk:
        subject_viewed(subject=person, purpose=staff, actor=actor)
    return person
