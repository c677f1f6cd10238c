"""Writes on people: create and correct a person, relations, households, logins.

Every service takes the acting user, runs in one transaction and leaves one
audit entry. Corrections (D03) go through `person_update`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import luhn

from kolk.core.actors import Actor
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from kolk.core.validators import (
    no_control_characters,
    normalize_name,
    normalize_phone,
    normalize_postcode,
    validate_birth_date,
)
from kolk.people.models import EmailAddress, FamilyRelation, Household, Person, PhoneNumber, User
from kolk.privacy.audit import audit_log

NAME_FIELDS = ("given_name", "surname_prefix", "surname", "street", "house_number_suffix", "town")
EDITABLE = (*NAME_FIELDS, "house_number", "postcode", "gender", "date_of_birth")


def _new_number(prefix: str, digits: int) -> str:
    body = prefix + "".join(secrets.choice("0123456789") for _ in range(digits))
    return body + luhn.calc_check_digit(body)


def new_pass_number() -> str:
    """A library pass barcode: 14 digits with a Luhn check digit."""
    return _new_number("2", 12)


def new_customer_number() -> str:
    return _new_number("", 8)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and validate person fields; raise one ValidationError for all."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned = dict(values)
    for name in NAME_FIELDS:
        if name in cleaned:
            try:
                no_control_characters(str(cleaned[name]))
                cleaned[name] = normalize_name(str(cleaned[name]))
            except ValidationError as exc:
                errors.setdefault(name, []).append(exc)
    for name in ("given_name", "surname"):
        if name in cleaned and not cleaned[name]:
            errors.setdefault(name, []).append(ValidationError(_("Dit veld is verplicht."), code="required"))
    if "postcode" in cleaned:
        try:
            cleaned["postcode"] = normalize_postcode(str(cleaned["postcode"] or ""))
        except ValidationError as exc:
            errors.setdefault("postcode", []).append(exc)
    if "date_of_birth" in cleaned:
        try:
            validate_birth_date(cleaned["date_of_birth"])
        except ValidationError as exc:
            errors.setdefault("date_of_birth", []).append(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _full_clean(person: Person) -> None:
    person.full_clean(exclude=["pass_number", "customer_number"], validate_unique=False)


@transaction.atomic
def person_create(
    *,
    given_name: str,
    surname: str,
    actor: Actor,
    surname_prefix: str = "",
    street: str = "",
    house_number: int | None = None,
    house_number_suffix: str = "",
    postcode: str = "",
    town: str = "",
    gender: str = "",
    date_of_birth: dt.date | None = None,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    household: Household | None = None,
    with_pass: bool = False,
) -> Person:
    """Create a person with their contact points; a pass number if they borrow."""
    values = _clean(
        {
            "given_name": given_name,
            "surname_prefix": surname_prefix,
            "surname": surname,
            "street": street,
            "house_number": house_number,
            "house_number_suffix": house_number_suffix,
            "postcode": postcode,
            "town": town,
            "gender": gender,
            "date_of_birth": date_of_birth,
        }
    )
    person = Person(**values, household=household)
    _full_clean(person)
    email_list = [_clean_email(e) for e in emails if e.strip()]
    phone_list = [_clean_phone(p) for p in phones if p.strip()]
    for _attempt in range(5):
        person.customer_number = new_customer_number()
        person.pass_number = new_pass_number() if with_pass else None
        try:
            with transaction.atomic():
                person.save()
            break
        except IntegrityError:  # a number already taken: draw again
            person.pk = None
    else:
        raise RuntimeError("could not draw a free customer number")
    for i, address in enumerate(dict.fromkeys(email_list)):
        EmailAddress.objects.create(person=person, address=address, is_primary=i == 0)
    for number in dict.fromkeys(phone_list):
        PhoneNumber.objects.create(person=person, number=number)
    audit_log(actor=actor, action="person.created", subject=person, details={"pass": with_pass})
    return person


def _clean_email(value: str) -> str:
    from django.core.validators import validate_email

    value = value.strip()
    local, _sep, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}" if local else value
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({"emails": [_("'%(value)s' is geen geldig e-mailadres.") % {"value": value}]}) from exc
    return value


def _clean_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"phones": exc.messages}) from exc


@transaction.atomic
def person_update(*, person: Person, actor: Actor, **changes: Any) -> Person:
    """Correct a person's data (D03); returns the person. Only known fields change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"fields that cannot be changed here: {', '.join(sorted(unknown))}")
    values = _clean(changes)
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    if not changed:
        return person
    for name in changed:
        setattr(person, name, values[name])
    _full_clean(person)
    person.save(update_fields=[*changed, "updated_at"])
    audit_log(actor=actor, action="person.corrected", subject=person, details={"fields": changed})
    return person


@transaction.atomic
def person_emails_set(*, person: Person, emails: Iterable[str], actor: Actor) -> list[str]:
    """Replace a person's email addresses; the first is the primary one."""
    cleaned = list(dict.fromkeys(_clean_email(e) for e in emails if e.strip()))
    person.emails.all().delete()
    EmailAddress.objects.bulk_create(
        [EmailAddress(person=person, address=a, is_primary=i == 0) for i, a in enumerate(cleaned)]
    )
    audit_log(actor=actor, action="person.emails_set", subject=person, details={"count": len(cleaned)})
    return cleaned


@transaction.atomic
def person_phones_set(*, person: Person, phones: Iterable[str], actor: Actor) -> list[str]:
    cleaned = list(dict.fromkeys(_clean_phone(p) for p in phones if p.strip()))
    person.phones.all().delete()
    PhoneNumber.objects.bulk_create([PhoneNumber(person=person, number=n) for n in cleaned])
    audit_log(actor=actor, action="person.phones_set", subject=person, details={"count": len(cleaned)})
    return cleaned


@transaction.atomic
def household_create(*, name: str, members: Iterable[Person], actor: Actor) -> Household:
    household = Household.objects.create(name=normalize_name(name))
    member_ids = [m.pk for m in members]
    Person.objects.filter(pk__in=member_ids).update(household=household)
    audit_log(actor=actor, action="household.created", details={"household": household.pk, "members": member_ids})
    return household


@transaction.atomic
def family_relation_add(*, person: Person, relative: Person, kind: str, actor: Actor) -> FamilyRelation:
    """Record that `relative` is `person`'s guardian or partner."""
    if person.pk == relative.pk:
        raise ValidationError(_("Iemand kan geen relatie met zichzelf hebben."), code="relation_self")
    if kind not in FamilyRelation.Kind.values:
        raise ValidationError(_("Onbekende relatie."), code="relation_kind")
    relation, created = FamilyRelation.objects.get_or_create(person=person, relative=relative, kind=kind)
    if created:
        audit_log(actor=actor, action="relation.added", subject=person, details={"kind": kind, "relation": relation.pk})
    return relation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[Role],
    actor: Actor,
    person: Person | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a login with roles; a member's login is linked to their person."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email, person=person)
    user.is_staff = any(role is not Role.MEMBER for role in roles)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    # A role is a group of the same name; made here if it is missing (a fresh or flushed database).
    user.groups.set([Group.objects.get_or_create(name=role.value)[0] for role in roles])
    audit_log(
        actor=actor,
        action="user.created",
        subject=person,
        details={"user": user.pk, "roles": sorted(r.value for r in roles)},
    )
    return user


@transaction.atomic
def staff_home_branch_set(*, user: User, branch_code: str, actor: Actor) -> User:
    """Set a staff member's own branch (a branch code the caller checked; "" for none): their default workstation."""
    if user.person_id is not None:  # a member's portal login
        raise KolkError(_("Alleen een medewerker heeft een eigen vestiging."), code="not_staff")
    before = user.home_branch
    user.home_branch = branch_code
    user.save(update_fields=["home_branch"])
    audit_log(
        actor=actor,
        action="user.home_branch_set",
        details={"user": user.pk, "from": before, "to": branch_code},
    )
    return user
