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
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolk.boxoffice.codes import order_token, ticket_code
from kolk.boxoffice.models import Order, PriceCategory, PriceKind, Seat, Series, Show, ShowSeat, Ticket
from kolk.boxoffice.services.payments import TillSale, payment_start
from kolk.boxoffice.services.selling import BLOCK_TRIES, HOLD_MINUTES, MAX_TICKETS, SoldOut, _price, _subject
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError, NotAllowed
from kolk.core.money import euros
from kolk.core.roles import Role, has_role
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


class Presale(KolkError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="presale")


# --- presale ---


def in_words(moment: dt.datetime) -> str:
    """A date in a sentence: 11 december 2026 (month in lower case, as UX.md says)."""
    return date_format(timezone.localtime(moment), "j F Y")


def presale_check(*, members_from: dt.datetime | None, public_from: dt.datetime | None, member: bool) -> None:
    """Refuse a sale before its time: nobody before `members_from`, only members until `public_from`.

    `member` is the yes/no answer of the library whether the buyer's pass is
    current (the member price's check, purpose ticket_sales); nothing else.
    """
    at = now()
    if members_from is not None and at < members_from:
        raise Presale(_("De verkoop begint op %(date)s.") % {"date": in_words(members_from)})
    if public_from is not None and at < public_from and not member:
        raise Presale(_("Voorverkoop voor leden tot %(date)s.") % {"date": in_words(public_from)})


def in_presale(*things: Show | Series) -> bool:
    """Whether any of these is in its members' presale now (the caller then asks whether the buyer is a member)."""
    at = now()
    return any(t.public_from is not None and at < t.public_from for t in things)


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
) -> TillSale:
    """The till sells a theaterabonnement: the same seats in each chosen show, paid by card or in cash.

    As `till_sale`: cash less than the total is refused and nothing is sold. In a
    members' presale the till sells to a member whose pass staff saw (`member_pass_seen`).
    """
    if method not in (Order.Method.CASH, Order.Method.CARD):
        raise KolkError(_("Aan de kassa betaal je contant of met pin."), code="method")
    if not has_role(actor, Role.BOX_OFFICE, Role.ADMINISTRATOR):
        raise NotAllowed(_("Alleen de kassa neemt contant of pin aan."))
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
        order = payment_start(order=order, method=method, actor=actor).order
    return TillSale(order=order, given_cents=given_cents if method == Order.Method.CASH else 0)
