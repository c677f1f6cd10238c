"""The access package (D01, D02, art. 15 and 20): everything kolk holds about a person.

It is assembled from the field map, so it is complete by construction: every
model with a PrivacyMap and a subject path is one source, read with one query.
Per category it explains the data held, why (purposes), on which basis, how
long and until which date, where it came from, and to which partners it went.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from kolk.core.clock import now, today
from kolk.privacy import retention
from kolk.privacy.audit import audit_log
from kolk.privacy.disclosure import recipients_of
from kolk.privacy.fieldmap import personal_models
from kolk.privacy.gate import lookup_category
from kolk.privacy.ledger import choices_of
from kolk.privacy.models import Disclosure
from kolk.privacy.register import Register, Row, get_register
from kolk.privacy.statement import retention_text

_AS_IS = frozenset({str, int, bool, float})  # JSON-ready already


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _event_dates(subject_pk: int) -> dict[str, dt.date]:
    """This person's date for each registered start event."""
    dates = {}
    for event, source in retention._events.items():
        found = list(source().filter(subject_id=subject_pk).values_list("event_date", flat=True)[:1])
        row = found[0] if found else None
        if row is not None:
            dates[event] = row if isinstance(row, dt.date) and not isinstance(row, dt.datetime) else row.date()
    return dates


def _retention_for(register: Register, category: str, lang: str, dates: dict[str, dt.date]) -> list[dict[str, Any]]:
    rules = []
    for section in register.sections.values():
        if section.retention and any(category in row.categories for row in section.rows):
            rule = register.retention[section.retention]
            start = dates.get(rule.event)
            rules.append(
                {
                    "section": section.title.get(lang),
                    "rule": rule.key,
                    "text": retention_text(register, rule, lang),
                    "until": rule.duration.after(start).isoformat() if start else None,
                    "running": start is None,
                }
            )
    return rules


def access_package(*, subject: models.Model, actor: Any, lang: str = "nl") -> dict[str, Any]:
    """The person's data, per category, with purpose, basis, retention and recipients."""
    register = get_register()
    lang = "en" if lang == "en" else "nl"
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sources = []
    for model, pmap in personal_models():
        if pmap.subject is None:
            continue
        columns = _columns(model, pmap.personal)
        if not columns:
            continue
        rows = list(
            model._default_manager.filter(**{pmap.subject_lookup("pk"): subject.pk})
            .values("pk", *columns.values())
            .distinct()
        )
        label = model._meta.label
        sources.append({"source": label, "rows": len(rows)})
        # The lookups per field are done once per model, not per row: a member with
        # thousands of loans has tens of thousands of values here.
        fields = [(name, column, pmap.personal[name]) for name, column in columns.items()]
        for row in rows:
            record = row["pk"]
            for name, column, held_as in fields:
                value = row[column]
                if value is None or value == "":
                    continue
                if value.__class__ not in _AS_IS:
                    value = _plain(value)
                held[held_as].append({"source": label, "record": record, "field": name, "value": value})
    dates = _event_dates(subject.pk)
    disclosures = recipients_of(subject)
    with translation.override(lang):
        categories = []
        for key, items in held.items():
            category = register.categories[key]
            lines = [line for line in register.rows.values() if key in line.categories]
            categories.append(
                {
                    "category": key,
                    "label": category.label.get(lang),
                    "in_statement": category.stated,
                    "data": items,
                    "purposes": sorted({register.purposes[p].label.get(lang) for line in lines for p in line.purposes}),
                    "bases": sorted({register.legal_bases[line.basis].label.get(lang) for line in lines}),
                    "statement_rows": [line.id for line in lines],
                    "sources": sorted(_sources(register, lines, lang)),
                    "retention": _retention_for(register, key, lang, dates),
                    "recipients": [
                        {
                            "recipient": d.recipient,
                            "name": register.recipients[d.recipient].name
                            if d.recipient in register.recipients
                            else d.recipient,
                            "purpose": register.purposes[d.purpose].label.get(lang),
                            "when": d.disclosed_at.isoformat(),
                        }
                        for d in disclosures
                        if _category_disclosed(d, key)
                    ],
                }
            )
    state = choices_of(subject)  # type: ignore[arg-type]
    package = {
        "controller": register.controller,
        "statement_version": register.version.isoformat(),
        "generated_at": now().isoformat(),
        "language": lang,
        "subject": {"id": subject.pk},
        "categories": sorted(categories, key=lambda c: list(register.categories).index(str(c["category"]))),
        "choices": {
            "consents": state["consents"],
            "objections": [{"purpose": p, "channel": c, "objects": v} for (p, c), v in state["objections"].items()],
            "restricted": state["restricted"],
        },
        "disclosures": [
            {"recipient": d.recipient, "purpose": d.purpose, "fields": d.fields, "when": d.disclosed_at.isoformat()}
            for d in disclosures
        ],
        "event_dates": {k: v.isoformat() for k, v in dates.items()},
        "sources": sources,
        "as_of": today().isoformat(),
    }
    audit_log(actor=actor, action="access.package", subject=subject, details={"sources": len(sources)})
    return package


def _sources(register: Register, lines: list[Row], lang: str) -> set[str]:
    """Where the data of these rows came from, as the statement says (else: from you)."""
    found = set()
    for line in lines:
        source = register.sections[line.section].source
        found.add(source.get(lang) if source else _("Van jou zelf"))
    return found


def _columns(model: type[models.Model], personal: Mapping[str, str]) -> dict[str, str]:
    """Personal field name -> database column (attname), for concrete, non-m2m fields."""
    columns = {}
    for name in personal:
        field = model._meta.get_field(name)
        if isinstance(field, models.Field) and field.concrete and not field.many_to_many:
            columns[name] = field.attname
    return columns


def _category_disclosed(disclosure: Disclosure, category: str) -> bool:
    """Whether a disclosure carried a field of this category (from its recorded fields)."""
    if disclosure.aggregate is not None or not disclosure.model:
        return False
    model = apps.get_model(disclosure.model)
    return any(lookup_category(model, lookup) == category for lookup in disclosure.fields)
