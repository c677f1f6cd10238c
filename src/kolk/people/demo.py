"""Demo people: one staff login per role and a few households in and around Assen."""

from __future__ import annotations

import datetime as dt

from kolk.core.clock import today
from kolk.core.demo import DemoContext
from kolk.core.models import SeedRun
from kolk.core.otp import totp_demo_device
from kolk.core.roles import STRONG_ROLES, Role
from kolk.people.models import FamilyRelation, Gender, Person, User
from kolk.people.services import family_relation_add, household_create, person_create, user_create
from kolk.privacy.ledger import consent_record, objection_record

STAFF = [
    ("balie", Role.DESK, "Sanne", "Bakker"),
    ("bieb", Role.LIBRARY_STAFF, "Joost", "de Vries"),
    ("kassa", Role.BOX_OFFICE, "Fatima", "El Amrani"),
    ("marketing", Role.MARKETING, "Lotte", "Visser"),
    ("privacy", Role.PRIVACY_OFFICER, "Henk", "Mulder"),
    ("beheer", Role.ADMINISTRATOR, "Ingrid", "Smit"),
]
SUFFIXES = ["AB", "BC", "CD", "ET", "GK", "HL", "JM", "KN", "LP", "MR", "NT", "PV", "RW", "TX", "VZ"]
TOWNS = [
    ("Assen", "9401"),
    ("Assen", "9403"),
    ("Assen", "9405"),
    ("Beilen", "9411"),
    ("Rolde", "9451"),
    ("Vries", "9481"),
]


def _birth(ctx: DemoContext, age: int) -> dt.date:
    return today() - dt.timedelta(days=365 * age + ctx.random.randint(0, 364))


def seed_demo(ctx: DemoContext, *, load: bool) -> None:
    for username, role, _first, _last in STAFF:
        second = (
            f"; second factor: `kolk otp code {username}`, or scan `kolk otp url {username}`"
            if role in STRONG_ROLES
            else ""
        )
        ctx.login(username, role.label + second)
    ctx.login("lid", Role.MEMBER.label)
    if not load:
        ctx.shared.setdefault("people", _loaded_people())
        return
    for username, role, first, last in STAFF:
        user = user_create(
            username=username, password=ctx.faker.password(), roles=[role], actor=None, first_name=first, last_name=last
        )
        user.set_password(_password())
        user.is_superuser = role is Role.ADMINISTRATOR
        user.save(update_fields=["password", "is_superuser"])
        if role in STRONG_ROLES:
            totp_demo_device(user)
    fake = ctx.faker
    people = []
    for i in range(24):
        town, pc = TOWNS[i % len(TOWNS)]
        surname = fake.last_name()
        prefix, _sep, rest = (
            surname.rpartition(" ") if surname.startswith(("van ", "de ", "van der ", "ter ")) else ("", "", surname)
        )
        adult = person_create(
            given_name=fake.first_name(),
            surname_prefix=prefix,
            surname=rest,
            street=fake.street_name(),
            house_number=ctx.random.randint(1, 180),
            postcode=f"{pc} {ctx.random.choice(SUFFIXES)}",
            town=town,
            gender=ctx.random.choice([Gender.FEMALE, Gender.MALE, Gender.OTHER]),
            date_of_birth=_birth(ctx, ctx.random.randint(19, 88)),
            emails=[f"{fake.user_name()}{i}@example.nl"],
            phones=[f"061{ctx.random.randint(1000000, 9999999)}"],
            with_pass=True,
            actor=None,
        )
        people.append(adult)
        if i % 4 == 0:  # a family: a partner and a child under 16 with the adult as guardian
            partner = person_create(
                given_name=fake.first_name(),
                surname=rest,
                surname_prefix=prefix,
                street=adult.street,
                house_number=adult.house_number,
                postcode=adult.postcode,
                town=town,
                date_of_birth=_birth(ctx, ctx.random.randint(25, 60)),
                with_pass=True,
                actor=None,
            )
            child = person_create(
                given_name=fake.first_name(),
                surname=rest,
                surname_prefix=prefix,
                street=adult.street,
                house_number=adult.house_number,
                postcode=adult.postcode,
                town=town,
                date_of_birth=_birth(ctx, ctx.random.randint(4, 15)),
                with_pass=True,
                actor=None,
            )
            household_create(name=f"Familie {adult.surname}", members=[adult, partner, child], actor=None)
            family_relation_add(person=adult, relative=partner, kind=FamilyRelation.Kind.PARTNER, actor=None)
            family_relation_add(person=child, relative=adult, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
            consent_record(
                subject=child, purpose="notices_advice", given=True, method="desk", given_by=adult, actor=None
            )
            people += [partner, child]
        if i % 3 == 0:
            consent_record(subject=adult, purpose="notices_advice", given=True, method="web", actor=None)
        if i % 5 == 1:
            objection_record(subject=adult, purpose="offers", channel="phone", objects=True, method="phone", actor=None)
        if i % 7 == 2:
            objection_record(subject=adult, purpose="marketing_analysis", objects=True, method="desk", actor=None)
    member = people[0]
    user_create(username="lid", password=_password(), roles=[Role.MEMBER], person=member, actor=None)
    consent_record(subject=member, purpose="website_access", given=True, method="web", actor=None)
    # The demo member keeps a reading history (off for everyone else, as by default): the portal shows it.
    consent_record(subject=member, purpose="reading_history", given=True, method="web", actor=None)
    ctx.shared["people"] = [p.pk for p in people]
    assert User.objects.filter(username="balie").exists()


def _loaded_people() -> list[int]:
    """The demo people an earlier run loaded, for the modules after this one when a run resumes."""
    finished = SeedRun.objects.filter(key=__name__).values_list("finished_at", flat=True).first()
    if finished is None:
        return []
    return list(Person.objects.filter(created_at__lte=finished).order_by("pk").values_list("pk", flat=True))


def _password() -> str:
    from kolk.core.demo import DEMO_PASSWORD

    return DEMO_PASSWORD
