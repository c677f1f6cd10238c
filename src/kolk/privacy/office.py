"""What the Privacy Officer sees at a glance (X04), and the breach register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kolk.core.actors import Actor, user_id
from kolk.core.clock import now, today
from kolk.core.errors import Invalid, KolkError
from kolk.privacy import registry, retention
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import consenter_ids, objector_ids
from kolk.privacy.models import AuditChainHead, AuditEntry, Breach, Disclosure, RightsRequest
from kolk.privacy.register import get_register
from kolk.privacy.rights import requests_due
from kolk.privacy.statement import channel_label, retention_text


def _bars(items: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Rows for a horizontal bar chart: label, value and width in percent of the largest."""
    top = max((value for _label, value in items), default=0) or 1
    return [{"label": label, "value": value, "width": round(100 * value / top, 1)} for label, value in items]


def consent_figures() -> list[dict[str, Any]]:
    register = get_register()
    return _bars([(register.purposes[p].label.get(), consenter_ids(p).count()) for p in register.consent_purposes()])


def objection_figures() -> list[dict[str, Any]]:
    register = get_register()
    items = []
    for purpose in register.objection_purposes():
        label = register.purposes[purpose].label.get()
        channels = next(
            (
                s.channels
                for s in register.sections.values()
                if any(purpose in r.purposes for r in s.rows) and s.channels
            ),
            (),
        )
        if channels:
            items += [
                (f"{channel_label(channel)}: {label}", objector_ids(purpose, channel).count()) for channel in channels
            ]
        else:
            items.append((label, objector_ids(purpose).count()))
    return _bars(items)


_ACTIONS = {
    "delete": gettext_lazy("verwijderen"),
    "anonymise": gettext_lazy("anonimiseren"),
    "erase": gettext_lazy("de persoon wissen"),
    "reduce": gettext_lazy("de persoon inperken tot wat bewaard moet blijven"),
}


def _rule_text(key: str) -> str:
    register = get_register()
    rule = register.retention.get(key)
    return retention_text(register, rule, _lang()) if rule is not None else key


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def _what(model_label: str) -> str:
    try:
        return capfirst(str(apps.get_model(model_label)._meta.verbose_name_plural))
    except LookupError:
        return model_label


def retention_status(on: dt.date | None = None) -> dict[str, Any]:
    """What is due now, what is due within 30 days, and what is held and why, in words."""
    on = on or today()
    soon = on + dt.timedelta(days=30)
    rows = [
        {
            "what": _what(item.model_label),
            "model": item.model_label,
            "rule": item.rule,
            "rule_text": _rule_text(item.rule),
            "action": str(_ACTIONS.get(item.action, item.action)),
            "due": retention.due_rows(item, on).count(),
            "due_soon": retention.due_rows(item, soon).count(),
        }
        for item in registry.retained_data()
    ]
    people = str(_("Personen"))
    rows.append(
        {
            "what": people,
            "model": "",
            "rule": "*",
            "rule_text": str(_("de laatste van hun bewaartermijnen")),
            "action": str(_ACTIONS["erase"]),
            "due": retention.due_subjects(on).count(),
            "due_soon": retention.due_subjects(soon).count(),
        }
    )
    if registry.holds() or registry.event_scopes():
        rows.append(  # people whom only a narrow hold or duty keeps: reduced to what it needs
            {
                "what": people,
                "model": "",
                "rule": "*",
                "rule_text": str(_("alleen een plicht of vasthouding houdt ze nog")),
                "action": str(_ACTIONS["reduce"]),
                "due": retention.due_reductions(on).count(),
                "due_soon": retention.due_reductions(soon).count(),
            }
        )
    register = get_register()
    held = [
        {
            "hold": h.name,
            "reason": h.reason.get().rstrip("."),
            "people": h.subjects().count(),
            "keeps": "*"
            if h.scope.whole
            else ", ".join(
                [
                    *sorted(_what(m) for m in h.scope.models),
                    *sorted(
                        register.categories[c].label.get(_lang()) if c in register.categories else c
                        for c in h.scope.categories
                    ),
                ]
            ),
        }
        for h in registry.holds()
    ]
    # A rule whose rows carry their own date (date_field) needs no registered start event.
    by_own_date = {item.rule for item in registry.retained_data() if item.date_field}
    events = registry.registered_events()
    waiting = sorted(
        f"{_rule_text(r.key)} ({r.key})"
        for r in register.retention.values()
        if r.key not in by_own_date and r.event not in events
    )
    return {"rows": rows, "held": held, "waiting_events": waiting}


def office_overview() -> dict[str, Any]:
    register = get_register()
    head = AuditChainHead.objects.filter(pk=1).first()
    return {
        "version": register.version,
        "requests_due": list(requests_due(14).select_related("subject")),
        "requests_open": RightsRequest.objects.filter(status=RightsRequest.Status.OPEN).count(),
        "requests_overdue": sum(1 for r in requests_due(0) if r.deadline < today()),
        "retention": retention_status(),
        "consents": consent_figures(),
        "objections": objection_figures(),
        "disclosures": [
            {
                "when": d.disclosed_at,
                "code": d.recipient,
                "recipient": register.recipients[d.recipient].name
                if d.recipient in register.recipients
                else d.recipient,
                "purpose": register.purposes[d.purpose].label.get(_lang())
                if d.purpose in register.purposes
                else d.purpose,
                "people": d.person_count,
                "aggregate": d.aggregate is not None,
                "legal_demand": d.legal_demand,
            }
            for d in Disclosure.objects.select_related("legal_demand").order_by("-disclosed_at")[:20]
        ],
        "recipients": {rid: r.name for rid, r in register.recipients.items()},
        "audit_head": head,
        "audit_unsealed": AuditEntry.objects.filter(seq__isnull=True).count(),
        "breaches": list(Breach.objects.order_by("-discovered_at")[:20]),
        "now": now(),
    }


@transaction.atomic
def breach_record(*, summary: str, discovered_at: dt.datetime, people_affected: int, actor: Actor) -> Breach:
    """Register a breach; the report to the Autoriteit Persoonsgegevens is due within 72 hours."""
    breach = Breach.objects.create(
        summary=summary.strip(),
        discovered_at=discovered_at,
        people_affected=people_affected,
        recorded_by_id=user_id(actor),
    )
    audit_log(actor=actor, action="breach.recorded", details={"breach": breach.pk, "people": people_affected})
    return breach


@transaction.atomic
def breach_reported(*, breach: Breach, actor: Actor, reference: str = "", at: dt.datetime | None = None) -> Breach:
    """The report to the Autoriteit Persoonsgegevens: when, and the AP's reference."""
    if breach.closed_at is not None:
        raise KolkError(_("Dit datalek is al gesloten."))
    breach.reported_at = at or now()
    breach.ap_reference = reference.strip()
    breach.save(update_fields=["reported_at", "ap_reference"])
    audit_log(actor=actor, action="breach.reported", details={"breach": breach.pk, "reference": breach.ap_reference})
    return breach


@transaction.atomic
def breach_assessed(*, breach: Breach, categories: list[str], people_affected: int, actor: Actor) -> Breach:
    """Which kinds of data and how many people the breach concerns (the register's categories)."""
    unknown = [c for c in categories if c not in get_register().categories]
    if unknown or people_affected < 0:
        raise Invalid(_("Onbekende soort gegevens."), fields={"categories": [_("Onbekende soort gegevens.")]})
    breach.categories = list(categories)
    breach.people_affected = people_affected
    breach.save(update_fields=["categories", "people_affected"])
    audit_log(
        actor=actor,
        action="breach.assessed",
        details={"breach": breach.pk, "categories": list(categories), "people": people_affected},
    )
    return breach


@transaction.atomic
def breach_not_reported(*, breach: Breach, reason: str, actor: Actor) -> Breach:
    """Not reported to the AP: no risk to the people (art. 33(1)); the reason is kept (art. 33(5))."""
    if not reason.strip():
        raise Invalid(_("Geef de reden."), fields={"reason": [_("Geef de reden.")]})
    breach.not_reported_reason = reason.strip()
    breach.save(update_fields=["not_reported_reason"])
    audit_log(actor=actor, action="breach.not_reported", details={"breach": breach.pk})
    return breach


@transaction.atomic
def breach_people_informed(*, breach: Breach, actor: Actor, at: dt.datetime | None = None) -> Breach:
    """The people concerned were told (art. 34)."""
    breach.people_informed_at = at or now()
    breach.save(update_fields=["people_informed_at"])
    audit_log(actor=actor, action="breach.people_informed", details={"breach": breach.pk})
    return breach


@transaction.atomic
def breach_close(*, breach: Breach, note: str, actor: Actor) -> Breach:
    """Close a breach: only once it was reported to the AP or the reason not to is recorded."""
    if breach.reported_at is None and not breach.not_reported_reason:
        raise KolkError(_("Eerst melden bij de Autoriteit Persoonsgegevens, of vastleggen waarom niet."))
    breach.closed_at = now()
    breach.closing_note = note.strip()
    breach.save(update_fields=["closed_at", "closing_note"])
    audit_log(actor=actor, action="breach.closed", details={"breach": breach.pk})
    return breach


def breaches_open() -> list[Breach]:
    """The breaches not closed, the overdue (72 hours past, not reported) first."""
    found = list(Breach.objects.filter(closed_at__isnull=True).order_by("discovered_at"))
    return sorted(found, key=lambda b: (not b.overdue, b.discovered_at))
