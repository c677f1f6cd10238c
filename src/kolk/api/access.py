"""Whose data a caller of the API may reach, and the trace of a refused reach.

Every handler that takes the id of a person, or of a record that belongs to a
person, resolves it here. A refusal is written to the audit log (api.denied)
and to the security log: the caller as actor, their own person as subject, the
record reached for only as a pseudonym, so the log names nobody it should not.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.http import HttpRequest
from ninja.errors import HttpError

from kolk.core.roles import Role, has_role
from kolk.people.models import Person
from kolk.privacy.audit import actor_ref, audit_log, pseudonym

security_log = logging.getLogger("kolk.security")


def refused(
    request: HttpRequest, *, label: str, pk: Any, status: int = 403, message: str = "Geen toegang."
) -> HttpError:
    """Log that the caller reached for record `label:pk` that is not theirs; the error to raise."""
    user = request.user
    own = getattr(user, "person", None) if user.is_authenticated else None
    target = pseudonym(label=label, pk=str(pk)[:40])
    audit_log(actor=user, action="api.denied", subject=own, details={"model": label, "target": target})
    security_log.warning("api.denied actor=%s model=%s target=%s", actor_ref(user), label, target[:16])
    return HttpError(status, message)


def person_or_refused(
    request: HttpRequest,
    person_id: int,
    *,
    staff: tuple[Role, ...],
    record: models.Model | None = None,
    status: int = 403,
    message: str = "Alleen je eigen gegevens.",
) -> Person:
    """The person `person_id` if the caller is staff in `staff` or that person as a member.

    `record` is what the caller asked for (a loan, an invoice) when it is not the
    person itself: a refusal names it rather than the person.
    """
    if not has_role(request.user, *staff):
        own = getattr(request.user, "person_id", None)
        if not (has_role(request.user, Role.MEMBER) and own == person_id):
            label, pk = (record._meta.label_lower, record.pk) if record is not None else ("people.person", person_id)
            raise refused(request, label=label, pk=pk, status=status, message=message)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise HttpError(404, "Onbekend lid.")
    return person
