"""Scale library: branches, 200,000 titles with 300,000 copies, subscriptions (family,
school, former), schools with pupils, and five years of loans (15 million at the
province) with their counts per person per month.

Borrowing is skewed: each borrower's appetite is drawn from a Pareto distribution,
so a few borrow more than a thousand times in five years and many only a little.
Loans are written per year, each year its own phase; the counts per month of a
year are written with its loans, so they always agree. The copies on loan now are
chosen in the plan: the catalogue marks them on loan, the last year lends them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from faker import Faker

from kolk.core.scale import ScaleContext, months_back
from kolk.library.models import (
    Branch,
    Copy,
    Enrolment,
    Loan,
    LoanCount,
    LoanRule,
    MediaType,
    MemberProfile,
    Reservation,
    School,
    SchoolService,
    Subscription,
    SubscriptionType,
    TargetGroup,
    Title,
)
from kolk.library.services.catalogue import search_text_for
from kolk.library.services.members import add_period
from kolk.library.services.schools import SCHOOL_TYPE
from kolk.people.scale import people_plan

ORDER = 20
YEARS = 5
LOANS = 15_000_000  # at the province, over five years
TITLES = 200_000
COPIES = 300_000
BRANCHES = [
    ("assen", "DNK Assen"),
    ("emmen", "Bibliotheek Emmen"),
    ("hoogeveen", "Bibliotheek Hoogeveen"),
    ("meppel", "Bibliotheek Meppel"),
    ("coevorden", "Bibliotheek Coevorden"),
    ("roden", "Bibliotheek Roden"),
    ("beilen", "Bibliotheek Beilen"),
    ("zuidlaren", "Bibliotheek Zuidlaren"),
    ("klazienaveen", "Bibliotheek Klazienaveen"),
    ("rolde", "Bibliotheek Rolde"),
    ("vries", "Bibliotheek Vries"),
    ("borger", "Bibliotheek Borger"),
]
TYPES = [
    # code, name, period, young adult, adult, max loans, reservation fee, family
    ("basis", "Basis", "yearly", 2500, 4950, 10, 100, False),
    ("compleet", "Compleet", "yearly", 3900, 7900, 20, 0, False),
    ("compleet-maand", "Compleet per maand", "monthly", 350, 700, 20, 0, False),
    ("gezin", "Gezin", "yearly", 5900, 9900, 40, 0, True),
]
RULES = [
    (MediaType.BOOK, 21, 2, 20, 25),
    (MediaType.MAGAZINE, 14, 1, 5, 10),
    (MediaType.CD, 21, 1, 5, 25),
    (MediaType.DVD, 7, 1, 3, 50),
    (MediaType.FILM, 7, 1, 3, 50),
    (MediaType.AUDIOBOOK, 21, 2, 5, 25),
]
MEDIA = [
    m
    for m, w in [("book", 74), ("magazine", 5), ("cd", 5), ("dvd", 5), ("film", 3), ("audiobook", 8)]
    for _ in range(w)
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
    "Thrillers",
    "Jeugdboeken",
    "Strips",
    "Gezondheid",
    "Tuinieren",
]
CHOICES = ["basis", "basis", "compleet", "compleet-maand"]
END_REASONS = ["moved", "moved", "not_used", "not_used", "price", "digital", "deceased", "other"]


@dataclass
class LibraryPlan:
    titles: int
    copies: int
    title_of: list[int]  # per copy
    subscription_of: dict[int, int] = field(default_factory=dict)  # person index -> subscription index
    holders: list[int] = field(default_factory=list)  # subscription index -> person index
    type_of: list[str] = field(default_factory=list)  # subscription index -> type code
    windows: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)  # borrower -> lending window
    per_year: dict[int, list[int]] = field(default_factory=dict)  # borrower -> loans per phase year
    open_loans: list[tuple[int, int, int]] = field(default_factory=list)  # copy, person, days ago
    school_ends: list[dt.date | None] = field(default_factory=list)
    school_starts: list[dt.date] = field(default_factory=list)


def library_plan(ctx: ScaleContext) -> LibraryPlan:
    result: LibraryPlan = ctx.shared["library"]
    return result


def _refs(ctx: ScaleContext) -> SimpleNamespace:
    """Branch and subscription-type ids (made by the reference phase), looked up once."""
    if "library.refs" not in ctx.shared:
        types = {t.code: t for t in SubscriptionType.objects.filter(code__in=[*(t[0] for t in TYPES), SCHOOL_TYPE])}
        branches = list(
            Branch.objects.filter(code__in=[c for c, _n in BRANCHES]).order_by("code").values_list("pk", flat=True)
        )
        ctx.shared["library.refs"] = SimpleNamespace(types=types, branches=branches)
    refs: SimpleNamespace = ctx.shared["library.refs"]
    return refs


def _year_windows(ctx: ScaleContext) -> list[tuple[dt.date, dt.date]]:
    """The phase years: twelve whole months each, the last ending today (inclusive)."""
    months = months_back(ctx.today, YEARS * 12)
    out = []
    for y in range(YEARS):
        start = months[y * 12]
        end = months[y * 12 + 12] if y < YEARS - 1 else ctx.today + dt.timedelta(days=1)
        out.append((start, end))
    return out


def plan(ctx: ScaleContext) -> None:
    rnd = ctx.rng("library.plan")
    people = people_plan(ctx)
    titles, copies = ctx.count(TITLES, 50), ctx.count(COPIES, 80)
    # Popular titles have more copies: the first titles get up to eight.
    title_of = []
    for t in range(titles):
        title_of.append(t)
        if len(title_of) >= copies:
            break
    while len(title_of) < copies:
        title_of.append(min(int(titles * rnd.random() ** 3), titles - 1))
    title_of.sort()
    lp = LibraryPlan(titles=titles, copies=copies, title_of=title_of)
    lp.school_starts = [dt.date(ctx.today.year - rnd.randint(1, 8), 8, 1) for _ in range(people.schools)]
    lp.school_ends = [
        ctx.today - dt.timedelta(days=rnd.randint(100, 400)) if rnd.random() < 0.12 else None
        for _ in range(people.schools)
    ]
    holder_of_household: dict[int, int] = {}
    for i, s in enumerate(people.people):
        if s.role in ("own", "holder", "pupil"):
            lp.subscription_of[i] = len(lp.holders)
            lp.holders.append(i)
            if s.role == "holder" and s.household is not None:
                holder_of_household[s.household] = i
    # The type of each subscription, and for billing the yearly fees that are invoiced.
    fees = {code: (young, adult, period) for code, _n, period, young, adult, *_rest in TYPES}
    for i in lp.holders:
        s = people.people[i]
        code = SCHOOL_TYPE if s.role == "pupil" else "gezin" if s.role == "holder" else rnd.choice(CHOICES)
        lp.type_of.append(code)
        if code in fees and fees[code][2] == "yearly" and s.left_on is None:
            young, adult, _period = fees[code]
            age = _age(s.born, ctx.today)
            fee = 0 if age < 18 else young if age <= 25 else adult
            if fee:
                ctx.shared.setdefault("library.yearly_fees", {})[i] = (fee, s.since)
    for i, s in enumerate(people.people):
        if s.role == "family" and s.household is not None:
            lp.subscription_of[i] = lp.subscription_of[holder_of_household[s.household]]

    # Who borrows, when, and how much.
    windows = _year_windows(ctx)
    first_day, last_day = windows[0][0], ctx.today
    weights: dict[int, float] = {}
    for i, s in enumerate(people.people):
        start, end = max(s.since, first_day), last_day
        if s.role == "pupil":
            start = max(lp.school_starts[s.school or 0], first_day)
            end = min(end, lp.school_ends[s.school or 0] or end)
        if s.left_on is not None:
            end = min(end, s.left_on)
        if end <= start or rnd.random() < 0.15:
            continue  # a member who does not borrow
        lp.windows[i] = (start, end)
        weights[i] = min(rnd.paretovariate(1.25), 80.0) * (1.6 if (ctx.today - s.born).days < 13 * 365 else 1.0)
    days_weight = sum(w * (lp.windows[i][1] - lp.windows[i][0]).days for i, w in weights.items())
    per_day = ctx.count(LOANS) / days_weight if days_weight else 0
    for i, w in weights.items():
        start, end = lp.windows[i]
        counts = []
        for ws, we in windows:
            overlap = (min(end, we) - max(start, ws)).days
            counts.append(int(per_day * w * overlap + rnd.random()) if overlap > 0 else 0)
        lp.per_year[i] = counts
    # The copies on loan now: about one in ten, to borrowers of the last month.
    recent = [i for i, (_s, e) in lp.windows.items() if e >= ctx.today - dt.timedelta(days=1)]
    if recent:
        for c in range(copies):
            if rnd.random() < 0.10:
                lp.open_loans.append((c, rnd.choice(recent), rnd.randint(0, 34)))
    ctx.shared["library"] = lp


def seed_reference(ctx: ScaleContext) -> int:
    """Branches, subscription types and loan rules: found by code, made if missing (as the demo does)."""
    made = 0
    for code, name in BRANCHES:
        made += Branch.objects.get_or_create(code=code, defaults={"name": name})[1]
    for code, name, period, young, adult, max_loans, fee, family in TYPES:
        made += SubscriptionType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "period": period,
                "fee_young_adult_cents": young,
                "fee_adult_cents": adult,
                "max_loans": max_loans,
                "reservation_fee_cents": fee,
                "is_family": family,
            },
        )[1]
    made += SubscriptionType.objects.get_or_create(
        code=SCHOOL_TYPE, defaults={"name": "School", "is_school": True, "max_loans": 10}
    )[1]
    for media, days, renewals, max_loans, fine in RULES:
        made += LoanRule.objects.get_or_create(
            media_type=media,
            subscription_type=None,
            defaults={"loan_days": days, "renewals": renewals, "max_loans": max_loans, "fine_per_day_cents": fine},
        )[1]
    ctx.shared.pop("library.refs", None)
    return made


@functools.cache
def _catalogue_pools(seed: int) -> tuple[list[str], list[str]]:
    """Words for titles and names of authors, drawn from Faker once per seed."""
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    return sorted({w.capitalize() for w in fake.words(nb=3000)}), sorted({fake.name() for _ in range(4000)})


def seed_catalogue(ctx: ScaleContext) -> int:
    rnd = ctx.rng("library.catalogue")
    lp = library_plan(ctx)
    words, authors = _catalogue_pools(ctx.seed)
    first_title = ctx.first_id(Title)
    year = ctx.today.year

    def titles() -> Any:
        for t in range(lp.titles):
            media = rnd.choice(MEDIA)
            isbn = ""
            if media in ("book", "audiobook"):
                body = f"97890{rnd.randint(0, 9_999_999):07d}"
                total = sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(body))
                isbn = body + str((10 - total % 10) % 10)
            row = SimpleNamespace(
                title=" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 5))),
                authors=rnd.choice(authors),
                subjects="; ".join(rnd.sample(SUBJECTS, rnd.randint(1, 3))),
                isbn=isbn,
            )
            yield (
                first_title + t,
                media,
                row.title,
                row.authors,
                isbn,
                row.subjects,
                year - min(int(rnd.expovariate(0.08)), 80),
                f"SCALE{ctx.seed}-{t:07d}",
                search_text_for(row),  # type: ignore[arg-type]
            )

    rows = ctx.copy_rows(
        Title,
        ["id", "media_type", "title", "authors", "isbn", "subjects", "year", "control_number", "search_text"],
        titles(),
        total=lp.titles,
    )
    branches = _refs(ctx).branches
    on_loan = {c for c, _p, _d in lp.open_loans}
    first_copy = ctx.first_id(Copy)

    def copies() -> Any:
        for c, t in enumerate(lp.title_of):
            pk = first_copy + c
            status = "on_loan" if c in on_loan else ("lost" if rnd.random() < 0.005 else "available")
            yield pk, first_title + t, f"4{pk:011d}", rnd.choice(branches), status

    rows += ctx.copy_rows(Copy, ["id", "title", "barcode", "branch", "status"], copies(), total=lp.copies)
    return rows


def _target_group(age: int, pupil: bool) -> str:
    if pupil:
        return TargetGroup.PUPIL
    for limit, group in (
        (12, TargetGroup.CHILD),
        (18, TargetGroup.TEEN),
        (26, TargetGroup.YOUNG_ADULT),
        (65, TargetGroup.ADULT),
    ):
        if age < limit:
            return group
    return TargetGroup.SENIOR


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def seed_members(ctx: ScaleContext) -> int:
    """Subscriptions (running, cancelled, ended), member profiles, schools and their pupils."""
    rnd = ctx.rng("library.members")
    people, lp = people_plan(ctx), library_plan(ctx)
    refs = _refs(ctx)
    first_school, first_service = ctx.first_id(School), ctx.first_id(SchoolService)
    rows = ctx.copy_rows(
        School,
        ["id", "name", "brin", "town"],
        (
            (
                first_school + k,
                f"{rnd.choice(['obs', 'cbs', 'kbs', 'Montessorischool'])} De {rnd.choice(['Vlinder', 'Regenboog', 'Esch', 'Wiekslag', 'Kei', 'Linde', 'Horizon'])} {k + 1}",
                f"{k:04d}S",
                "Drenthe",
            )
            for k in range(people.schools)
        ),
    )
    rows += ctx.copy_rows(
        SchoolService,
        ["id", "school", "starts_on", "ends_on"],
        ((first_service + k, first_school + k, lp.school_starts[k], lp.school_ends[k]) for k in range(people.schools)),
    )
    first_sub = ctx.first_id(Subscription)
    household_base = people.first_household_id

    def subscriptions() -> Any:
        for n, i in enumerate(lp.holders):
            s = people.people[i]
            if s.role == "pupil":
                kind = refs.types[SCHOOL_TYPE]
                started = lp.school_starts[s.school or 0]
                ended = lp.school_ends[s.school or 0]
                reason = "school_ended" if ended else ""
            else:
                kind = refs.types[lp.type_of[n]]
                started, ended = s.since, s.left_on
                reason = rnd.choice(END_REASONS) if ended else ""
            fee = kind.fee_for_age(_age(s.born, started))
            renews = add_period(started, kind.period)
            while renews <= (ended or ctx.today):
                renews = add_period(renews, kind.period)
            cancelled = None
            status = "active"
            auto = True
            if ended is not None:
                status, cancelled, auto = "ended", ended - dt.timedelta(days=rnd.randint(0, 60)), False
                renews = ended
            elif s.role != "pupil" and rnd.random() < 0.04:
                status, cancelled, auto = "cancelled", ctx.today - dt.timedelta(days=rnd.randint(0, 25)), False
            seen = ctx.at(started, 36000) if s.role != "pupil" else None
            yield (
                first_sub + n,
                people.pk(i),
                household_base + s.household if s.role == "holder" and s.household is not None else None,
                kind.pk,
                fee,
                started,
                renews,
                auto,
                cancelled,
                ended,
                reason,
                "",
                status,
                seen,
            )

    rows += ctx.copy_rows(
        Subscription,
        [
            "id",
            "person",
            "household",
            "type",
            "fee_cents",
            "started_on",
            "renews_on",
            "auto_renew",
            "cancelled_on",
            "ended_on",
            "end_reason",
            "end_note",
            "status",
            "id_seen_at",
        ],
        subscriptions(),
        total=len(lp.holders),
    )
    first_enrolment = ctx.first_id(Enrolment)
    pupils = [i for i, s in enumerate(people.people) if s.role == "pupil"]
    rows += ctx.copy_rows(
        Enrolment,
        ["id", "person", "service", "class_name", "leerjaar"],
        (
            (
                first_enrolment + n,
                people.pk(i),
                first_service + (people.people[i].school or 0),
                f"{people.people[i].leerjaar}{'abc'[i % 3]}",
                people.people[i].leerjaar,
            )
            for n, i in enumerate(pupils)
        ),
    )
    first_profile = ctx.first_id(MemberProfile)

    def profiles() -> Any:
        n = 0
        for i, s in enumerate(people.people):
            if s.left_on is not None:
                continue
            window = lp.windows.get(i)
            last = window[1] - dt.timedelta(days=rnd.randint(0, 30)) if window else None
            yield first_profile + n, people.pk(i), _target_group(_age(s.born, ctx.today), s.role == "pupil"), last
            n += 1

    rows += ctx.copy_rows(MemberProfile, ["id", "person", "target_group", "last_activity_on"], profiles())
    return rows


LOAN_FIELDS = [
    "id",
    "copy",
    "person",
    "subscription",
    "checked_out_at",
    "due_on",
    "returned_at",
    "renewals",
    "fine_cents",
    "reminded_on",
]


def _loans_of_year(ctx: ScaleContext, year: int) -> Any:
    """A phase that writes the loans checked out in year `year` (0 = five years ago) and their counts."""

    def phase(ctx: ScaleContext) -> int:
        rnd = ctx.rng(f"library.loans.{year}")
        people, lp = people_plan(ctx), library_plan(ctx)
        start, end = _year_windows(ctx)[year]
        months = months_back(ctx.today, YEARS * 12)
        month_index = {m: k for k, m in enumerate(months)}
        first_loan = ctx.first_id(Loan) + sum(sum(c[:year]) for c in lp.per_year.values())
        first_copy, first_sub = ctx.first_id(Copy), ctx.first_id(Subscription)
        copies = lp.copies
        counts: Counter[tuple[int, int]] = Counter()
        day0 = ctx.at(start)
        minutes = [dt.timedelta(minutes=m) for m in range(9 * 60, 21 * 60)]
        days = [day0 + dt.timedelta(days=d) for d in range((end - start).days)]
        day_month = [month_index[(start + dt.timedelta(days=d)).replace(day=1)] for d in range(len(days))]
        limit = ctx.at(ctx.today) - dt.timedelta(hours=1)
        total = sum(c[year] for c in lp.per_year.values())

        # Tables instead of arithmetic in the loop: this loop makes 15 million loans.
        random = rnd.random
        nmin = len(minutes)
        dates = [start + dt.timedelta(days=d) for d in range(len(days) + 80)]
        kept_for = [dt.timedelta(days=k) for k in range(75)]
        jitter = [dt.timedelta(minutes=m) for m in range(-300, 301, 5)]
        njit = len(jitter)
        hour = dt.timedelta(hours=1)

        def loans() -> Any:
            pk = first_loan
            for i, per_year in lp.per_year.items():
                n = per_year[year]
                if not n:
                    continue
                w_start, w_end = lp.windows[i]
                low = max((w_start - start).days, 0)
                span = min((w_end - start).days, len(days) - 1) - low + 1
                person = people.pk(i)
                sub = first_sub + lp.subscription_of[i]
                for _ in range(n):
                    d = low + int(random() * span)
                    out = days[d] + minutes[int(random() * nmin)]
                    r = random()
                    renewals = 0 if r < 0.75 else (1 if r < 0.95 else 2)
                    period = 21 * (1 + renewals)
                    if random() < 0.93:
                        kept = 2 + int(random() * (period + 2))
                    else:
                        kept = period + 1 + int(random() * (70 - period))
                    due = dates[d + period]
                    back = out + kept_for[kept] + jitter[int(random() * njit)]
                    if back > limit:
                        back = max(out + hour, limit)
                        kept = (back.date() - dates[d]).days
                    late = kept - period
                    counts[(i, day_month[d])] += 1
                    yield (
                        pk,
                        first_copy + min(int(copies * random() ** 2.5), copies - 1),
                        person,
                        sub,
                        out,
                        due,
                        back,
                        renewals,
                        25 * late if late > 0 else 0,
                        None,
                    )
                    pk += 1
            if year == YEARS - 1:
                for c, i, ago in lp.open_loans:
                    day = ctx.today - dt.timedelta(days=ago)
                    out = ctx.at(day) + rnd.choice(minutes)
                    counts[(i, month_index[day.replace(day=1)])] += 1
                    yield (
                        pk,
                        first_copy + c,
                        people.pk(i),
                        first_sub + lp.subscription_of[i],
                        out,
                        day + dt.timedelta(days=21),
                        None,
                        0,
                        0,
                        None,
                    )
                    pk += 1

        ctx.drop_indexes(Loan)
        rows = ctx.copy_rows(Loan, LOAN_FIELDS, loans(), total=total)
        first_count = ctx.first_id(LoanCount)
        rows += ctx.copy_rows(
            LoanCount,
            ["id", "person", "month", "count"],
            ((first_count + i * YEARS * 12 + m, people.pk(i), months[m], n) for (i, m), n in sorted(counts.items())),
        )
        return rows

    return phase


def seed_reservations(ctx: ScaleContext) -> int:
    """Reservations waiting in the queue of titles whose copies are all out, and a history."""
    rnd = ctx.rng("library.reservations")
    people, lp = people_plan(ctx), library_plan(ctx)
    refs = _refs(ctx)
    first_title, first = ctx.first_id(Title), ctx.first_id(Reservation)
    recent = sorted({i for _c, i, _a in lp.open_loans})
    if not recent:
        return 0
    taken: set[tuple[int, int]] = set()
    rows: list[tuple[Any, ...]] = []
    for n in range(ctx.count(6000, 5)):
        t, i = lp.title_of[min(int(lp.copies * rnd.random() ** 2.5), lp.copies - 1)], rnd.choice(recent)
        status = "waiting" if rnd.random() < 0.4 else rnd.choice(["fulfilled", "fulfilled", "cancelled", "expired"])
        if status == "waiting":
            if (t, i) in taken:
                continue
            taken.add((t, i))
        placed = ctx.at(
            ctx.today - dt.timedelta(days=rnd.randint(0, 300 if status != "waiting" else 30)), 40000 + n % 30000
        )
        # Every copy of a waiting title is out, so nothing waits to be pulled from a shelf.
        rows.append(
            (first + len(rows), first_title + t, people.pk(i), rnd.choice(refs.branches), placed, status, False)
        )
    columns = ["id", "title", "person", "pickup_branch", "placed_at", "status", "to_pull"]
    return ctx.copy_rows(Reservation, columns, rows)


def PHASES(ctx: ScaleContext) -> list[tuple[str, Any]]:
    return [
        ("reference", seed_reference),
        ("catalogue", seed_catalogue),
        ("members", seed_members),
        *((f"loans.{y + 1}", _loans_of_year(ctx, y)) for y in range(YEARS)),
        ("reservations", seed_reservations),
    ]
