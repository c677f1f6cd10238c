"""Selling tickets: hold seats, check out, mark paid, cancel, and release what expired.

The hot path. A hold locks exactly the seats in contention (ShowSeat rows of one
show, in id order so two buyers never wait on each other in a circle; best seats
and blocks for a group with SKIP LOCKED, so nobody waits on another buyer's
seats), or, for free seating, the show's own row. Nothing else is locked, and no
query grows with the show's sales or the buyer's history. A payment, whatever its
provider, is written by `order_pay` in one order of locks (the order's row first,
the show's counts last), and draws no QR code: it enqueues the ticket mail for the worker.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, NamedTuple, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.utils.translation import gettext as _
from django_tasks import task

from kolk.boxoffice.codes import order_token, ticket_code
from kolk.boxoffice.models import (
    PROOF_KINDS,
    Order,
    Payment,
    PriceCategory,
    PriceKind,
    Seat,
    Show,
    ShowSeat,
    ShowStats,
    Ticket,
    WaitlistEntry,
)
from kolk.boxoffice.selectors import order_tickets
from kolk.boxoffice.services.presale import presale_check
from kolk.boxoffice.services.reductions import reductions_give_back
from kolk.boxoffice.tickets import tickets_mail_later
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.prepared import Prepared, insert, insert_many, prefetched, prefetched_rows, save_fields
from kolk.core.validators import no_control_characters, normalize_phone
from kolk.privacy.audit import audit_log, audit_together

HOLD_MINUTES = 10  # to choose prices and fill in name and email
PAY_MINUTES = 15  # to pay online after checking out
MAX_TICKETS = 10
BLOCK_TRIES = 4  # blocks side by side a group tries before it takes the best seats one by one


class SoldOut(KolkError):
    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("Er zijn niet genoeg plaatsen meer vrij."), code="sold_out")


class NotPayable(KolkError):
    """The order cannot take this payment (now): it is paid already, or not yet checked out."""

    def __init__(self) -> None:
        super().__init__(_("Deze bestelling kan nu niet worden betaald."), code="not_payable")


P = ParamSpec("P")
R = TypeVar("R")
_joined: ContextVar[bool] = ContextVar("kolk_sale_joined", default=False)


@contextmanager
def one_transaction() -> Iterator[None]:
    """One transaction for several sale services in a row (the till's hold and payment).

    Inside, `seats_hold` and `order_pay` join it without a savepoint each: an error in
    either rolls the whole back, which is what the caller wants (it catches none halfway).
    Their audit entries are written together, in one statement, before it commits.
    """
    with transaction.atomic(), audit_together():
        token = _joined.set(True)
        try:
            yield
        finally:
            _joined.reset(token)


def _atomic(service: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a sale service: its own transaction, or a savepoint in the caller's,
    or, inside `one_transaction`, simply part of the caller's."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not _joined.get()):
            return service(*args, **kwargs)

    return wrapper


def _subject(order: Order) -> dict[str, Any]:
    """The audit subject of an order: its person, or for a guest the order itself."""
    return {"subject": order.person} if order.person_id else {"subject": order}


# --- the locks. Tests replace these two to show the race without them. ---


# Each lock is one statement, built and compiled once per process (kolk.core.prepared); the seat
# comes with each locked row (the show's seat rows only are locked, FOR UPDATE OF the show's seats),
# so that the tickets the hold writes answer with their row and number without another query.


def lock_seats(show_id: int, seat_ids: Sequence[int]) -> list[ShowSeat]:
    """Lock the wanted seats of a show, in id order (no deadlock between buyers)."""
    return list(
        ShowSeat.objects.select_for_update(of=("self",))
        .select_related("seat")
        .filter(show_id=show_id, seat_id__in=seat_ids)
        .order_by("id")
    )


_BEST: dict[int, Prepared] = {}  # by quantity: a LIMIT is no parameter of the statement


def lock_best_available(show_id: int, quantity: int) -> list[ShowSeat]:
    """Lock the best `quantity` free regular seats; seats another buyer is locking are skipped."""
    if quantity < 1:
        return []
    best = _BEST.get(quantity)
    if best is None:
        best = Prepared(
            lambda show_id: (
                ShowSeat.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("seat")
                .filter(show_id=show_id, status=ShowSeat.Status.AVAILABLE, seat__kind=Seat.Kind.REGULAR)
                .order_by("rank", "id")[:quantity]
            ),
            int,
        )
        if quantity <= MAX_TICKETS:
            _BEST[quantity] = best
    seats: list[ShowSeat] = best.all(show_id)
    return seats


_BLOCK = Prepared(
    lambda show_id, row, first, end: (
        ShowSeat.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("seat")
        .filter(
            show_id=show_id,
            status=ShowSeat.Status.AVAILABLE,
            seat__kind=Seat.Kind.REGULAR,
            # Values, not ints: the ORM leaves a small int column's lookup of an out-of-range int out of
            # the statement, and the markers standing in for the values are such ints.
            seat__row=Value(row),
            seat__number__gte=Value(first),
            seat__number__lt=Value(end),
        )
        .order_by("id")
    ),
    int,
    int,
    int,
    int,
)


def lock_block(show_id: int, block: Block) -> list[ShowSeat]:
    """Lock the free seats of a block that no other buyer is locking; the caller takes it only when all came."""
    seats: list[ShowSeat] = _BLOCK.all(show_id, int(block.row), int(block.first), int(block.first + block.size))
    return seats


def _seats_set(pks: Sequence[int], status: str, order_id: int | None) -> None:
    """Give these (locked) show seats a status and an order: one UPDATE, its text made once per number of seats."""
    if not pks:
        return
    key = (connection.vendor, len(pks))
    sql = _SEATS_SET.get(key)
    if sql is None:
        q = connection.ops.quote_name
        places = ", ".join(["%s"] * len(pks))
        sql = (
            f"UPDATE {q(ShowSeat._meta.db_table)} SET {q('status')} = %s, {q('order_id')} = %s "  # noqa: S608
            f"WHERE {q('id')} IN ({places})"
        )
        _SEATS_SET[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [status, order_id, *pks])


_SEATS_SET: dict[tuple[str, int], str] = {}


class Block(NamedTuple):
    """Seats side by side: `size` seats in `row` from seat number `first` on."""

    row: int
    first: int
    size: int


def _blocks_sql() -> str:
    """Every window of n free regular seats in a row, scored by their ranks (lower is better), best first.

    Consecutive seat numbers minus their position in the row are equal along
    a run of free seats (gaps and islands), so a window inside one run with
    n seats in it is a block side by side.
    """
    q = connection.ops.quote_name
    show_seat, seat = q(ShowSeat._meta.db_table), q(Seat._meta.db_table)
    row, number, rank = q("row"), q("number"), q("rank")
    # Quoted names of our own tables and columns; the values are parameters.
    return f"""
        SELECT seat_row, seat_number FROM (
            SELECT seat_row, seat_number, SUM(seat_rank) OVER w AS score, COUNT(*) OVER w AS seats
            FROM (
                SELECT s.{row} AS seat_row, s.{number} AS seat_number, ss.{rank} AS seat_rank,
                       s.{number} - ROW_NUMBER() OVER (PARTITION BY s.{row} ORDER BY s.{number}) AS run
                FROM {show_seat} ss JOIN {seat} s ON s.{q("id")} = ss.{q("seat_id")}
                WHERE ss.{q("show_id")} = %s AND ss.{q("status")} = %s AND s.{q("kind")} = %s
            ) free
            WINDOW w AS (PARTITION BY seat_row, run ORDER BY seat_number ROWS BETWEEN CURRENT ROW AND {{after}} FOLLOWING)
        ) windows
        WHERE seats = %s
        ORDER BY score, seat_row, seat_number
        LIMIT %s
    """  # noqa: S608


def adjacent_blocks(show_id: int, quantity: int, *, limit: int = BLOCK_TRIES) -> list[Block]:
    """Up to `limit` blocks of `quantity` free regular seats side by side in one row, best first.

    Read without a lock, in one query that the database answers from the
    show's free seats, returning a few windows, not the seats. The blocks do
    not overlap, so buyers who arrive together and find the best block taken
    try the next one instead of waiting for each other.
    """
    size = int(quantity)  # the frame's offset is a literal: SQLite takes no parameter there
    # Each block chosen overlaps at most 2n-1 windows (itself included): enough windows for `limit` blocks.
    wanted = limit * (2 * size - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            _blocks_sql().format(after=size - 1),
            [show_id, ShowSeat.Status.AVAILABLE, Seat.Kind.REGULAR, size, wanted],
        )
        windows = cursor.fetchall()
    chosen: list[Block] = []
    for row, first in windows:
        if all(b.row != row or abs(b.first - first) >= size for b in chosen):
            chosen.append(Block(row=row, first=first, size=size))
            if len(chosen) == limit:
                break
    return chosen


def lock_show(show_id: int) -> Show:
    """Lock a free-seating show's row: its counter is what buyers contend for."""
    return Show.objects.select_for_update().get(pk=show_id)


# --- holding ---


def _price(show: Show, kind: str) -> PriceCategory:
    """A price of the show, from the prices the caller fetched with it (`show_get` does) or one query."""
    for price in show.prices.all():
        if price.kind == kind:
            return price
    raise PriceCategory.DoesNotExist(f"show {show.pk} has no {kind} price")


def _check_on_sale(show: Show) -> None:
    if not show.on_sale or show.starts_at <= now():
        raise KolkError(_("Voor deze voorstelling zijn geen kaartjes (meer) te koop."), code="not_on_sale")


@_atomic
def seats_hold(
    *,
    show: Show,
    actor: Actor,
    seat_ids: Sequence[int] = (),
    quantity: int = 0,
    person: Any = None,
    member: bool = False,
) -> Order:
    """Hold seats for HOLD_MINUTES: the chosen `seat_ids`, or the best `quantity` (free seating: a quantity).

    Returns the held order with a ticket per place at the regular price. In the
    show's members' presale only a member buys: `member` is the caller's yes or
    no whether the buyer's pass is current (kolk.boxoffice.services.presale).
    """
    _check_on_sale(show)
    presale_check(members_from=show.members_from, public_from=show.public_from, member=member)
    wanted = len(set(seat_ids)) if seat_ids else quantity
    if not 1 <= wanted <= MAX_TICKETS:
        raise ValidationError({"quantity": [_("Kies 1 tot %(max)s plaatsen.") % {"max": MAX_TICKETS}]})
    if seat_ids and len(set(seat_ids)) != len(seat_ids):
        raise ValidationError({"seat_ids": [_("Een stoel staat dubbel in de keuze.")]})
    regular = _price(show, PriceKind.REGULAR)
    at = now()
    order = Order(
        show=show,
        person=person,
        token=order_token(),
        status=Order.Status.HELD,
        expires_at=at + dt.timedelta(minutes=HOLD_MINUTES),
        created_at=at,
        total_cents=regular.amount_cents * wanted,
    )
    if show.hall.is_seated:
        if seat_ids:
            seats = lock_seats(show.pk, sorted(seat_ids))
            if len(seats) != wanted:
                raise ValidationError({"seat_ids": [_("Deze stoel hoort niet bij deze voorstelling.")]})
            if any(s.status != ShowSeat.Status.AVAILABLE for s in seats):
                raise SoldOut(_("Een van de gekozen stoelen is niet meer vrij."))
        else:
            seats = []
            if wanted > 1:  # a group sits together when it can
                for block in adjacent_blocks(show.pk, wanted):
                    seats = lock_block(show.pk, block)
                    if len(seats) == wanted:
                        break
                else:
                    seats = []  # every block taken meanwhile: the best seats one by one
            if not seats:
                seats = lock_best_available(show.pk, wanted)
            if len(seats) < wanted:
                raise SoldOut()
        insert(order)
        _seats_set([s.pk for s in seats], ShowSeat.Status.HELD, order.pk)
        # The seat of each (read with its lock), so that the tickets answer with their row and number.
        places: list[Seat | None] = [s.seat if ShowSeat.seat.is_cached(s) else None for s in seats]
        seat_ids_of: list[int | None] = [s.seat_id for s in seats]
    else:
        if seat_ids:
            raise ValidationError({"seat_ids": [_("Bij vrije zitplaatsen kies je alleen een aantal.")]})
        locked = lock_show(show.pk)
        if locked.free_taken + wanted > locked.capacity:
            raise SoldOut()
        locked.free_taken += wanted
        save_fields(locked, "free_taken")
        insert(order)
        places = [None] * wanted
        seat_ids_of = [None] * wanted
    tickets = held_tickets(order, show, regular, seat_ids_of)
    if all(seat is not None for seat in places) or not any(seat_ids_of):
        for ticket, seat in zip(tickets, places, strict=True):
            ticket.seat = seat
        prefetched(order, "tickets", tickets)  # the order's tickets, for the answer: no query
    audit_log(
        actor=actor,
        action="order.held",
        **_subject(order),
        details={"order": order.pk, "show": show.pk, "count": wanted},
    )
    return order


def tickets_price(*, order: Order, prices: Mapping[int, str], actor: Actor = None) -> Order:
    """Set the price of the held order's tickets by seat (`prices`: seat id to price kind; the rest keep theirs).

    For the till, in the caller's transaction right after `seats_hold`: the order
    is the hold's own (its tickets not yet paid), its show's prices fetched with it.
    A reduced price is chosen at the till only for a proof staff saw (65+, jeugd,
    lid, CJP, Stadspas): each such ticket records who saw it and when, nothing of
    the proof itself. Two queries (the tickets, one update), whatever the kinds.
    """
    if not prices:
        return order
    categories = {p.kind: p for p in order.show.prices.all()}
    at = now()
    held = prefetched_rows(order, "tickets")  # the hold's own, in hand
    tickets = sorted(held, key=lambda t: t.pk) if held is not None else list(order.tickets.order_by("pk"))
    seats = {t.seat_id for t in tickets}
    if set(prices) - seats:
        raise ValidationError({"prices": [_("Deze stoel hoort niet bij de bestelling.")]})
    for ticket in tickets:
        kind = prices.get(ticket.seat_id or 0)
        if kind is None:
            continue
        if kind not in categories:
            raise ValidationError(
                {"prices": [_("Het tarief %(kind)s is er niet voor deze voorstelling.") % {"kind": kind}]}
            )
        ticket.price, ticket.amount_cents = categories[kind], categories[kind].amount_cents
        seen = kind in PROOF_KINDS
        ticket.proof_seen_at = at if seen else None
        ticket.proof_seen_by_id = user_id(actor) if seen else None
    Ticket.objects.bulk_update(tickets, ["price", "amount_cents", "proof_seen_at", "proof_seen_by"])
    order.total_cents = sum(t.amount_cents for t in tickets)
    save_fields(order, "total_cents")
    if held is None:
        prefetched(order, "tickets", tickets)
    return order


def held_tickets(order: Order, show: Show, price: PriceCategory, seat_ids: Sequence[int | None]) -> list[Ticket]:
    """A held order's new tickets for one show at `price`, one per seat (None: a free-seating place), with their
    codes, written in one statement; a hold, a basket and a waiting-list offer make them so."""
    tickets = [
        Ticket(
            order=order, show=show, seat_id=seat_id, price=price, amount_cents=price.amount_cents, code=ticket_code()
        )
        for seat_id in seat_ids
    ]
    insert_many(tickets)
    return tickets


def _release(order: Order) -> None:
    """Give an order's places back to the show (the order row is locked by the caller)."""
    if order.show.hall.is_seated:
        # Locked in id order first, as every seat lock is taken (lock_seats): an UPDATE alone locks
        # in the order it finds the rows, and could wait crosswise on a buyer picking the same seats.
        seat_ids = list(
            ShowSeat.objects.filter(order=order).select_for_update().order_by("pk").values_list("pk", flat=True)
        )
        seats_give_back(ShowSeat.objects.filter(pk__in=seat_ids))
    else:
        places_give_back(order.show_id, order.tickets.count())


# --- freed places go to the waiting list first ---
#
# While people wait for a show, a place freed (a refund, a cancel, a hold or an unpaid
# order that ran out, a basket given back) is kept for the waiting list: a seat becomes
# KEPT, a free-seating place stays counted in `free_taken` and in `waitlist_kept`. The
# shop, the till and a theaterabonnement take only AVAILABLE seats and places within
# `capacity - free_taken`, so they cannot take a kept place: `seats_hold` reads and locks
# what it did before, nothing more. Only the waiting list's offers take kept places
# (kolk.boxoffice.services.waitlist), which also put them back on sale when nobody waits.


def _waiting(show_ref: str) -> Exists:
    return Exists(WaitlistEntry.objects.filter(show_id=OuterRef(show_ref), status=WaitlistEntry.Status.WAITING))


def seats_give_back(seats: QuerySet[ShowSeat]) -> int:
    """Free these (held or sold) seats, in one UPDATE: a regular seat of a show with people
    waiting is kept for its waiting list, any other goes back on sale. Returns how many."""
    regular = Exists(Seat.objects.filter(pk=OuterRef("seat_id"), kind=Seat.Kind.REGULAR))
    return seats.update(
        order=None,
        status=Case(
            When(_waiting("show_id") & regular, then=Value(ShowSeat.Status.KEPT)),
            default=Value(ShowSeat.Status.AVAILABLE),
        ),
    )


def places_give_back(show_id: int, count: int) -> None:
    """Free `count` places of a free-seating show, in one UPDATE: kept for its waiting list
    while people wait (still taken for the shop), else back on sale."""
    waiting = _waiting("pk")
    Show.objects.filter(pk=show_id).update(
        free_taken=Case(
            When(waiting, then=F("free_taken")), default=F("free_taken") - count, output_field=IntegerField()
        ),
        waitlist_kept=Case(
            When(waiting, then=F("waitlist_kept") + count), default=F("waitlist_kept"), output_field=IntegerField()
        ),
    )


_LOCK_ORDER: dict[tuple[str, ...], Prepared] = {}


def _lock_order(order: Order, *related: str) -> Order:
    """Lock the order's row and read it again, with only the relations the caller needs."""
    lock = _LOCK_ORDER.get(related)
    if lock is None:
        lock = _LOCK_ORDER[related] = Prepared(
            lambda pk: Order.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=pk), int
        )
    found: Order | None = lock.first(order.pk)
    if found is None:
        raise Order.DoesNotExist(f"no order {order.pk}")
    return found


# --- checking out ---


def _clean_buyer(name: str, email: str, phone: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    try:
        no_control_characters(name)
    except ValidationError as exc:
        errors["buyer_name"] = exc.messages
    if not name or len(name) > 200:
        errors.setdefault("buyer_name", []).append(_("Vul je naam in."))
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["buyer_email"] = [_("Vul een geldig e-mailadres in.")]
    if phone.strip():
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["buyer_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return name, email, phone.strip()


@transaction.atomic
def order_checkout(
    *,
    order: Order,
    buyer_name: str,
    buyer_email: str,
    actor: Actor,
    buyer_phone: str = "",
    prices: Mapping[int, str] | None = None,
    person: Any = None,
    member_pass_valid: bool | None = None,
) -> Order:
    """Fill in the buyer (B01/B02, T01/T02: name, email, phone) and a price per ticket.

    `prices` maps ticket id to a price kind (default regular); the member price
    needs a logged-in member with a pass, and where the caller checked the pass
    against the library (`member_pass_valid`, the shop does), a current one.
    Online, other reduced prices are checked at the door. The order then waits
    PAY_MINUTES for payment.
    """
    name, email, phone = _clean_buyer(buyer_name, buyer_email, buyer_phone)
    order = _lock_order(order)
    if order.status != Order.Status.HELD or (order.expires_at and order.expires_at <= now()):
        raise KolkError(_("Deze bestelling is verlopen; kies opnieuw je plaatsen."), code="expired")
    person = person if person is not None else order.person
    # With their seats and shows, as the answer shows them (kolk.boxoffice.selectors.order_tickets): one query.
    tickets = sorted(order_tickets(order), key=lambda t: t.pk)
    chosen = dict(prices or {})
    if set(chosen) - {t.pk for t in tickets}:
        raise ValidationError({"prices": [_("Dit kaartje hoort niet bij de bestelling.")]})
    if order.series_id is not None and chosen:  # a theaterabonnement keeps its series price
        raise ValidationError({"prices": [_("Een theaterabonnement heeft één tarief.")]})
    wanted = {t.pk: chosen.get(t.pk, PriceKind.REGULAR) for t in tickets}
    # Most buyers keep the price of the hold: then there is nothing to read or write.
    current = order.series_id is not None or all(
        t.price.kind == wanted[t.pk] and t.amount_cents == t.price.amount_cents for t in tickets
    )
    # Each ticket's own show's prices: a basket holds tickets of several shows.
    shows = {t.show_id for t in tickets}
    categories = {} if current else {(p.show_id, p.kind): p for p in PriceCategory.objects.filter(show_id__in=shows)}
    for ticket in tickets:
        kind = wanted[ticket.pk]
        if not current and (ticket.show_id, kind) not in categories:
            raise ValidationError({"prices": [_("Dit tarief is er niet voor deze voorstelling.")]})
        if kind == PriceKind.MEMBER and not (person is not None and getattr(person, "pass_number", None)):
            raise ValidationError({"prices": [_("Het ledentarief is er voor leden met een pas; log in.")]})
        if kind == PriceKind.MEMBER and member_pass_valid is False:
            raise ValidationError(
                {"prices": [_("Het ledentarief is er voor leden met een lopend abonnement van de bibliotheek.")]}
            )
        if not current:
            ticket.price = categories[ticket.show_id, kind]
            ticket.amount_cents = ticket.price.amount_cents
    if not current:
        Ticket.objects.bulk_update(tickets, ["price", "amount_cents"])
    order.person = person
    order.buyer_name, order.buyer_email, order.buyer_phone = name, email, phone
    order.total_cents = sum(t.amount_cents for t in tickets)
    order.status = Order.Status.PENDING_PAYMENT
    # PAY_MINUTES to pay, or what is left of a longer hold (a waiting-list offer keeps its day).
    order.expires_at = max(order.expires_at or now(), now() + dt.timedelta(minutes=PAY_MINUTES))
    save_fields(order, "person", "buyer_name", "buyer_email", "buyer_phone", "total_cents", "status", "expires_at")
    prefetched(order, "tickets", tickets)
    audit_log(
        actor=actor,
        action="order.checked_out",
        **_subject(order),
        details={"order": order.pk, "prices": sorted(Counter(t.price.kind for t in tickets).elements())},
    )
    return order


# --- paying ---


def _retake(order: Order) -> None:
    """Take an expired order's places again (a late payment); SoldOut if they are gone."""
    count = order.tickets.count()
    if order.show.hall.is_seated:
        places = set(order.tickets.values_list("show_id", "seat_id"))
        if len({show for show, _seat in places}) > 1:  # a theaterabonnement: its seats in each of its shows
            shows, seat_ids = sorted({p[0] for p in places}), sorted({p[1] for p in places if p[1] is not None})
            candidates = ShowSeat.objects.select_for_update().filter(show_id__in=shows, seat_id__in=seat_ids)
            seats = [s for s in candidates.order_by("id") if (s.show_id, s.seat_id) in places]
        else:
            seats = lock_seats(order.show_id, sorted(s for _show, s in places if s is not None))
        if any(s.status != ShowSeat.Status.AVAILABLE for s in seats):
            raise SoldOut(_("De plaatsen van deze bestelling zijn intussen verkocht."))
        ShowSeat.objects.filter(pk__in=[s.pk for s in seats]).update(status=ShowSeat.Status.HELD, order=order)
    else:
        show = lock_show(order.show_id)
        if show.free_taken + count > show.capacity:
            raise SoldOut()
        show.free_taken += count
        show.save(update_fields=["free_taken"])


@_atomic
def order_pay(
    *,
    order: Order,
    method: str,
    actor: Actor,
    provider_ref: str = "",
    payment: Payment | None = None,
    ours: bool = False,
) -> Order:
    """Record that an order is paid: its payment written, seats sold, counts up.

    `payment` is the provider's record of what paid it: a new one (the till, an
    invoice), written for the order's total, or the webhook's own with its new
    status. Every payment takes its locks and writes in this one order: the
    order's row, the payment's, the places, the order, the show's counts. So a
    till and Mollie's webhook paying the same order wait for each other on the
    order's row, and the second finds it paid: NotPayable, never paid twice.
    Without a payment the call is idempotent (a paid order is returned as is).

    A payment that arrives after the order expired takes the places again if
    they are still free; otherwise SoldOut is raised and the caller refunds.

    `ours`: the caller made the order in this same transaction (the till's walk-in
    sale holds and pays in one), so no other transaction can see its row yet, and
    the order in hand (with its show's hall and its tickets) is what the row holds:
    it is not read again.
    """
    if method not in Order.Method.values or not method:
        raise ValidationError({"method": [_("Onbekende betaalwijze.")]})
    if not ours:
        order = _lock_order(order, "show__hall")
    if order.status == Order.Status.PAID:
        if payment is not None:
            raise NotPayable()
        return order
    if not order.buyer_email and method not in (Order.Method.CASH, Order.Method.CARD, Order.Method.VOUCHER):
        raise KolkError(_("Vul eerst naam en e-mailadres in."), code="checkout_first")
    if payment is not None and payment.pk is not None and payment.amount_cents < order.total_cents:
        # A provider's payment for less than the order costs now: a gift voucher or a discount
        # code paid the rest, and went back when the order expired (the voucher perhaps spent
        # again since). Never tickets for less than their price: the caller refunds it.
        raise NotPayable()
    at = now()
    if payment is not None and payment.pk is None:
        payment.order, payment.amount_cents, payment.created_at = order, order.total_cents, at
        insert(payment)
    elif payment is not None:
        save_fields(payment, "status")
    if order.status in (Order.Status.EXPIRED, Order.Status.CANCELLED):
        _retake(order)
    if order.show.hall.is_seated:
        _seats_sold(order.pk)
    order.status, order.method, order.paid_at, order.expires_at = Order.Status.PAID, method, at, None
    order.payment_ref = provider_ref or order.payment_ref
    save_fields(order, "status", "method", "paid_at", "expires_at", "payment_ref")
    if order.buyer_email:
        tickets_mail_later(order=order)
    audit_log(actor=actor, action="order.paid", **_subject(order), details={"order": order.pk, "method": method})
    # Last: every sale of the show updates its counts, so their row lock is held for as short as can be.
    _count(order, sign=1)
    return order


def _seats_sold(order_id: int) -> None:
    """The order's (held) seats sold: one UPDATE, its text made once per process."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(ShowSeat._meta.db_table)} SET {q('status')} = %s WHERE {q('order_id')} = %s",  # noqa: S608
            [ShowSeat.Status.SOLD, order_id],
        )


def _count(order: Order, *, sign: int) -> None:
    """Add (or take back) the order's tickets in the per-show counts.

    The tickets in hand where the sale left them on the order (the till's walk-in
    sale), else one query; the order of the order's tickets with their prices, as
    `order_tickets` reads them, is left on the order for the answer.
    """
    per_kind: Counter[tuple[int, str]] = Counter()
    revenue: Counter[tuple[int, str]] = Counter()
    tickets = order_tickets(order)
    prefetched(order, "tickets", tickets)
    # Per ticket's show: a theaterabonnement counts in each of its shows, in show order (no deadlock).
    for ticket in tickets:
        per_kind[ticket.show_id, ticket.price.kind] += 1
        revenue[ticket.show_id, ticket.price.kind] += ticket.amount_cents
    q = connection.ops.quote_name
    table = q(ShowStats._meta.db_table)
    sold, cents = q("sold"), q("revenue_cents")
    sql = (
        f"UPDATE {table} SET {sold} = {sold} + %s, {cents} = {cents} + %s "  # noqa: S608
        f"WHERE {q('show_id')} = %s AND {q('kind')} = %s"
    )
    for (show_id, kind), count in sorted(per_kind.items()):
        delta: list[int | str] = [sign * count, sign * revenue[show_id, kind], show_id, str(kind)]
        with connection.cursor() as cursor:
            cursor.execute(sql, delta)
            if cursor.rowcount:
                continue
        # The show's first sale at this price
        ShowStats.objects.bulk_create([ShowStats(show_id=show_id, kind=kind)], ignore_conflicts=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, delta)


# --- cancelling and expiring ---


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, refund: bool = False) -> Order:
    """Cancel an order and free its places (box office). A paid order is refunded when `refund`."""
    order = _lock_order(order, "show__hall")
    if order.status in (Order.Status.CANCELLED, Order.Status.EXPIRED):
        return order
    was_paid = order.status == Order.Status.PAID
    if was_paid and not refund:
        raise KolkError(_("Deze bestelling is betaald; annuleren kan alleen met terugbetaling."), code="paid")
    if was_paid:  # the refund's record first, after the order's row: the order every payment takes (order_pay)
        Payment.objects.create(
            order=order,
            method=order.method,
            amount_cents=order.total_cents,
            status=Payment.Status.REFUND_DUE if order.method == Order.Method.IDEAL else Payment.Status.REFUNDED,
            provider_ref=order.payment_ref,
            created_at=now(),
        )
    _release(order)
    reductions_give_back([order.pk])
    if was_paid:
        _count(order, sign=-1)
    order.status, order.expires_at = Order.Status.CANCELLED, None
    order.save(update_fields=["status", "expires_at"])
    audit_log(
        actor=actor,
        action="order.refunded" if was_paid else "order.cancelled",
        **_subject(order),
        details={"order": order.pk, "amount_cents": order.total_cents if was_paid else 0},
    )
    return order


def orders_expire(*, at: dt.datetime | None = None, batch: int = 500) -> int:
    """Release held and unpaid orders past their time; returns how many. Safe to run anywhere."""
    at = at or now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Order.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("show__hall")
                .filter(status__in=[Order.Status.HELD, Order.Status.PENDING_PAYMENT], expires_at__lte=at)
                .order_by("expires_at")[:batch]
            )
            for order in due:
                _release(order)
            if due:
                reductions_give_back([o.pk for o in due])
            Order.objects.filter(pk__in=[o.pk for o in due]).update(status=Order.Status.EXPIRED)
            if due:
                audit_log(actor=None, action="order.expired", details={"orders": [o.pk for o in due]})
        done += len(due)
        if len(due) < batch:
            return done


@task()
def release_expired_orders() -> int:
    """Free the seats of holds and unpaid orders past their time (periodic)."""
    return orders_expire()
