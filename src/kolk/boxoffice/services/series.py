"""Selling a theaterabonnement: N shows of a series, the same seats in each, at the series' discount.

One order holds a ticket per seat per chosen show, in one transaction that locks
only those shows' seat rows (ShowSeat filtered by the shows and the seats, in id
order, as `selling.lock_seats` does, so a series buyer and a single-ticket buyer
never wait on each other in a circle). Best-available seats together are found
in one read of the seats free in every chosen show, then locked with SKIP
LOCKED block by block, as `seats_hold` does for a group. The query count does
not grow with the number of shows. Checkout and payment are the normal ones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min
from django.utils.translation import gettext as _

from kolk.boxoffice.codes import order_token, ticket_code
from kolk.boxoffice.models import Order, Payment, PriceCategory, PriceKind, Seat, Series, Show, ShowSeat, Ticket
from kolk.boxoffice.services.payments import TillSale, payment_start
from kolk.boxoffice.services.presale import Presale as Presale  # the presale lives beside selling; kept here too
from kolk.boxoffice.services.presale import in_presale as in_presale
from kolk.boxoffice.services.presale import in_words as in_words
from kolk.boxoffice.services.presale import presale_check, presale_dates_check
from kolk.boxoffice.services.selling import BLOCK_TRIES, HOLD_MINUTES, MAX_TICKETS, SoldOut, _price, _subject
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError, NotAllowed
from kolk.core.money import euros
from kolk.core.roles import Role, has_role
from kolk.core.validators import no_control_characters
from kolk.privacy.audit import audit_log


class FreeSeat(NamedTuple):
    seat_id: int
    row: int
    number: int
    rank: int


class NotTogether(SoldOut):
    """The chosen seats are not free in every chosen show; `alternative` holds the best seats that are."""

    def __init__(self, message: str, alternative: list[FreeSeat]) -> None:
        super().__init__(message)
        self.alternative = alternative


# --- seats free in every chosen show ---


def free_in_all(show_ids: Sequence[int]) -> list[FreeSeat]:
    """The regular seats free in every one of the shows (same seat ids), best first: one query."""
    rows = (
        ShowSeat.objects.filter(show_id__in=show_ids, status=ShowSeat.Status.AVAILABLE, seat__kind=Seat.Kind.REGULAR)
        .values("seat_id", "seat__row", "seat__number")
        .annotate(shows=Count("id"), best=Min("rank"))
        .filter(shows=len(show_ids))
        .order_by("best", "seat__row", "seat__number")
    )
    return [FreeSeat(r["seat_id"], r["seat__row"], r["seat__number"], r["best"]) for r in rows]


def together(free: Sequence[FreeSeat], quantity: int, *, limit: int = BLOCK_TRIES) -> list[list[FreeSeat]]:
    """Up to `limit` non-overlapping blocks of `quantity` seats side by side in a row, best (lowest ranks) first."""
    by_place = {(s.row, s.number): s for s in free}
    windows: list[tuple[int, list[FreeSeat]]] = []
    for s in free:
        block = [by_place.get((s.row, s.number + i)) for i in range(quantity)]
        if all(block):
            seats = [b for b in block if b is not None]
            windows.append((sum(b.rank for b in seats), seats))
    windows.sort(key=lambda w: (w[0], w[1][0].row, w[1][0].number))
    chosen: list[list[FreeSeat]] = []
    used: set[int] = set()
    for _score, seats in windows:
        ids = {s.seat_id for s in seats}
        if ids & used:
            continue
        chosen.append(seats)
        used |= ids
        if len(chosen) == limit:
            break
    return chosen


def best_alternative(show_ids: Sequence[int], quantity: int) -> list[FreeSeat]:
    """The best seats free in every show: side by side when there are, else the best ones; [] if too few."""
    free = free_in_all(show_ids)
    blocks = together(free, quantity, limit=1)
    if blocks:
        return blocks[0]
    return free[:quantity] if len(free) >= quantity else []


def seats_words(seats: Sequence[FreeSeat]) -> str:
    """Rij 3, stoel 5, 6 en 7 (per row)."""
    per_row: dict[int, list[int]] = {}
    for s in sorted(seats, key=lambda s: (s.row, s.number)):
        per_row.setdefault(s.row, []).append(s.number)
    return "; ".join(
        _("rij %(row)s, stoel %(numbers)s") % {"row": row, "numbers": ", ".join(str(n) for n in numbers)}
        for row, numbers in per_row.items()
    )


# --- the locks (tests replace them to show the race without them) ---


def lock_series_seats(show_ids: Sequence[int], seat_ids: Sequence[int]) -> list[ShowSeat]:
    """Lock these seats of these shows, in id order (the order every hold locks in)."""
    return list(ShowSeat.objects.select_for_update().filter(show_id__in=show_ids, seat_id__in=seat_ids).order_by("id"))


def lock_series_block(show_ids: Sequence[int], seat_ids: Sequence[int]) -> list[ShowSeat]:
    """Lock the free ones of these seats in these shows that no other buyer is locking (the caller takes all or none)."""
    return list(
        ShowSeat.objects.select_for_update(skip_locked=True)
        .filter(show_id__in=show_ids, seat_id__in=seat_ids, status=ShowSeat.Status.AVAILABLE)
        .order_by("id")
    )


# --- holding ---


def _chosen_shows(series: Series, show_ids: Sequence[int]) -> list[Show]:
    wanted = set(show_ids)
    if len(wanted) != len(show_ids):
        raise ValidationError({"show_ids": [_("Een voorstelling staat dubbel in de keuze.")]})
    shows = list(
        series.shows.filter(pk__in=wanted).select_related("hall").prefetch_related("prices").order_by("starts_at", "pk")
    )
    if len(shows) != len(wanted):
        raise ValidationError({"show_ids": [_("Deze voorstelling hoort niet bij dit theaterabonnement.")]})
    if len(shows) < series.min_shows:
        raise ValidationError({"show_ids": [_("Kies minstens %(n)s voorstellingen.") % {"n": series.min_shows}]})
    at = now()
    for show in shows:
        if not show.on_sale or show.starts_at <= at:
            raise KolkError(
                _("Voor %(show)s zijn geen kaartjes (meer) te koop.") % {"show": show.title}, code="not_on_sale"
            )
        if not show.hall.is_seated or show.hall_id != shows[0].hall_id:
            raise ValidationError(
                {
                    "show_ids": [
                        _("Een theaterabonnement houdt dezelfde stoelen in één zaal; kies voorstellingen in die zaal.")
                    ]
                }
            )
    return shows


@transaction.atomic
def series_hold(
    *,
    series: Series,
    show_ids: Sequence[int],
    actor: Actor,
    quantity: int = 0,
    seat_ids: Sequence[int] = (),
    person: Any = None,
    member: bool = False,
) -> Order:
    """Hold the same seats in each chosen show of the series for HOLD_MINUTES: one order, a ticket per seat per show.

    `seat_ids` are seats the buyer picked (on the first show's map), checked in
    every show; without them the best `quantity` seats free in every show,
    side by side when they can be. Each ticket costs the show's regular price
    less the series' discount. `member` is the yes/no pass check, asked only
    during a presale. NotTogether names the best seats that are free in all.
    """
    presale_check(members_from=series.members_from, public_from=series.public_from, member=member)
    shows = _chosen_shows(series, show_ids)
    for show in shows:
        presale_check(members_from=show.members_from, public_from=show.public_from, member=member)
    ids = [s.pk for s in shows]
    wanted = len(set(seat_ids)) if seat_ids else quantity
    if not 1 <= wanted <= MAX_TICKETS:
        raise ValidationError({"quantity": [_("Kies 1 tot %(max)s plaatsen.") % {"max": MAX_TICKETS}]})
    if seat_ids and len(set(seat_ids)) != len(seat_ids):
        raise ValidationError({"seat_ids": [_("Een stoel staat dubbel in de keuze.")]})
    expected = wanted * len(shows)
    locked: list[ShowSeat] = []
    if seat_ids:
        locked = lock_series_seats(ids, sorted(seat_ids))
        if len(locked) != expected:
            raise ValidationError({"seat_ids": [_("Deze stoel hoort niet bij deze zaal.")]})
        if any(s.status != ShowSeat.Status.AVAILABLE for s in locked):
            _not_together(ids, wanted)
    else:
        free = free_in_all(ids)
        candidates = together(free, wanted) if wanted > 1 else []
        if len(free) >= wanted:
            candidates.append(free[:wanted])  # no block side by side left: the best seats one by one
        for block in candidates:
            locked = lock_series_block(ids, [s.seat_id for s in block])
            if len(locked) == expected:
                break
            locked = []
        if not locked:
            raise SoldOut(
                _("Er zijn geen %(n)s plaatsen meer die in elke gekozen voorstelling vrij zijn.") % {"n": wanted}
            )
    seats = sorted({s.seat_id for s in locked})
    at = now()
    lines: list[tuple[Show, int, PriceCategory, int]] = []
    for show in shows:
        regular = _price(show, PriceKind.REGULAR)
        amount = regular.amount_cents * (100 - series.discount_percent) // 100
        lines.extend((show, seat, regular, amount) for seat in seats)
    order = Order.objects.create(
        show=shows[0],
        series=series,
        person=person,
        token=order_token(),
        status=Order.Status.HELD,
        expires_at=at + dt.timedelta(minutes=HOLD_MINUTES),
        created_at=at,
        total_cents=sum(line[3] for line in lines),
    )
    ShowSeat.objects.filter(pk__in=[s.pk for s in locked]).update(status=ShowSeat.Status.HELD, order=order)
    Ticket.objects.bulk_create(
        [
            Ticket(order=order, show=show, seat_id=seat, price=regular, amount_cents=amount, code=ticket_code())
            for show, seat, regular, amount in lines
        ]
    )
    audit_log(
        actor=actor,
        action="order.held",
        **_subject(order),
        details={"order": order.pk, "series": series.pk, "shows": ids, "count": len(lines)},
    )
    return order


def _not_together(show_ids: Sequence[int], quantity: int) -> None:
    alternative = best_alternative(show_ids, quantity)
    if alternative:
        message = _(
            "Deze stoelen zijn niet in elke gekozen voorstelling vrij. Wel in elke voorstelling vrij: %(seats)s."
        ) % {"seats": seats_words(alternative)}
    else:
        message = _("Er zijn geen %(n)s plaatsen meer die in elke gekozen voorstelling vrij zijn.") % {"n": quantity}
    raise NotTogether(message, alternative)


def series_till_sale(
    *,
    series: Series,
    show_ids: Sequence[int],
    method: str,
    actor: Actor,
    quantity: int = 0,
    seat_ids: Sequence[int] = (),
    given_cents: int = 0,
    member_pass_seen: bool = False,
    card_reference: str = "",
) -> TillSale:
    """The till sells a theaterabonnement: the same seats in each chosen show, paid by card or in cash.

    As `till_sale`: cash less than the total is refused and nothing is sold. In a
    members' presale the till sells to a member whose pass staff saw (`member_pass_seen`).
    A card payment keeps the PIN terminal's reference (`card_reference`), to find it on the terminal's list.
    """
    if method not in (Order.Method.CASH, Order.Method.CARD):
        raise KolkError(_("Aan de kassa betaal je contant of met pin."), code="method")
    if not has_role(actor, Role.BOX_OFFICE, Role.ADMINISTRATOR):
        raise NotAllowed(_("Alleen de kassa neemt contant of pin aan."))
    reference = _card_reference(card_reference) if method == Order.Method.CARD else ""
    with transaction.atomic():
        order = series_hold(
            series=series,
            show_ids=show_ids,
            quantity=quantity,
            seat_ids=seat_ids,
            member=member_pass_seen,
            actor=actor,
        )
        if method == Order.Method.CASH and given_cents and given_cents < order.total_cents:
            raise Invalid(
                _("Ontvangen %(given)s is minder dan het totaal %(total)s.")
                % {"given": euros(given_cents), "total": euros(order.total_cents)},
                fields={"given": [_("Minder dan het totaal %(total)s.") % {"total": euros(order.total_cents)}]},
            )
        started = payment_start(order=order, method=method, actor=actor)
        order = started.order
        if reference:
            Payment.objects.filter(pk=started.payment.pk).update(provider_ref=reference)
            Order.objects.filter(pk=order.pk).update(payment_ref=reference)
            order.payment_ref = reference
    return TillSale(order=order, given_cents=given_cents if method == Order.Method.CASH else 0)


_REFERENCE = re.compile(r"[0-9A-Za-z][0-9A-Za-z ./-]{0,39}")


def _card_reference(value: str) -> str:
    """The PIN terminal's reference as staff type it off the slip: letters, digits, spaces, dots, dashes."""
    value = " ".join(value.split())
    if value and not _REFERENCE.fullmatch(value):
        raise Invalid(
            _("Pinreferentie: alleen letters, cijfers en streepjes, hoogstens 40 tekens."),
            fields={"card_reference": [_("Alleen letters, cijfers en streepjes, hoogstens 40 tekens.")]},
        )
    return value


# --- the season: series and presale dates, made by the box office ---


def _staff(actor: Actor) -> None:
    if not has_role(actor, Role.BOX_OFFICE, Role.ADMINISTRATOR):
        raise NotAllowed(_("Alleen de kassa maakt het seizoen."))


@transaction.atomic
def show_presale_set(
    *, show: Show, members_from: dt.datetime | None, public_from: dt.datetime | None, actor: Actor
) -> Show:
    """Set (or clear) a show's presale: members from `members_from`, everyone from `public_from`."""
    _staff(actor)
    presale_dates_check(members_from=members_from, public_from=public_from, first_start=show.starts_at)
    Show.objects.filter(pk=show.pk).update(members_from=members_from, public_from=public_from)
    show.members_from, show.public_from = members_from, public_from
    audit_log(
        actor=actor,
        action="show.presale_set",
        details={
            "show": show.pk,
            "members_from": members_from.isoformat() if members_from else None,
            "public_from": public_from.isoformat() if public_from else None,
        },
    )
    return show


class SeriesIn(NamedTuple):
    """What staff fill in for a theaterabonnement."""

    name: str
    season: str
    show_ids: Sequence[int]
    min_shows: int
    discount_percent: int
    members_from: dt.datetime | None = None
    public_from: dt.datetime | None = None


_SEASON = re.compile(r"\d{4}(-\d{4})?")


def _series_clean(data: SeriesIn, *, keep: set[int]) -> tuple[dict[str, Any], list[Show]]:
    """The cleaned fields and the chosen shows; ValidationError per field. `keep`: shows the series has already."""
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.name).split())
    season = str(data.season).strip()
    for field, value in (("name", name), ("season", season)):
        try:
            no_control_characters(value)
        except ValidationError as exc:
            errors[field] = list(exc.messages)
    if not name or len(name) > 200:
        errors.setdefault("name", []).append(_("Vul een naam in (hoogstens 200 tekens)."))
    if not _SEASON.fullmatch(season):
        errors.setdefault("season", []).append(_("Schrijf het seizoen als 2026-2027."))
    wanted = list(dict.fromkeys(int(pk) for pk in data.show_ids))
    shows = list(Show.objects.filter(pk__in=wanted).select_related("hall").order_by("starts_at", "pk"))
    at = now()
    if not wanted:
        errors["show_ids"] = [_("Kies de voorstellingen van dit theaterabonnement.")]
    elif len(shows) != len(wanted):
        errors["show_ids"] = [_("Een van deze voorstellingen bestaat niet (meer).")]
    elif any(s.kind != Show.Kind.THEATRE for s in shows):
        errors["show_ids"] = [_("Een theaterabonnement heeft alleen theatervoorstellingen.")]
    elif any(s.starts_at <= at and s.pk not in keep for s in shows):
        errors["show_ids"] = [_("Kies voorstellingen die nog moeten komen.")]
    elif len({s.hall_id for s in shows}) > 1 or not shows[0].hall.is_seated:
        errors["show_ids"] = [
            _("Een theaterabonnement houdt dezelfde stoelen in één zaal; kies voorstellingen in die zaal.")
        ]
    if not 1 <= data.min_shows <= max(len(wanted), 1):
        errors["min_shows"] = [
            _("Minimaal aantal: 1 tot %(n)s (het aantal gekozen voorstellingen).") % {"n": max(len(wanted), 1)}
        ]
    if not 0 <= data.discount_percent <= 100:
        errors["discount_percent"] = [_("Korting: 0 tot 100 procent.")]
    upcoming = [s.starts_at for s in shows if s.starts_at > at]
    try:
        presale_dates_check(
            members_from=data.members_from, public_from=data.public_from, first_start=min(upcoming, default=None)
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": name,
        "season": season,
        "min_shows": data.min_shows,
        "discount_percent": data.discount_percent,
        "members_from": data.members_from,
        "public_from": data.public_from,
    }
    return fields, shows


def _series_details(series: Series, shows: Sequence[Show]) -> dict[str, Any]:
    return {
        "series": series.pk,
        "shows": [s.pk for s in shows],
        "min_shows": series.min_shows,
        "discount_percent": series.discount_percent,
        "members_from": series.members_from.isoformat() if series.members_from else None,
        "public_from": series.public_from.isoformat() if series.public_from else None,
    }


@transaction.atomic
def series_create(*, data: SeriesIn, actor: Actor) -> Series:
    """A theaterabonnement of upcoming theatre shows in one seated hall, with its minimum, discount and presale."""
    _staff(actor)
    fields, shows = _series_clean(data, keep=set())
    series = Series.objects.create(**fields)
    series.shows.set(shows)
    audit_log(actor=actor, action="series.created", details=_series_details(series, shows))
    return series


@transaction.atomic
def series_update(*, series: Series, data: SeriesIn, actor: Actor) -> Series:
    """Change a theaterabonnement; its shows that have been played may stay in it, new ones must be upcoming.

    Orders sold before keep what they were sold at.
    """
    _staff(actor)
    series = Series.objects.select_for_update().get(pk=series.pk)
    fields, shows = _series_clean(data, keep=set(series.shows.values_list("pk", flat=True)))
    for name, value in fields.items():
        setattr(series, name, value)
    series.save(update_fields=list(fields))
    series.shows.set(shows)
    audit_log(actor=actor, action="series.updated", details=_series_details(series, shows))
    return series
