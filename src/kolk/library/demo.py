"""Demo library: branches, subscription types and loan rules, a few thousand titles with
copies, subscriptions for the demo people of all ages (families share one), a school
with pupils, two years of past loans (with their monthly counts), current and
overdue loans, reservations waiting and ready, and invoiced fees.

The catalogue and the loan history are bulk-inserted (thousands of rows); members,
current loans, reservations and invoices go through the services.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter

from stdnum import ean

from kolk.core.clock import now, today
from kolk.core.demo import DemoContext
from kolk.core.errors import KolkError
from kolk.library.models import Branch, Copy, Loan, LoanCount, LoanRule, MediaType, SubscriptionType, Title
from kolk.library.reading import READING_HISTORY, RULE
from kolk.library.services.catalogue import search_text_for
from kolk.library.services.invoicing import fees_invoice
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import profile_refresh, subscription_start
from kolk.library.services.reservations import reservation_place
from kolk.library.services.schools import pupils_import, school_create
from kolk.people.models import Person, User
from kolk.people.services import staff_home_branch_set
from kolk.privacy.ledger import consenter_ids
from kolk.privacy.register import get_register

TITLES = 3000
BRANCHES = [
    ("assen", "DNK Assen"),
    ("beilen", "Bibliotheek Beilen"),
    ("rolde", "Bibliotheek Rolde"),
    ("vries", "Bibliotheek Vries"),
]
TYPES = [
    # code, name, period, young adult, adult, max loans, reservation fee, family
    ("basis", "Basis", "yearly", 2500, 4950, 10, 100, False),
    ("compleet", "Compleet", "yearly", 3900, 7900, 20, 0, False),
    ("compleet-maand", "Compleet per maand", "monthly", 350, 700, 20, 0, False),
    ("gezin", "Gezin", "yearly", 5900, 9900, 40, 0, True),
]
RULES = [
    # media type, loan days, renewals, max of the type, fine per day (cents)
    (MediaType.BOOK, 21, 2, 20, 25),
    (MediaType.MAGAZINE, 14, 1, 5, 10),
    (MediaType.CD, 21, 1, 5, 25),
    (MediaType.DVD, 7, 1, 3, 50),
    (MediaType.FILM, 7, 1, 3, 50),
    (MediaType.AUDIOBOOK, 21, 2, 5, 25),
]
SUBJECTS = [
    "Tweede Wereldoorlog",
    "Drenthe",
    "Detective",
    "Romans",
    "Kookboeken",
    "Reizen",
    "Geschiedenis",
    "Natuur",
    "Prentenboeken",
    "Fantasy",
    "Sport",
    "Kunst",
    "Muziek",
    "Psychologie",
    "Streektaal",
]
MEDIA_WEIGHTS = [
    (MediaType.BOOK, 70),
    (MediaType.MAGAZINE, 6),
    (MediaType.CD, 6),
    (MediaType.DVD, 6),
    (MediaType.FILM, 4),
    (MediaType.AUDIOBOOK, 8),
]


def _isbn(ctx: DemoContext) -> str:
    body = "97890" + "".join(str(ctx.random.randint(0, 9)) for _ in range(7))
    return body + ean.calc_check_digit(body)


def _catalogue(ctx: DemoContext, branches: list[Branch]) -> list[Copy]:
    fake, rnd = ctx.faker, ctx.random
    media = [m for m, w in MEDIA_WEIGHTS for _ in range(w)]
    titles = []
    for i in range(TITLES):
        kind = rnd.choice(media)
        title = Title(
            media_type=kind,
            title=fake.sentence(nb_words=rnd.randint(2, 6)).rstrip("."),
            authors=fake.name(),
            isbn=_isbn(ctx) if kind in (MediaType.BOOK, MediaType.AUDIOBOOK) else "",
            subjects="; ".join(rnd.sample(SUBJECTS, rnd.randint(1, 3))),
            year=rnd.randint(1950, today().year),
            control_number=f"DEMO{i:06d}",
        )
        title.search_text = search_text_for(title)
        titles.append(title)
    Title.objects.bulk_create(titles, batch_size=1000)
    saved = list(Title.objects.filter(control_number__startswith="DEMO").order_by("pk"))
    copies = []
    serial = 0
    for title in saved:
        for _ in range(rnd.choice([1, 1, 2, 3])):
            serial += 1
            copies.append(Copy(title=title, barcode=f"3{serial:09d}", branch=rnd.choice(branches)))
    Copy.objects.bulk_create(copies, batch_size=2000)
    return list(Copy.objects.select_related("title").order_by("pk"))


def _history(ctx: DemoContext, members: list[Person], copies: list[Copy]) -> None:
    """Two years of returned loans, with the monthly counts the checkout would have kept.

    As kolk would hold them: a loan returned longer ago than rule `loans_returned` allows
    has lost its borrower (the count stays), unless they keep a reading history.
    """
    rnd = ctx.random
    loans: list[Loan] = []
    counts: Counter[tuple[int, dt.date]] = Counter()
    start = today() - dt.timedelta(days=730)
    keepers = set(consenter_ids(READING_HISTORY).values_list("subject_id", flat=True))
    cutoff = get_register().retention[RULE].duration.before(today())
    for person in members:
        for _ in range(rnd.randint(0, 40)):
            out = start + dt.timedelta(days=rnd.randint(0, 700))
            at = dt.datetime.combine(out, dt.time(10 + rnd.randint(0, 7), rnd.randint(0, 59)), tzinfo=dt.UTC)
            back = at + dt.timedelta(days=rnd.randint(3, 30))
            loans.append(
                Loan(
                    copy=rnd.choice(copies),
                    person=person if person.pk in keepers or back.date() > cutoff else None,
                    checked_out_at=at,
                    due_on=out + dt.timedelta(days=21),
                    returned_at=back,
                )
            )
            counts[(person.pk, out.replace(day=1))] += 1
    Loan.objects.bulk_create(loans, batch_size=2000)
    LoanCount.objects.bulk_create(
        [LoanCount(person_id=pk, month=month, count=n) for (pk, month), n in counts.items()], batch_size=2000
    )


def _reserve(title: Title, person: Person, branch: Branch) -> None:
    with contextlib.suppress(KolkError):  # already reserved by this member: the demo goes on
        reservation_place(title=title, person=person, pickup_branch=branch, actor=None)


def seed_demo(ctx: DemoContext, *, load: bool) -> None:
    if not load:
        return
    rnd = ctx.random
    branches = [Branch.objects.create(code=c, name=n) for c, n in BRANCHES]
    # The desk's demo logins work in Assen: it comes first when they choose the workstation at sign-in.
    for staff in User.objects.filter(username__in=("balie", "bieb"), person__isnull=True):
        staff_home_branch_set(user=staff, branch_code=branches[0].code, actor=None)
    types = {
        code: SubscriptionType.objects.create(
            code=code,
            name=name,
            period=period,
            fee_young_adult_cents=young,
            fee_adult_cents=adult,
            max_loans=max_loans,
            reservation_fee_cents=fee,
            is_family=family,
        )
        for code, name, period, young, adult, max_loans, fee, family in TYPES
    }
    LoanRule.objects.bulk_create(
        [LoanRule(media_type=m, loan_days=d, renewals=r, max_loans=x, fine_per_day_cents=f) for m, d, r, x, f in RULES]
    )
    copies = _catalogue(ctx, branches)

    people = list(Person.objects.filter(pk__in=ctx.shared.get("people", [])).order_by("pk"))
    members: list[Person] = []
    families: set[int] = set()
    started = today() - dt.timedelta(days=rnd.randint(30, 300))
    for i, person in enumerate(people):
        if person.household_id is not None:
            if person.household_id in families:
                members.append(person)  # borrows on the family subscription
                continue
            families.add(person.household_id)
            kind = types["gezin"]
        else:
            kind = types[("basis", "compleet", "compleet-maand")[i % 3]]
        if i % 11 == 5:
            continue  # not every demo person is a library member
        subscription_start(person=person, type=kind, actor=None, id_seen=True, started_on=started)
        members.append(person)

    school = school_create(
        name="obs De Vlinder", brin="07XY", town="Assen", actor=None, starts_on=dt.date(today().year - 1, 8, 1)
    )
    fake = ctx.faker
    rows = ["voornaam;tussenvoegsel;achternaam;geboortedatum;klas;leerjaar"]
    for n in range(24):
        leerjaar = 3 + n % 6
        born = today() - dt.timedelta(days=365 * (5 + leerjaar) + rnd.randint(0, 300))
        rows.append(f"{fake.first_name()};;{fake.last_name()};{born:%Y-%m-%d};{leerjaar}{'ab'[n % 2]};{leerjaar}")
    pupils_import(school=school, text="\n".join(rows) + "\n", actor=None)

    _history(ctx, members, copies)
    available = [c for c in copies if c.status == Copy.Status.AVAILABLE]
    rnd.shuffle(available)
    lent: list[Copy] = []
    for person in members:
        for _ in range(rnd.randint(0, 4)):
            copy = available.pop()
            loan = loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
            lent.append(copy)
            if rnd.random() < 0.15:  # some are late
                Loan.objects.filter(pk=loan.pk).update(due_on=today() - dt.timedelta(days=rnd.randint(1, 40)))
    for person in members[::3]:
        copy = rnd.choice(lent)
        if Loan.objects.filter(copy=copy, person=person, returned_at__isnull=True).exists():
            continue
        _reserve(copy.title, person, rnd.choice(branches))
    for person in members[1::4]:
        _reserve(available.pop().title, person, branches[0])
    for person in members[::5]:
        fees_invoice(person=person, actor=None)
    for person in members:
        profile_refresh(person=person)
    ctx.shared["library"] = {"members": len(members), "copies": len(copies), "at": now().isoformat()}
