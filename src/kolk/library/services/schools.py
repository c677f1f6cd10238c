"""School subscriptions (S01): schools, the service to a school, and the pupils' CSV.

The school supplies pupils with class and leerjaar. An import checks every row
first; if any row is bad it reports each by line number and imports nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.core.validators import normalize_name, validate_birth_date
from kolk.library.models import Enrolment, School, SchoolService, Subscription, SubscriptionType
from kolk.library.services.members import profile_refresh, subscription_end, subscription_start
from kolk.people.services import person_create
from kolk.privacy.audit import audit_log

COLUMNS = ("voornaam", "tussenvoegsel", "achternaam", "geboortedatum", "klas", "leerjaar")
SCHOOL_TYPE = "school"


@transaction.atomic
def school_create(*, name: str, brin: str, actor: Actor, town: str = "", starts_on: dt.date | None = None) -> School:
    brin = brin.strip().upper()
    school = School(name=normalize_name(name), brin=brin, town=town.strip())
    school.full_clean()
    school.save()
    SchoolService.objects.create(school=school, starts_on=starts_on or today())
    audit_log(actor=actor, action="school.created", details={"school": school.pk})
    return school


def school_service_current(school: School) -> SchoolService:
    service = school.services.filter(ends_on__isnull=True).order_by("-starts_on").first()
    if service is None:
        raise ValidationError({"school": [_("Deze school heeft geen lopende dienstverlening.")]})
    return service


@transaction.atomic
def school_service_end(*, service: SchoolService, ends_on: dt.date, actor: Actor) -> SchoolService:
    """End the service: the retention event `school_service_ended` starts at `ends_on`."""
    service.ends_on = ends_on
    service.save(update_fields=["ends_on"])
    subscriptions = Subscription.objects.filter(
        person__school_enrolments__service=service, type__is_school=True
    ).exclude(status=Subscription.Status.ENDED)
    for subscription in subscriptions:
        subscription_end(subscription=subscription, actor=actor, on=ends_on, reason="school_ended")
    audit_log(actor=actor, action="school_service.ended", details={"service": service.pk})
    return service


@dataclass
class PupilRow:
    line: int
    given_name: str
    surname_prefix: str
    surname: str
    date_of_birth: dt.date
    class_name: str
    leerjaar: int


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def pupils_parse(text: str) -> tuple[list[PupilRow], list[str]]:
    """Parse the school's CSV (; or , separated, header row); return rows and errors by line."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header and c != "tussenvoegsel"]
    if missing:
        return [], [_("regel 1: kolommen ontbreken: %(cols)s") % {"cols": ", ".join(missing)}]
    rows: list[PupilRow] = []
    errors: list[str] = []
    for raw in reader:
        line = reader.line_num
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        problems = []
        given, surname = values.get("voornaam", ""), values.get("achternaam", "")
        if not given or not surname:
            problems.append(_("voornaam en achternaam zijn verplicht"))
        born = None
        try:
            born = _parse_date(values.get("geboortedatum", ""))
            validate_birth_date(born)
        except (ValueError, ValidationError):
            problems.append(_("geboortedatum '%(v)s' is geen geldige datum") % {"v": values.get("geboortedatum", "")})
        klas = values.get("klas", "")
        if not klas or len(klas) > 20:
            problems.append(_("klas ontbreekt of is te lang"))
        try:
            leerjaar = int(values.get("leerjaar", ""))
            if not 1 <= leerjaar <= 8:
                raise ValueError
        except ValueError:
            leerjaar = 0
            problems.append(_("leerjaar moet een getal van 1 tot en met 8 zijn"))
        if problems:
            errors.append(_("regel %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)})
            continue
        assert born is not None
        rows.append(
            PupilRow(
                line,
                normalize_name(given),
                values.get("tussenvoegsel", ""),
                normalize_name(surname),
                born,
                klas,
                leerjaar,
            )
        )
    return rows, errors


@transaction.atomic
def pupils_import(*, school: School, text: str, actor: Actor) -> ImportResult:
    """Import a school's pupils; with any bad row nothing is imported and every bad line is reported."""
    service = school_service_current(school)
    rows, errors = pupils_parse(text)
    if errors:
        return ImportResult(errors=errors)
    school_type, _created = SubscriptionType.objects.get_or_create(
        code=SCHOOL_TYPE, defaults={"name": "School", "is_school": True, "max_loans": 10}
    )
    existing = {
        (e.person.given_name, e.person.surname, e.person.date_of_birth): e
        for e in Enrolment.objects.filter(service=service).select_related("person")
    }
    result = ImportResult()
    for row in rows:
        enrolment = existing.get((row.given_name, row.surname, row.date_of_birth))
        if enrolment is not None:
            if (enrolment.class_name, enrolment.leerjaar) != (row.class_name, row.leerjaar):
                enrolment.class_name, enrolment.leerjaar = row.class_name, row.leerjaar
                enrolment.save(update_fields=["class_name", "leerjaar"])
                result.updated += 1
            continue
        person = person_create(
            given_name=row.given_name,
            surname_prefix=row.surname_prefix,
            surname=row.surname,
            date_of_birth=row.date_of_birth,
            with_pass=True,
            actor=actor,
        )
        Enrolment.objects.create(person=person, service=service, class_name=row.class_name, leerjaar=row.leerjaar)
        subscription_start(person=person, type=school_type, actor=actor, id_seen=False, started_on=service.starts_on)
        profile_refresh(person=person, pupil=True)
        result.created += 1
    audit_log(
        actor=actor,
        action="school.pupils_imported",
        details={"school": school.pk, "created": result.created, "updated": result.updated},
    )
    return result
