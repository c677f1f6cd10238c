"""Building the programme: venues, halls and their seat maps, films, productions, shows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolk.boxoffice.models import Film, Hall, PriceCategory, PriceKind, Production, Seat, Show, ShowSeat, Venue
from kolk.boxoffice.services.presale import presale_dates_check
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.privacy.audit import audit_log

VAT_PERCENT = 9  # cinema and theatre tickets: the low Dutch VAT rate
MAX_ROWS, MAX_SEATS_PER_ROW = 60, 80


@dataclass
class SeatMapSpec:
    """A parsed seat map: seats per row, and the special places."""

    rows: list[int] = field(default_factory=list)  # rows[i] = seats in row i + 1
    wheelchair: set[tuple[int, int]] = field(default_factory=set)
    companion: set[tuple[int, int]] = field(default_factory=set)
    held: set[tuple[int, int]] = field(default_factory=set)


_BLOCK = re.compile(r"^(\d+)\s*[x\u00d7]\s*(\d+)$")
_PLACES = re.compile(r"^(wheelchair|rolstoel|companion|begeleider|held|achtergehouden)\s+(.+)$")
_KINDS = {"rolstoel": "wheelchair", "begeleider": "companion", "achtergehouden": "held"}


def seatmap_parse(spec: str) -> SeatMapSpec:
    """Parse a compact seat map such as `10x20; 2x18; wheelchair 12:1-2; companion 12:3; held 1:10-11`.

    `NxM` adds N rows of M seats (rows numbered from the front); a place list is
    `row:seat`, `row:first-last`, or several separated by commas.
    """
    result = SeatMapSpec()
    errors: list[str] = []
    for raw in re.split(r"[;\n]", spec):
        part = raw.strip().lower()
        if not part:
            continue
        if block := _BLOCK.match(part):
            count, seats = int(block[1]), int(block[2])
            if not (1 <= seats <= MAX_SEATS_PER_ROW) or count < 1:
                errors.append(
                    _("'%(part)s': 1 tot %(max)s stoelen per rij.") % {"part": raw.strip(), "max": MAX_SEATS_PER_ROW}
                )
                continue
            result.rows += [seats] * count
            continue
        places = _PLACES.match(part)
        if not places:
            errors.append(_("'%(part)s' is geen rij-blok (10x20) of plaatsenlijst.") % {"part": raw.strip()})
            continue
        kind = _KINDS.get(places[1], places[1])
        target: set[tuple[int, int]] = getattr(result, kind)
        for item in places[2].split(","):
            match = re.match(r"^\s*(\d+)\s*:\s*(\d+)(?:\s*-\s*(\d+))?\s*$", item)
            if not match:
                errors.append(_("'%(item)s' is geen plaats (rij:stoel of rij:van-tot).") % {"item": item.strip()})
                continue
            row, first = int(match[1]), int(match[2])
            last = int(match[3] or first)
            target.update((row, n) for n in range(first, last + 1))
    if len(result.rows) > MAX_ROWS:
        errors.append(_("Hoogstens %(max)s rijen.") % {"max": MAX_ROWS})
    if not result.rows and not errors:
        errors.append(_("Geef ten minste één blok rijen, bijvoorbeeld 10x20."))
    for row, number in sorted(result.wheelchair | result.companion | result.held):
        if row > len(result.rows) or number > result.rows[row - 1] or number < 1:
            errors.append(_("Plaats %(row)s:%(number)s bestaat niet.") % {"row": row, "number": number})
    if result.wheelchair & result.companion:
        errors.append(_("Een plaats is rolstoel- én begeleidersplaats."))
    if errors:
        raise ValidationError({"spec": errors})
    return result


def _rank(row: int, number: int, rows: int, seats: int) -> int:
    """Best available: rows about two thirds back first, then the middle of the row."""
    best_row = max(1, round(rows * 2 / 3))
    return abs(row - best_row) * 1000 + abs(2 * number - (seats + 1))


@transaction.atomic
def venue_create(*, name: str, actor: Actor, street: str = "", town: str = "") -> Venue:
    venue = Venue(name=name.strip(), street=street.strip(), town=town.strip())
    venue.full_clean()
    venue.save()
    audit_log(actor=actor, action="venue.created", details={"venue": venue.pk})
    return venue


@transaction.atomic
def hall_create(*, venue: Venue, name: str, actor: Actor, seat_map: str = "", capacity: int = 0) -> Hall:
    """A hall with a seat map (`seat_map`, see seatmap_parse) or free seating for `capacity`."""
    if bool(seat_map.strip()) == bool(capacity):
        raise ValidationError({"seat_map": [_("Geef een stoelenplan óf een capaciteit voor vrije zitplaatsen.")]})
    seating = Hall.Seating.SEATED if seat_map.strip() else Hall.Seating.FREE
    hall = Hall(venue=venue, name=name.strip(), seating=seating, capacity=capacity)
    hall.full_clean()
    hall.save()
    if seating == Hall.Seating.SEATED:
        seatmap_build(hall=hall, spec=seat_map, actor=actor)
    audit_log(actor=actor, action="hall.created", details={"hall": hall.pk, "seating": seating})
    return hall


@transaction.atomic
def seatmap_build(*, hall: Hall, spec: str, actor: Actor) -> int:
    """(Re)build a hall's seats from a compact spec; refused once the hall has shows."""
    parsed = seatmap_parse(spec)
    if hall.shows.exists():
        raise ValidationError({"spec": [_("Deze zaal heeft al voorstellingen; het stoelenplan ligt vast.")]})
    hall.seats.all().delete()
    total_rows = len(parsed.rows)
    seats = []
    for row, count in enumerate(parsed.rows, start=1):
        for number in range(1, count + 1):
            place = (row, number)
            kind = (
                Seat.Kind.WHEELCHAIR
                if place in parsed.wheelchair
                else Seat.Kind.COMPANION
                if place in parsed.companion
                else Seat.Kind.REGULAR
            )
            seats.append(
                Seat(
                    hall=hall,
                    row=row,
                    number=number,
                    kind=kind,
                    held_back=place in parsed.held,
                    rank=_rank(row, number, total_rows, count),
                )
            )
    Seat.objects.bulk_create(seats, batch_size=1000)
    hall.capacity = len(seats)
    hall.save(update_fields=["capacity"])
    audit_log(actor=actor, action="hall.seatmap_built", details={"hall": hall.pk, "seats": len(seats)})
    return len(seats)


@transaction.atomic
def seat_hold_back_set(*, seat: Seat, held_back: bool, actor: Actor) -> Seat:
    """Hold a seat back from sale (or release it) for shows created from now on."""
    seat.held_back = held_back
    seat.save(update_fields=["held_back"])
    audit_log(actor=actor, action="seat.held_back_set", details={"seat": seat.pk, "held_back": held_back})
    return seat


@transaction.atomic
def film_create(*, title: str, actor: Actor, minutes: int = 90, age_rating: str = "", description: str = "") -> Film:
    film = Film(title=title.strip(), minutes=minutes, age_rating=age_rating.strip(), description=description)
    film.full_clean()
    film.save()
    audit_log(actor=actor, action="film.created", details={"film": film.pk})
    return film


@transaction.atomic
def production_create(
    *, title: str, actor: Actor, company: str = "", minutes: int = 120, description: str = ""
) -> Production:
    production = Production(title=title.strip(), company=company.strip(), minutes=minutes, description=description)
    production.full_clean()
    production.save()
    audit_log(actor=actor, action="production.created", details={"production": production.pk})
    return production


def _clean_prices(prices: Mapping[str, int]) -> dict[str, int]:
    errors = []
    cleaned: dict[str, int] = {}
    for kind, cents in prices.items():
        if kind not in PriceKind.values:
            errors.append(_("'%(kind)s' is geen tarief.") % {"kind": kind})
        elif not isinstance(cents, int) or cents < 0 or cents > 100_000:
            errors.append(_("De prijs van %(kind)s moet tussen 0 en 1000 euro liggen.") % {"kind": kind})
        else:
            cleaned[kind] = cents
    if PriceKind.REGULAR not in cleaned:
        errors.append(_("Een voorstelling heeft altijd een normaal tarief."))
    if errors:
        raise ValidationError({"prices": errors})
    return cleaned


@transaction.atomic
def show_create(
    *,
    hall: Hall,
    starts_at: dt.datetime,
    prices: Mapping[str, int],
    actor: Actor,
    film: Film | None = None,
    production: Production | None = None,
    on_sale: bool = True,
    members_from: dt.datetime | None = None,
    public_from: dt.datetime | None = None,
) -> Show:
    """A screening (film) or performance (production) in a hall, with its prices (cents incl. VAT).

    With a presale: members (a current pass) buy from `members_from`, everyone from `public_from`.
    """
    if (film is None) == (production is None):
        raise ValidationError({"film": [_("Kies een film óf een voorstelling.")]})
    cleaned = _clean_prices(prices)
    if starts_at <= now():
        raise ValidationError({"starts_at": [_("Een voorstelling begint in de toekomst.")]})
    presale_dates_check(members_from=members_from, public_from=public_from, first_start=starts_at)
    show = Show.objects.create(
        hall=hall,
        kind=Show.Kind.FILM if film else Show.Kind.THEATRE,
        film=film,
        production=production,
        starts_at=starts_at,
        on_sale=on_sale,
        capacity=0 if hall.is_seated else hall.capacity,
        members_from=members_from,
        public_from=public_from,
    )
    PriceCategory.objects.bulk_create(
        [PriceCategory(show=show, kind=k, amount_cents=c, vat_percent=VAT_PERCENT) for k, c in cleaned.items()]
    )
    if hall.is_seated:
        seats = list(hall.seats.values_list("pk", "rank", "held_back"))
        ShowSeat.objects.bulk_create(
            [
                ShowSeat(
                    show=show,
                    seat_id=pk,
                    rank=rank,
                    status=ShowSeat.Status.BLOCKED if held else ShowSeat.Status.AVAILABLE,
                )
                for pk, rank, held in seats
            ],
            batch_size=1000,
        )
        show.capacity = sum(1 for _pk, _rank, held in seats if not held)
        show.save(update_fields=["capacity"])
    audit_log(actor=actor, action="show.created", details={"show": show.pk, "hall": hall.pk})
    return show


def programme_create(
    *,
    hall: Hall,
    starts: Iterable[dt.datetime],
    prices: Mapping[str, int],
    actor: Actor,
    film: Film | None = None,
    production: Production | None = None,
    on_sale: bool = True,
    members_from: dt.datetime | None = None,
    public_from: dt.datetime | None = None,
) -> list[Show]:
    """A run of shows of one film or production in one hall, all or none, each with the same presale."""
    with transaction.atomic():
        return [
            show_create(
                hall=hall,
                starts_at=at,
                prices=prices,
                film=film,
                production=production,
                on_sale=on_sale,
                members_from=members_from,
                public_from=public_from,
                actor=actor,
            )
            for at in starts
        ]


@transaction.atomic
def show_on_sale_set(*, show: Show, on_sale: bool, actor: Actor) -> Show:
    show.on_sale = on_sale
    show.save(update_fields=["on_sale"])
    audit_log(actor=actor, action="show.on_sale_set", details={"show": show.pk, "on_sale": on_sale})
    return show
