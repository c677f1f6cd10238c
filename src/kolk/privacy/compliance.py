"""The compliance check: the live database held against every promise of the statement.

Each check yields findings. A finding at level "broken" means a promise is not
kept (the command exits non-zero); "gap" means the statement does not say
something kolk does (the statement should change); "note" is for information.
Each finding names the promise (a row of the statement, a right) and a count.
Domain apps add their own checks with `register_check`, and their selections and
exports with `register_selection`: the check asks each whom it would take now
and holds that to the register (objections to the rows it serves, its age,
restrictions, consent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery

from kolk.core.clock import today
from kolk.privacy.audit import verify
from kolk.privacy.checks import field_map_errors
from kolk.privacy.disclosure import LEGAL
from kolk.privacy.fieldmap import personal_models
from kolk.privacy.gate import birth_date_field, younger_than
from kolk.privacy.ledger import consenter_ids, objector_ids, restricted_ids
from kolk.privacy.models import ChoiceKind, Disclosure, DisclosureItem, PrivacyChoice
from kolk.privacy.register import Duration, get_register
from kolk.privacy.registry import event_scopes, event_sources, holds, keeps, registered_events, retained_data
from kolk.privacy.retention import due_reductions, due_rows, due_subjects
from kolk.privacy.rights import restriction_requests_done_without
from kolk.privacy.subjects import CONSENT_AGE, subject_model

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
    whole = due_reductions(on).count()
    if whole:
        narrow = [h.name for h in holds() if not h.scope.whole]
        duties = [
            f"{event} ({rule.key})" for rule in register_rules() for event in event_scopes() if rule.event == event
        ]
        yield Finding(
            BROKEN,
            "retention",
            f"retention: {whole} people are kept whole by a narrow hold ({', '.join(narrow + duties)}): past the "
            "dates of their other rules, they keep more than the hold needs (email, phone, login, loans)",
        )
    register = get_register()
    by_rows = {item.rule for item in retained_data() if item.date_field}
    for key, rule in register.retention.items():
        if rule.event not in registered_events() and key not in by_rows:
            yield Finding(
                BROKEN,
                "retention",
                f"rule '{key}' ({rule.duration.iso}) never runs: no app registers its start event '{rule.event}' "
                "and no rows are kept by it",
            )
    if registered_events():
        Subject = subject_model()
        with_basis = Subject._default_manager.all()
        for source in event_sources().values():
            with_basis = with_basis.exclude(pk__in=source().values("subject_id"))
        for source in keeps().values():
            with_basis = with_basis.exclude(pk__in=source())
        orphans = with_basis.count()
        if orphans:
            # Name some, so the Privacy Officer can look them up (by customer number where the subject has one).
            field = "customer_number" if any(f.name == "customer_number" for f in Subject._meta.fields) else "pk"
            some = ", ".join(str(v) for v in with_basis.order_by("pk").values_list(field, flat=True)[:10])
            yield Finding(
                GAP,
                "retention",
                f"{orphans} people have no start event and no active relationship: no rule will ever erase them "
                f"({field.replace('_', ' ')}: {some}{', ...' if orphans > 10 else ''})",
            )


def register_rules() -> list[Any]:
    return list(get_register().retention.values())


def check_disclosures(on: dt.date) -> Iterator[Finding]:
    register = get_register()
    outside = Disclosure.objects.exclude(recipient__in=[*register.recipients, LEGAL]).count()
    if outside:
        yield Finding(BROKEN, "disclosure", f"{outside} disclosures went to a recipient outside the statement")
    lawless = Disclosure.objects.filter(recipient=LEGAL, legal_demand__isnull=True).count()
    if lawless:
        yield Finding(BROKEN, "disclosure", f"{lawless} disclosures on a legal demand have no recorded demand")
    unknown = Disclosure.objects.exclude(purpose__in=register.purposes).count()
    if unknown:
        yield Finding(BROKEN, "disclosure", f"{unknown} disclosures were made for a purpose outside the register")


def _exports() -> Iterator[tuple[str, str, Disclosure]]:
    """Per recipient and purpose (an export), its latest file: (recipient, purpose, disclosure).

    A marketing export is a snapshot: each file replaces the one before at the
    partner, so what the partner holds now is the latest file.
    """
    register = get_register()
    latest = (
        Disclosure.objects.exclude(recipient=LEGAL)
        .filter(aggregate__isnull=True, purpose__in=register.purposes)
        .values("recipient", "purpose")
        .annotate(last=Max("id"))
        .order_by("recipient", "purpose")
    )
    files = Disclosure.objects.in_bulk([row["last"] for row in latest])
    for row in latest:
        yield row["recipient"], row["purpose"], files[row["last"]]


def _export_name(recipient: str, purpose: str) -> str:
    register = get_register()
    partner = register.recipients.get(recipient)
    rows = ", ".join(register.served_rows(purpose))
    return f"{recipient} {partner.name if partner else ''} ({purpose}, serves {rows})".replace("  ", " ")


def _objecting_items(items: QuerySet[DisclosureItem], purposes: tuple[str, ...]) -> QuerySet[DisclosureItem]:
    """Items whose person objected, when the data went out, to one of `purposes`."""
    standing = {
        f"objecting_{i}": Subquery(
            PrivacyChoice.objects.filter(
                kind=ChoiceKind.OBJECTION,
                subject_id=OuterRef("subject_id"),
                purpose=purpose,
                recorded_at__lt=OuterRef("disclosure__disclosed_at"),
            )
            .order_by("-id")
            .values("decision")[:1]
        )
        for i, purpose in enumerate(purposes)
    }
    anyone = Q()
    for name in standing:
        anyone |= Q(**{name: True})
    return items.annotate(**standing).filter(anyone)


def check_objections(on: dt.date) -> Iterator[Finding]:
    """An export honours an objection to every row it serves (D06): the latest file holds no objector."""
    register = get_register()
    for recipient, purpose, last in _exports():
        honoured = register.honoured_objections(purpose)
        if not honoured:
            continue
        items = DisclosureItem.objects.filter(disclosure__recipient=recipient, disclosure__purpose=purpose)
        now_held = _objecting_items(items.filter(disclosure=last), honoured).count()
        if now_held:
            yield Finding(
                BROKEN,
                "objection",
                f"D06 {_export_name(recipient, purpose)}: {now_held} people went out while objecting "
                f"to a row it serves, in the latest file of {last.disclosed_at:%Y-%m-%d}",
            )
        before = _objecting_items(items.exclude(disclosure=last), honoured).values("subject_id").distinct().count()
        if before:
            yield Finding(
                NOTE,
                "objection",
                f"D06 {_export_name(recipient, purpose)}: {before} people went out in earlier files while "
                "objecting; the latest file replaced them",
            )


def _minor_items(items: QuerySet[DisclosureItem], age: int, disclosures: list[Disclosure]) -> int:
    """How many people were younger than `age` when their data went out in one of `disclosures`."""
    field = birth_date_field()
    cutoffs = {d.pk: Duration(iso=f"P{age}Y", years=age).before(d.disclosed_at.date()) for d in disclosures}
    young = Q(pk__in=[])
    for pk, cutoff in cutoffs.items():
        young |= Q(disclosure_id=pk, **{f"subject__{field}__gt": cutoff})
    return items.filter(young).values("subject_id").distinct().count()


def check_minors(on: dt.date) -> Iterator[Finding]:
    """Nobody under the age a purpose names (16, marketing and profiling) goes into an export of it."""
    register = get_register()
    for recipient, purpose, last in _exports():
        age = register.min_age(purpose)
        if age is None:
            continue
        items = DisclosureItem.objects.filter(disclosure__recipient=recipient, disclosure__purpose=purpose)
        now_held = _minor_items(items, age, [last])
        if now_held:
            yield Finding(
                BROKEN,
                "minors",
                f"{_export_name(recipient, purpose)}: {now_held} people under {age} are in the latest file "
                f"of {last.disclosed_at:%Y-%m-%d}",
            )
        earlier = list(Disclosure.objects.filter(recipient=recipient, purpose=purpose).exclude(pk=last.pk))
        before = _minor_items(items, age, earlier) if earlier else 0
        if before:
            yield Finding(
                NOTE,
                "minors",
                f"{_export_name(recipient, purpose)}: {before} people under {age} were in earlier files; "
                "the latest file replaced them",
            )


@dataclass(frozen=True)
class Selection:
    """A selection or export as its app runs it, asked only who it would take now (nothing is released)."""

    name: str
    purpose: str
    subjects: Callable[[], QuerySet[Any]]  # one column: the subject ids it would take


_selections: dict[str, Selection] = {}


def register_selection(name: str, *, purpose: str, subjects: Callable[[], QuerySet[Any]]) -> None:
    """An app's selection (a marketing selection, the next file of an export), for the check to hold to the
    register: no objector to a row it serves, nobody under its age, no restricted person, and consent where
    its purpose needs it."""
    if purpose not in get_register().purposes:
        raise ValueError(f"'{purpose}' is not a purpose of the register")
    _selections[name] = Selection(name, purpose, subjects)


def selections() -> list[Selection]:
    return list(_selections.values())


def check_selections(on: dt.date) -> Iterator[Finding]:
    register = get_register()
    for selection in _selections.values():
        purpose = selection.purpose
        rows = ", ".join(register.served_rows(purpose))
        taken = selection.subjects()
        honoured = register.honoured_objections(purpose)
        if honoured:
            objecting = taken.filter(**{f"{_column(taken)}__in": objector_ids(honoured)}).count()
            if objecting:
                yield Finding(
                    BROKEN,
                    "objection",
                    f"D06 {selection.name} ({purpose}, serves {rows}): would take {objecting} people "
                    "who object to a row it serves",
                )
        age = register.min_age(purpose)
        if age is not None:
            young = taken.filter(**{f"{_column(taken)}__in": younger_than(age, on)}).count()
            if young:
                yield Finding(
                    BROKEN,
                    "minors",
                    f"{selection.name} ({purpose}, serves {rows}): would take {young} people under {age}",
                )
        if not register.purposes[purpose].system:
            restricted = taken.filter(**{f"{_column(taken)}__in": restricted_ids()}).count()
            if restricted:
                yield Finding(
                    BROKEN,
                    "restriction",
                    f"art. 18 {selection.name} ({purpose}): would take {restricted} people whose processing "
                    "is restricted",
                )
        if purpose in register.consent_purposes():
            without = taken.exclude(**{f"{_column(taken)}__in": consenter_ids(purpose)}).count()
            if without:
                yield Finding(
                    BROKEN,
                    "consent",
                    f"{rows} {selection.name} ({purpose}): would take {without} people without their consent",
                )


def _column(source: QuerySet[Any]) -> str:
    """The one column a source of subject ids selects."""
    query = source.query
    (column, *_rest) = [*query.values_select, *query.annotation_select] or ["pk"]
    return str(column)


def check_consents(on: dt.date) -> Iterator[Finding]:
    """A consent purpose processes nobody without a valid consent: under 16 a guardian gives it."""
    register = get_register()
    children = younger_than(CONSENT_AGE, on)
    for purpose in register.consent_purposes():
        # Each child's latest consent record, where it gives consent: the one the gate goes by.
        alone = (
            PrivacyChoice.objects.filter(pk__in=_latest_consents(purpose), decision=True, subject_id__in=children)
            .filter(Q(given_by__isnull=True) | Q(given_by=F("subject")))
            .count()
        )
        if alone:
            rows = ", ".join(register.served_rows(purpose))
            yield Finding(
                BROKEN,
                "consent",
                f"{rows} ({purpose}): {alone} people under {CONSENT_AGE} are processed on a consent "
                "no parent or guardian gave",
            )


def _latest_consents(purpose: str) -> QuerySet[Any]:
    """The id of each person's latest consent record for `purpose`."""
    return (
        PrivacyChoice.objects.filter(kind=ChoiceKind.CONSENT, purpose=purpose)
        .values("subject_id")
        .annotate(last=Max("id"))
        .values("last")
    )


def check_restrictions(on: dt.date) -> Iterator[Finding]:
    """A restriction request closed as done has its restriction (art. 18)."""
    without = restriction_requests_done_without().count()
    if without:
        yield Finding(
            BROKEN,
            "restriction",
            f"art. 18: {without} restriction requests were closed as done with no restriction applied",
        )


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


def check_analytics(on: dt.date) -> Iterator[Finding]:
    """W04 ("no location data"): Google Analytics 4 derives a location from the address
    (anonymize_ip does nothing in GA4) unless the property's granular location data is
    switched off. With analytics on, the operator confirms that with KOLK_GA_LOCATION_OFF."""
    if getattr(settings, "KOLK_GA_MEASUREMENT_ID", "") and not getattr(settings, "KOLK_GA_LOCATION_OFF", False):
        yield Finding(
            BROKEN,
            "analytics",
            "W04: Google Analytics is on (KOLK_GA_MEASUREMENT_ID) but the property's granular location and "
            "device data collection is not confirmed off (KOLK_GA_LOCATION_OFF=true): GA4 derives a location",
        )


register_check("retention", check_retention)
register_check("disclosures", check_disclosures)
register_check("objections", check_objections)
register_check("minors", check_minors)
register_check("selections", check_selections)
register_check("consents", check_consents)
register_check("restrictions", check_restrictions)
register_check("field map", check_field_map)
register_check("audit chain", check_audit)
register_check("statement gaps", check_statement_gaps)
register_check("analytics", check_analytics)


def run_checks(on: dt.date | None = None) -> list[Finding]:
    on = on or today()
    return [finding for check in _checks.values() for finding in check(on)]
