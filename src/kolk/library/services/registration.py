"""Registering a member or a whole family at the desk in one step.

Adults and children share an address; with more than one person a household is
made, children get the first adult as guardian, a second adult is the first's
partner. A family type gives the household one subscription (held by the first
adult); otherwise each person gets their own. All or nothing: one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from stdnum import luhn

from kolk.comms.newsletter import newsletter_subscribe
from kolk.core.actors import Actor
from kolk.library.models import SubscriptionType
from kolk.library.services.members import subscription_start
from kolk.people.models import FamilyRelation, Person
from kolk.people.services import family_relation_add, household_create, person_create
from kolk.privacy.ledger import consent_record, objection_record


@dataclass
class NewPerson:
    given_name: str
    date_of_birth: dt.date | None
    email: str = ""
    phone: str = ""
    pass_number: str = ""  # the new card the desk scanned; empty: kolk makes one


def pass_number_check(number: str) -> str:
    """A scanned library card: 14 digits with a Luhn check digit, on nobody's record yet."""
    number = number.strip()
    if not (len(number) == 14 and number.isdigit() and luhn.is_valid(number)):
        raise ValidationError(_("Dit is geen pasnummer: scan de nieuwe pas opnieuw (14 cijfers)."), code="pass")
    if Person.objects.filter(pass_number=number).exists():
        raise ValidationError(_("Deze pas hoort al bij iemand anders: neem een nieuwe pas."), code="pass_taken")
    return number


def possible_duplicates(*, surname: str, people: list[NewPerson]) -> list[Person]:
    """People kolk already knows who may be one of these: the same name and birth date, or the same email address."""
    match = Q(pk__in=[])
    for new in people:
        if new.date_of_birth is not None:
            match |= Q(
                given_name__iexact=new.given_name.strip(),
                surname__iexact=surname.strip(),
                date_of_birth=new.date_of_birth,
            )
        if new.email:
            match |= Q(emails__address__iexact=new.email.strip())
    return list(Person.objects.filter(match).distinct().order_by("surname", "given_name", "pk")[:10])


@transaction.atomic
def members_register(
    *,
    adults: list[NewPerson],
    children: list[NewPerson],
    surname: str,
    address: dict[str, Any],
    type: SubscriptionType,
    id_seen: bool,
    actor: Actor,
    surname_prefix: str = "",
    newsletter: bool = True,
    reading_advice: bool = False,
) -> list[Person]:
    """Create the people, their family relations and subscription(s); returns adults first.

    The adults' email addresses go on the newsletter list, as the statement says
    (N01); the desk offers the opt-out at that moment, and saying no
    (`newsletter=False`) is recorded as an objection. An adult who says yes to
    reminders and reading advice gives that consent at the desk (method "desk",
    the staff member as actor). A scanned new card becomes the pass number.
    """
    if not adults:
        raise ValueError("at least one adult")
    people: list[Person] = []
    for new in (*adults, *children):
        people.append(
            person_create(
                given_name=new.given_name,
                surname_prefix=surname_prefix,
                surname=surname,
                date_of_birth=new.date_of_birth,
                emails=[new.email] if new.email else [],
                phones=[new.phone] if new.phone else [],
                with_pass=True,
                actor=actor,
                **address,
            )
        )
    for person, new in zip(people, (*adults, *children), strict=True):
        if new.pass_number:
            person.pass_number = pass_number_check(new.pass_number)
            person.save(update_fields=["pass_number"])
    grown, kids = people[: len(adults)], people[len(adults) :]
    if len(people) > 1:
        household = household_create(name=f"Familie {people[0].surname}", members=people, actor=actor)
        for person in people:
            person.household = household
    if len(grown) > 1:
        family_relation_add(person=grown[0], relative=grown[1], kind=FamilyRelation.Kind.PARTNER, actor=actor)
    for kid in kids:
        family_relation_add(person=kid, relative=grown[0], kind=FamilyRelation.Kind.GUARDIAN, actor=actor)
    holders = [grown[0]] if type.is_family else people
    for person in holders:
        subscription_start(person=person, type=type, id_seen=id_seen, actor=actor)
    for person in grown if reading_advice else []:
        consent_record(subject=person, purpose="notices_advice", given=True, method="desk", actor=actor)
    for person, new in zip(grown, adults, strict=True):
        if not new.email:
            continue
        if newsletter:
            newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=actor)
        else:
            objection_record(subject=person, purpose="newsletter", objects=True, method="desk", actor=actor)
    return people
