"""Scale people: a province's members in households (singles, couples, families with
guardians), pupils of schools, and former members, with Dutch names and addresses.

The plan draws the whole population (cheap: tuples from precomputed pools of
Faker names and streets); the phase writes it. Other apps read the plan through
`people_plan(ctx)`: ids, ages, households, guardians, who left and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from kolk.core.scale import ScaleContext, luhn_digit
from kolk.people.models import EmailAddress, FamilyRelation, Household, Person, PhoneNumber

ORDER = 10

# Towns of Drenthe: (name, first postcode, last postcode, weight by population).
TOWNS = [
    ("Assen", 9401, 9409, 68),
    ("Emmen", 7811, 7828, 56),
    ("Hoogeveen", 7901, 7908, 40),
    ("Meppel", 7941, 7944, 34),
    ("Coevorden", 7741, 7742, 15),
    ("Roden", 9301, 9302, 15),
    ("Beilen", 9411, 9412, 10),
    ("Zuidlaren", 9471, 9472, 10),
    ("Klazienaveen", 7891, 7892, 12),
    ("Nieuw-Amsterdam", 7833, 7833, 6),
    ("Westerbork", 9431, 9431, 5),
    ("Gieten", 9461, 9461, 5),
    ("Borger", 9531, 9531, 5),
    ("Vries", 9481, 9481, 5),
    ("Rolde", 9451, 9451, 5),
    ("Dwingeloo", 7991, 7991, 3),
    ("Peize", 9321, 9321, 5),
    ("Eelde", 9761, 9761, 7),
    ("Schoonebeek", 7761, 7761, 4),
    ("Zuidwolde", 7921, 7921, 4),
]
# Postcode letters: F, I, O, Q, U and Y are not used; SA, SD and SS never occur.
LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
SUFFIXES = ["", "", "", "", "", "", "", "", "a", "b", "A", "-1", "-2"]
MAIL_DOMAINS = ["example.nl", "example.com", "example.org", "voorbeeld.example.nl"]


@dataclass
class Someone:
    """One person of the plan."""

    given: str
    prefix: str
    surname: str
    gender: str
    born: dt.date
    address: tuple[str, int, str, str, str]  # street, number, suffix, postcode, town
    household: int | None  # index into PeoplePlan.households
    role: str  # "own" (own subscription), "holder" (family subscription), "family" (borrows on it), "pupil"
    since: dt.date  # joined
    left_on: dt.date | None = None  # left: the subscription ended that day
    school: int | None = None
    leerjaar: int = 0
    email: str = ""
    phone: str = ""


@dataclass
class PeoplePlan:
    first_id: int
    first_household_id: int
    people: list[Someone] = field(default_factory=list)
    households: list[str] = field(default_factory=list)  # names
    guardians: list[tuple[int, int]] = field(default_factory=list)  # (child, guardian) indexes
    partners: list[tuple[int, int]] = field(default_factory=list)
    schools: int = 0

    def pk(self, index: int) -> int:
        return self.first_id + index


def people_plan(ctx: ScaleContext) -> PeoplePlan:
    plan: PeoplePlan = ctx.shared["people"]
    return plan


class _Pools:
    def __init__(self, ctx: ScaleContext) -> None:
        fake = Faker("nl_NL")
        fake.seed_instance(ctx.seed)
        self.female = sorted({fake.first_name_female() for _ in range(600)})
        self.male = sorted({fake.first_name_male() for _ in range(600)})
        self.surnames = sorted({fake.last_name() for _ in range(1500)})
        self.streets = sorted({fake.street_name() for _ in range(900)})
        self.towns = [t for t in TOWNS for _ in range(t[3])]


def _split_surname(name: str) -> tuple[str, str]:
    for prefix in ("van der ", "van den ", "van de ", "van ", "de ", "ter ", "ten ", "den ", "in 't ", "'t "):
        if name.startswith(prefix):
            return prefix.strip(), name[len(prefix) :]
    return "", name


def _ascii(text: str) -> str:
    keep = "".join(c for c in text.lower() if c.isalnum())
    return keep.encode("ascii", "ignore").decode() or "lid"


def plan(ctx: ScaleContext) -> None:
    """Draw the population: households until the members are there, then the pupils."""
    rnd = ctx.rng("people.plan")
    pools = _Pools(ctx)
    today = ctx.today
    result = PeoplePlan(first_id=ctx.first_id(Person), first_household_id=ctx.first_id(Household))
    people = result.people

    def born(age_low: int, age_high: int) -> dt.date:
        return today - dt.timedelta(days=rnd.randint(age_low * 365, age_high * 365 + 364))

    def address() -> tuple[str, int, str, str, str]:
        town, low, high, _w = rnd.choice(pools.towns)
        postcode = f"{rnd.randint(low, high)} {rnd.choice(LETTERS[:-1])}{rnd.choice(LETTERS)}"
        if postcode.endswith(("SA", "SD", "SS")):
            postcode = postcode[:-1] + "T"
        return rnd.choice(pools.streets), rnd.randint(1, 250), rnd.choice(SUFFIXES), postcode, town

    def person(surname: str, age: tuple[int, int], addr: Any, household: int | None, role: str, since: Any) -> int:
        gender = rnd.choice("ffffmmmmx") if rnd.random() < 0.97 else ""
        given = rnd.choice(pools.female if gender == "f" or (gender in "x" and rnd.random() < 0.5) else pools.male)
        prefix, rest = _split_surname(surname)
        birth = born(*age)
        index = len(people)
        email = phone = ""
        adult = (today - birth).days >= 16 * 365
        if adult and rnd.random() < 0.85:
            email = f"{_ascii(given)}.{_ascii(rest)}{ctx.seed % 1000}{index}@{rnd.choice(MAIL_DOMAINS)}"
        if adult and rnd.random() < 0.7:
            phone = f"+316{rnd.randint(10000000, 99999999)}"
        joined = max(birth, since)
        people.append(
            Someone(given, prefix, rest, gender, birth, addr, household, role, joined, email=email, phone=phone)
        )
        return index

    active = 0
    pupils = round(ctx.members * 0.08)
    target = ctx.members - pupils
    while active < target:
        kind = rnd.random()
        since = today - dt.timedelta(days=rnd.randint(20, 20 * 365))
        surname = rnd.choice(pools.surnames)
        addr = address()
        former = kind < 0.55 and rnd.random() < 0.25
        if kind < 0.38:  # on their own
            age = (18, 95) if rnd.random() < 0.8 else (65, 95)
            members = [person(surname, age, addr, None, "own", since)]
        elif kind < 0.55:  # a couple, each with their own subscription
            household = len(result.households)
            result.households.append(f"Huishouden {surname}")
            a = person(surname, (25, 90), addr, household, "own", since)
            b = person(rnd.choice(pools.surnames), (25, 90), addr, household, "own", since)
            result.partners.append((a, b))
            members = [a, b]
        else:  # a family on one family subscription; the parents are the children's guardians
            household = len(result.households)
            result.households.append(f"Familie {surname}")
            oldest = rnd.randint(0, 17)
            parent_age = (oldest + 22, oldest + 42)
            adults = [person(surname, parent_age, addr, household, "holder", since)]
            if rnd.random() < 0.8:
                adults.append(person(rnd.choice(pools.surnames), parent_age, addr, household, "family", since))
                result.partners.append((adults[0], adults[1]))
            children = [person(surname, (oldest, oldest), addr, household, "family", since)]
            for _ in range(rnd.choice([0, 1, 1, 2])):
                children.append(person(surname, (0, oldest), addr, household, "family", since))
            result.guardians += [(c, a) for c in children for a in adults]
            members = adults + children
        if former:
            left = today - dt.timedelta(days=rnd.randint(1, 8 * 365))
            for m in members:
                people[m].left_on = left
                people[m].since = min(people[m].since, left - dt.timedelta(days=rnd.randint(200, 3000)))
        else:
            active += len(members)
    result.schools = ctx.count(100, minimum=2)
    for _ in range(pupils):
        leerjaar = rnd.randint(1, 8)
        index = person(rnd.choice(pools.surnames), (leerjaar + 3, leerjaar + 4), address(), None, "pupil", today)
        people[index].school = rnd.randrange(result.schools)
        people[index].leerjaar = leerjaar
    ctx.shared["people"] = result


def pass_number(pk: int) -> str:
    """A scale member's pass number: 14 digits with a Luhn check digit, from the id."""
    body = f"29{pk:011d}"
    return body + luhn_digit(body)


def customer_number(pk: int) -> str:
    body = f"9{pk:07d}"
    return body + luhn_digit(body)


def _persons(ctx: ScaleContext, p: PeoplePlan, household_base: int) -> Any:
    for i, s in enumerate(p.people):
        pk = p.pk(i)
        joined = ctx.at(s.since, 36000 + pk % 28800)
        street, number, suffix, postcode, town = s.address
        yield (
            pk,
            s.given,
            s.prefix,
            s.surname,
            street,
            number,
            suffix,
            postcode,
            town,
            s.gender,
            s.born,
            pass_number(pk) if s.role != "pupil" else None,
            customer_number(pk),
            household_base + s.household if s.household is not None else None,
            joined,
            joined,
        )


def seed_people(ctx: ScaleContext) -> int:
    p = people_plan(ctx)
    hh = p.first_household_id
    at = ctx.at(ctx.today - dt.timedelta(days=3000))
    rows = ctx.copy_rows(
        Household, ["id", "name", "created_at"], ((hh + i, name, at) for i, name in enumerate(p.households))
    )
    rows += ctx.copy_rows(
        Person,
        [
            "id",
            "given_name",
            "surname_prefix",
            "surname",
            "street",
            "house_number",
            "house_number_suffix",
            "postcode",
            "town",
            "gender",
            "date_of_birth",
            "pass_number",
            "customer_number",
            "household",
            "created_at",
            "updated_at",
        ],
        _persons(ctx, p, hh),
        total=len(p.people),
    )
    first = ctx.first_id(EmailAddress)
    emails = ((i, s.email) for i, s in enumerate(p.people) if s.email)
    rows += ctx.copy_rows(
        EmailAddress,
        ["id", "person", "address", "is_primary"],
        ((first + n, p.pk(i), email, True) for n, (i, email) in enumerate(emails)),
    )
    first = ctx.first_id(PhoneNumber)
    phones = ((i, s.phone) for i, s in enumerate(p.people) if s.phone)
    rows += ctx.copy_rows(
        PhoneNumber,
        ["id", "person", "number", "label"],
        ((first + n, p.pk(i), phone, "mobile") for n, (i, phone) in enumerate(phones)),
    )
    first = ctx.first_id(FamilyRelation)
    relations = [(c, g, "guardian") for c, g in p.guardians] + [(a, b, "partner") for a, b in p.partners]
    rows += ctx.copy_rows(
        FamilyRelation,
        ["id", "person", "relative", "kind", "created_at"],
        ((first + n, p.pk(a), p.pk(b), kind, at) for n, (a, b, kind) in enumerate(relations)),
    )
    return rows


PHASES = [("people", seed_people)]
