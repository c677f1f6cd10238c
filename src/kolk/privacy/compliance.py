"""The compliance check: the live database held against every promise of the statement.

Each check yields findings. A finding at level "broken" means a promise is not
kept (the command exits non-zero); "gap" means the statement does not say
something kolk does (the statement should change); "note" is for information.
Domain apps add their own checks with `register_check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import OuterRef, Subquery

from kolk.core.clock import today
from kolk.privacy.audit import verify
from kolk.privacy.checks import field_map_errors
from kolk.privacy.disclosure import LEGAL
from kolk.privacy.fieldmap import personal_models
from kolk.privacy.models import ChoiceKind, Disclosure, DisclosureItem, PrivacyChoice
from kolk.privacy.register import get_register
from kolk.privacy.registry import event_sources, keeps, registered_events, retained_data
from kolk.privacy.retention import due_rows, due_subjects
from kolk.privacy.subjects import subject_model

BROKEN, GAP, NOTE = "broken", "gap", "note"


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    message: str


Check = Callable[[dt.date], Iterator[Finding]]
_checks: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    _checks[name] = check


def check_retention(on: dt.date) -> Iterator[Finding]:
    for item in retained_data():
        due = due_rows(item, on).count()
        if due:
            yield Finding(BROKEN, "retention", f"{due} {item.model_label} rows are past rule '{item.rule}'")
    subjects = due_subjects(on).count()
    if subjects:
        yield Finding(BROKEN, "retention", f"{subjects} people are past every retention rule and still held")
    register = get_register()
    by_rows = {item.rule for item in retained_data() if item.date_field}
    for key, rule in register.retention.items():
        if rule.event not in registered_events() and key not in by_rows:
            yield Finding(NOTE, "retention", f"rule '{key}' waits for an app to register event '{rule.event}'")
    if registered_events():
        Subject = subject_model()
        with_basis = Subject._default_manager.all()
        for source in event_sources().values():
            with_basis = with_basis.exclude(pk__in=source().values("subject_id"))
        for source in keeps().values():
            with_basis = with_basis.exclude(pk__in=source())
        orphans = with_basis.count()
        if orphans:
            yield Finding(
                GAP,
                "retention",
                f"{orphans} people have no start event and no active relationship: no rule will ever erase them",
            )


def check_disclosures(on: dt.date) -> Iterator[Finding]:
    register = get_register()
    outside = Disclosure.objects.exclude(recipient__in=[*register.recipients, LEGAL]).count()
    if outside:
        yield Finding(BROKEN, "disclosure", f"{outside} disclosures went to a recipient outside the statement")
    lawless = Disclosure.objects.filter(recipient=LEGAL, legal_demand__isnull=True).count()
    if lawless:
        yield Finding(BROKEN, "disclosure", f"{lawless} disclosures on a legal demand have no recorded demand")
    # The person's latest objection record for the purpose, as it stood when the data went out.
    standing = (
        PrivacyChoice.objects.filter(
            kind=ChoiceKind.OBJECTION,
            subject_id=OuterRef("subject_id"),
            purpose=OuterRef("disclosure__purpose"),
            recorded_at__lt=OuterRef("disclosure__disclosed_at"),
        )
        .order_by("-id")
        .values("decision")[:1]
    )
    bad = (
        DisclosureItem.objects.exclude(disclosure__recipient=LEGAL)
        .annotate(objecting=Subquery(standing))
        .filter(objecting=True)
        .count()
    )
    if bad:
        yield Finding(BROKEN, "objection", f"{bad} people were disclosed to a partner while objecting")


def check_field_map(on: dt.date) -> Iterator[Finding]:
    for error in field_map_errors(apps.get_models()):
        yield Finding(BROKEN, "field map", error.msg)


def check_audit(on: dt.date) -> Iterator[Finding]:
    result = verify()
    for problem in result.problems:
        yield Finding(BROKEN, "audit", problem)


def check_statement_gaps(on: dt.date) -> Iterator[Finding]:
    register = get_register()
    held = {cat for _model, pmap in personal_models() for cat in pmap.personal.values()}
    for key, category in register.categories.items():
        if not category.stated and key in held:
            yield Finding(
                GAP, "statement", f"kolk holds '{category.label.nl}' ({key}), which the statement does not name"
            )
    for key, rule in register.retention.items():
        if not rule.stated:
            note = f": {rule.note.nl}" if rule.note else ""
            yield Finding(
                GAP, "statement", f"retention rule '{key}' ({rule.duration.iso}) is not in the statement{note}"
            )
    offers = register.sections.get("offers")
    if offers and not offers.retention:
        yield Finding(GAP, "statement", "the statement gives no retention for offers (O01)")


register_check("retention", check_retention)
register_check("disclosures", check_disclosures)
register_check("field map", check_field_map)
register_check("audit chain", check_audit)
register_check("statement gaps", check_statement_gaps)


def run_checks(on: dt.date | None = None) -> list[Finding]:
    on = on or today()
    return [finding for check in _checks.values() for finding in check(on)]
