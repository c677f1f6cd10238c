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

from django.db import transaction

from kolk.comms.newsletter import newsletter_subscribe
from kolk.core.actors import Actor
from kolk.library.models import SubscriptionType
from kolk.library.services.members import subscription_start
from kolk.people.models import FamilyRelation, Person
from kolk.people.services import family_relation_add, household_create, person_create
from kolk.privacy.ledger import objection_record


@dataclass
class NewPerson:
    given_name: str
    date_of_birth: dt.date | None
    email: str = ""


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
) -> list[Person]:
    """Create the people, their family relations and subscription(s); returns adults first.

    The adults' email addresses go on the newsletter list, as the statement says
    (N01); the desk offers the opt-out at that moment, and saying no
    (`newsletter=False`) is recorded as an objection.
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
                with_pass=True,
                actor=actor,
                **address,
            )
        )
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
    for person, new in zip(grown, adults, strict=True):
        if not new.email:
            continue
        if newsletter:
            newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=actor)
        else:
            objection_record(subject=person, purpose="newsletter", objects=True, method="desk", actor=actor)
    return people
