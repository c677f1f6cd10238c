"""Disclosure: the one way personal data leaves kolk.

`disclose` releases data to a recipient of the register (R01-R07) for one of its
purposes: the fields must be of the recipient's categories, the people are
narrowed by the purpose gate (objectors, restricted people), and each person
released is recorded. An aggregate-only recipient (the KB's statistics) gets
counts through `disclose_aggregate`, never a person. Anything else is refused,
except a legal demand, which is recorded with its legal ground and the
officer's reference before anything is released (`legal_demand_release`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.fieldmap import NOT_PERSONAL, map_for
from kolk.privacy.gate import lookup_category, purpose_read
from kolk.privacy.models import Disclosure, DisclosureItem, LegalDemand
from kolk.privacy.register import get_register

LEGAL = "LEGAL"


class DisclosureRefused(KolkError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="disclosure_refused")


def _refuse(recipient: str, purpose: str, actor: Actor, message: str) -> DisclosureRefused:
    """Log the refusal (itself evidence) and return the error to raise.

    The services check before they open their transaction, so the entry stays.
    """
    audit_log(actor=actor, action="disclosure.refused", details={"recipient": recipient[:32], "purpose": purpose[:64]})
    return DisclosureRefused(message)


def _subject_field(model: type[models.Model]) -> str:
    pmap = map_for(model)
    if pmap is None or pmap.subject is None:
        raise DisclosureRefused(f"{model._meta.label} has no data subject")
    return pmap.subject_lookup("pk")


def _record(
    *,
    recipient: str,
    purpose: str,
    model: type[models.Model],
    fields: Sequence[str],
    rows: list[dict[str, Any]],
    subject_key: str,
    actor: Actor,
    legal_demand: LegalDemand | None = None,
) -> Disclosure:
    subject_ids = sorted({row[subject_key] for row in rows if row[subject_key] is not None})
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        purpose=purpose,
        model=model._meta.label,
        fields=list(fields),
        person_count=len(subject_ids),
        legal_demand=legal_demand,
        disclosed_by_id=user_id(actor),
        disclosed_at=now(),
    )
    DisclosureItem.objects.bulk_create(
        [DisclosureItem(disclosure=disclosure, subject_id=pk) for pk in subject_ids], batch_size=5000
    )
    audit_log(
        actor=actor,
        action="disclosure.made",
        details={"recipient": recipient, "purpose": purpose, "disclosure": disclosure.pk, "people": len(subject_ids)},
    )
    return disclosure


def disclose(
    *,
    recipient: str,
    purpose: str,
    model: type[models.Model],
    fields: Sequence[str],
    actor: Actor,
    queryset: models.QuerySet[Any] | None = None,
) -> tuple[Disclosure, list[dict[str, Any]]]:
    """Release `fields` of `model` to a listed recipient; returns the record and the rows."""
    register = get_register()
    partner = register.recipients.get(recipient)
    if partner is None:
        raise _refuse(
            recipient,
            purpose,
            actor,
            _("%(recipient)s staat niet in de privacyverklaring; verstrekking geweigerd.") % {"recipient": recipient},
        )
    if purpose not in partner.purposes:
        raise _refuse(
            recipient, purpose, actor, _("%(name)s ontvangt geen gegevens voor dit doel.") % {"name": partner.name}
        )
    if partner.aggregate_only:
        raise _refuse(
            recipient, purpose, actor, _("%(name)s ontvangt alleen aantallen, geen personen.") % {"name": partner.name}
        )
    for lookup in fields:
        category = lookup_category(model, lookup)
        if category != NOT_PERSONAL and category not in partner.categories:
            raise _refuse(
                recipient,
                purpose,
                actor,
                _("%(name)s mag %(field)s (%(category)s) niet ontvangen.")
                % {"name": partner.name, "field": lookup, "category": category},
            )
    subject_key = _subject_field(model)
    read_fields = list(dict.fromkeys([*fields, subject_key]))
    with transaction.atomic():
        rows = purpose_read(purpose=purpose, model=model, fields=read_fields, actor=actor, queryset=queryset).list()
        disclosure = _record(
            recipient=recipient,
            purpose=purpose,
            model=model,
            fields=fields,
            rows=rows,
            subject_key=subject_key,
            actor=actor,
        )
    return disclosure, [{k: row[k] for k in fields} for row in rows]


def disclosure_preview(
    *, recipient: str, purpose: str, model: type[models.Model], queryset: models.QuerySet[Any] | None = None
) -> models.QuerySet[Any]:
    """Whom a disclosure would release now (subject ids), through the same gate; nothing goes out.

    The compliance check asks an app's export this (kolk.privacy.compliance.register_selection).
    """
    partner = get_register().recipients.get(recipient)
    if partner is None or purpose not in partner.purposes or partner.aggregate_only:
        raise DisclosureRefused(_("Deze verstrekking staat niet in de privacyverklaring."))
    subject_key = _subject_field(model)
    read = purpose_read(purpose=purpose, model=model, fields=[subject_key], actor=None, queryset=queryset)
    return read.narrowed.values(subject_key)


def last_disclosed(*, purposes: Sequence[str]) -> models.QuerySet[Any]:
    """(subject_id, event_date): per person, the day their data last went out for one of `purposes`."""
    return (
        DisclosureItem.objects.filter(disclosure__purpose__in=list(purposes))
        .values("subject_id")
        .annotate(event_date=TruncDate(Max("disclosure__disclosed_at")))
        .order_by("subject_id")
    )


def disclose_aggregate(*, recipient: str, purpose: str, counts: Mapping[str, int], actor: Actor) -> Disclosure:
    """Release counts (no person) to a recipient, e.g. loan statistics for the KB (R03)."""
    partner = get_register().recipients.get(recipient)
    if partner is None or purpose not in partner.purposes:
        raise _refuse(recipient, purpose, actor, _("Deze verstrekking staat niet in de privacyverklaring."))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        raise DisclosureRefused("aggregates are whole counts")
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            recipient=recipient,
            purpose=purpose,
            aggregate=dict(counts),
            disclosed_by_id=user_id(actor),
            disclosed_at=now(),
        )
        audit_log(
            actor=actor, action="disclosure.aggregate", details={"recipient": recipient, "disclosure": disclosure.pk}
        )
    return disclosure


@transaction.atomic
def legal_demand_release(
    *,
    authority: str,
    legal_ground: str,
    officer_reference: str,
    model: type[models.Model],
    fields: Sequence[str],
    queryset: models.QuerySet[Any],
    actor: Actor,
) -> tuple[Disclosure, list[dict[str, Any]]]:
    """Release data on a legal demand: the demand is recorded first, then each person released."""
    values = {
        "authority": authority.strip(),
        "legal_ground": legal_ground.strip(),
        "officer_reference": officer_reference.strip(),
    }
    if not all(values.values()):
        raise DisclosureRefused(
            _("Een wettelijke vordering vraagt de instantie, de wettelijke grondslag en het kenmerk van de ambtenaar.")
        )
    demand = LegalDemand.objects.create(**values, recorded_by_id=user_id(actor), recorded_at=now())
    audit_log(actor=actor, action="legal_demand.recorded", details={"demand": demand.pk})
    subject_key = _subject_field(model)
    read_fields = list(dict.fromkeys([*fields, subject_key]))
    rows = purpose_read(purpose="legal_demand", model=model, fields=read_fields, actor=actor, queryset=queryset).list()
    disclosure = _record(
        recipient=LEGAL,
        purpose="legal_demand",
        model=model,
        fields=fields,
        rows=rows,
        subject_key=subject_key,
        actor=actor,
        legal_demand=demand,
    )
    return disclosure, [{k: row[k] for k in fields} for row in rows]


def recipients_of(subject: models.Model, *, with_demands: bool = False) -> list[Disclosure]:
    """Every disclosure that carried this person's data (for access and art. 19)."""
    found = Disclosure.objects.filter(items__subject_id=subject.pk).order_by("disclosed_at")
    if with_demands:  # the demand's authority comes with it, in the same query
        found = found.select_related("legal_demand")
    return list(found)
