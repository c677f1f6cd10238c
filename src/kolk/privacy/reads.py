"""Who looked at a person's record: the staff reads in the audit log, and the partner releases.

The audit log names the person by a keyed pseudonym (kolk.privacy.audit.pseudonym), so a
person's reads are found by one indexed lookup on `subject_ref` (index audit_subject).
Each read names the purpose it was logged under and the roles the staff member read
it in, as they held them then. The Privacy Officer sees the staff member; the person
sees role and purpose only, never a colleague's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from kolk.privacy.audit import pseudonym
from kolk.privacy.disclosure import recipients_of
from kolk.privacy.models import AuditEntry
from kolk.privacy.register import Register, get_register

READS_SHOWN = 200  # the latest reads; the log holds them all


@dataclass(frozen=True)
class StaffRead:
    when: dt.datetime
    staff: Any  # the user, or None when it no longer exists (for the Privacy Officer only)
    roles: tuple[str, ...]  # labels of the roles the staff member read it in, then
    purpose: str  # the purpose's key
    purpose_label: str
    objection: str | None  # the purpose to object to, where this rests on legitimate interest


@dataclass(frozen=True)
class Release:
    when: dt.datetime
    recipient: str
    purpose: str
    purpose_label: str
    legal_demand: bool
    objection: str | None


def object_to(register: Register, purpose: str) -> str | None:
    """The purpose to object to (art. 21) when `purpose` rests on legitimate interest, else None.

    A statement row of the purpose on legitimate interest: the purpose itself. A purpose
    that serves statement rows (an export, register `serves:`): the first served row's
    purpose on legitimate interest; an objection to it keeps the person out of the export.
    """
    rows = register.rows
    if any(purpose in row.purposes and row.basis == "legitimate_interest" for row in rows.values()):
        return purpose
    served = register.purposes[purpose].serves if purpose in register.purposes else ()
    for row_id in served:
        row = rows.get(row_id)
        if row is not None and row.basis == "legitimate_interest" and row.purposes:
            return row.purposes[0]
    return None


def staff_reads(subject: models.Model, *, lang: str = "nl", limit: int = READS_SHOWN) -> list[StaffRead]:
    """The latest staff reads of this person's record, newest first: two queries (the log, the staff)."""
    register = get_register()
    entries = list(
        AuditEntry.objects.filter(subject_ref=pseudonym(subject), action="subject.viewed")
        .order_by("-created_at", "-id")
        .values_list("created_at", "actor", "details")[:limit]
    )
    ids = {int(actor.split(":", 1)[1]) for _w, actor, _d in entries if actor.startswith("user:")}
    users = get_user_model()._default_manager.filter(pk__in=ids)
    if any("roles" not in (details or {}) for _w, _a, details in entries):
        users = users.prefetch_related("groups")
    staff = {u.pk: u for u in users}
    reads = []
    for when, actor, details in entries:
        purpose = str((details or {}).get("purpose", ""))
        user = staff.get(int(actor.split(":", 1)[1])) if actor.startswith("user:") else None
        if "roles" in (details or {}):  # the roles they read it in, logged with the read
            acted: set[str] = {str(role) for role in details["roles"]}
        else:
            # Reads logged before the log kept the role: the staff member's roles now that
            # serve the purpose, the best there is (they may have held others then).
            held = {g.name for g in user.groups.all()} if user is not None else set()
            acted = set(register.roles_serving(purpose) & held)
        roles = tuple(sorted(register.roles[r].label.get(lang) for r in acted if r in register.roles))
        label = register.purposes[purpose].label.get(lang) if purpose in register.purposes else purpose
        reads.append(StaffRead(when, user, roles, purpose, label, object_to(register, purpose)))
    return reads


def releases(subject: models.Model, *, lang: str = "nl") -> list[Release]:
    """Every partner release (and legal demand) that carried this person's data, newest first."""
    register = get_register()
    found = []
    for d in reversed(recipients_of(subject, with_demands=True)):
        demand = d.legal_demand is not None
        if d.recipient in register.recipients:
            name = register.recipients[d.recipient].name
        elif d.legal_demand is not None:  # the authority that demanded it, never the log's code for a demand
            name = d.legal_demand.authority
        else:
            name = d.recipient
        label = register.purposes[d.purpose].label.get(lang) if d.purpose in register.purposes else d.purpose
        found.append(Release(d.disclosed_at, name, d.purpose, label, demand, object_to(register, d.purpose)))
    return found
