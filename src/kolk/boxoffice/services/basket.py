"""The shop's basket (winkelmand): one held order that gathers seats of several shows, checked out and paid once.

An Order already carries tickets of more than one show (a theaterabonnement
does), so a basket is a held order like any other: its Tickets and ShowSeats
say per show what is held, `Order.show` is its earliest show. Adding or
removing a show is one transaction that locks the order's row first (the order
every payment and the expiry take) and then only that show's seats, in id
order (`selling.lock_seats`, as `seats_hold` does), or for free seating that
show's row. The query count does not grow with the basket.

A basket holds shows in seated halls; a free-seating show (a place, not a seat) is an
order of its own, as the release and payment of an order count its places by its first show.

Adding renews the hold to HOLD_MINUTES from now (never shorter): the seats
just taken get the time any hold gets, and the basket's earlier seats keep the
same end, so the basket expires as one and the buyer is not rushed for having
gone back to the programme. Removing renews nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from kolk.boxoffice.models import Order, PriceKind, Show, ShowSeat, Ticket, WaitlistEntry
from kolk.boxoffice.services.presale import presale_check
from kolk.boxoffice.services.selling import (
    HOLD_MINUTES,
    MAX_TICKETS,
    SoldOut,
    _check_on_sale,
    _price,
    _subject,
    adjacent_blocks,
    held_tickets,
    lock_best_available,
    lock_block,
    lock_seats,
    seats_give_back,
)
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log


def _open_basket(order: Order) -> Order:
    """Lock the order's row (with its show) and check it is a basket that can still change."""
    # The order's row locked and read with whether it is a waiting-list offer: one query.
    offer = Exists(WaitlistEntry.objects.filter(order_id=OuterRef("pk")))
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("show__hall")
        .annotate(offer=offer)
        .get(pk=order.pk)
    )
    if order.series_id is not None:
        raise KolkError(
            _("Een theaterabonnement is een bestelling op zich; voeg losse voorstellingen apart toe."),
            code="series_order",
        )
    if order.status == Order.Status.PENDING_PAYMENT:
        raise KolkError(
            _("Je hebt deze bestelling al afgerekend; betaal haar eerst of kies andere stoelen."),
            code="checked_out",
        )
    if order.status != Order.Status.HELD or (order.expires_at and order.expires_at <= now()):
        raise KolkError(_("Je winkelmand is verlopen; kies opnieuw je plaatsen."), code="expired")
    if order.offer:  # an offer is bought as it was offered
        raise KolkError(
            _("Dit zijn de plaatsen die de wachtlijst je aanbiedt; die koop je zoals ze zijn."), code="waitlist_offer"
        )
    return order


@transaction.atomic
def basket_add(
    *,
    order: Order,
    show: Show,
    actor: Actor,
    seat_ids: Sequence[int] = (),
    quantity: int = 0,
    member: bool = False,
) -> Order:
    """Put seats of `show` in the held basket `order`: the chosen `seat_ids`, or the best `quantity`.

    For a show already in the basket these seats take the place of its earlier
    ones (the buyer changed them); seats the basket holds count as free to it.
    At most MAX_TICKETS per show. `show` comes with its hall and prices
    (`selectors.show_get`); `member` is the yes/no pass check, asked only in a
    members' presale. Refused (not on sale, presale, sold out): nothing written.
    """
    _check_on_sale(show)
    presale_check(members_from=show.members_from, public_from=show.public_from, member=member)
    chosen = set(seat_ids)
    wanted = len(chosen) if seat_ids else quantity
    if not 1 <= wanted <= MAX_TICKETS:
        raise ValidationError({"quantity": [_("Kies 1 tot %(max)s plaatsen per voorstelling.") % {"max": MAX_TICKETS}]})
    if seat_ids and len(chosen) != len(seat_ids):
        raise ValidationError({"seat_ids": [_("Een stoel staat dubbel in de keuze.")]})
    order = _open_basket(order)
    if not (show.hall.is_seated and order.show.hall.is_seated):
        raise KolkError(
            _("Kaartjes voor vrije zitplaatsen bestel je apart: rond eerst je winkelmand af."), code="free_seating"
        )
    regular = _price(show, PriceKind.REGULAR)
    earlier = list(Ticket.objects.filter(order=order, show=show).values_list("seat_id", "amount_cents"))
    earlier_seats = sorted(seat for seat, _amount in earlier if seat is not None)
    if seat_ids:
        # The chosen seats and the ones this show had in the basket, locked together in id order.
        locked = lock_seats(show.pk, sorted(chosen | set(earlier_seats)))
        taking = [s for s in locked if s.seat_id in chosen]
        if len(taking) != wanted:
            raise ValidationError({"seat_ids": [_("Deze stoel hoort niet bij deze voorstelling.")]})
        if any(s.status != ShowSeat.Status.AVAILABLE and s.order_id != order.pk for s in taking):
            raise SoldOut(_("Een van de gekozen stoelen is niet meer vrij."))
        giving_back = [s.pk for s in locked if s.seat_id not in chosen]
        new = [s.pk for s in taking if s.order_id != order.pk]
    else:
        giving_back = [s.pk for s in lock_seats(show.pk, earlier_seats)] if earlier_seats else []
        if giving_back:  # best seats anew: the earlier ones are free to choose again (kept while people wait)
            seats_give_back(ShowSeat.objects.filter(pk__in=giving_back))
            giving_back = []
        taking = []
        if wanted > 1:  # a group sits together when it can
            for block in adjacent_blocks(show.pk, wanted):
                taking = lock_block(show.pk, block)
                if len(taking) == wanted:
                    break
            else:
                taking = []
        if not taking:
            taking = lock_best_available(show.pk, wanted)
        if len(taking) < wanted:
            raise SoldOut()
        new = [s.pk for s in taking]
    if giving_back:
        seats_give_back(ShowSeat.objects.filter(pk__in=giving_back))
    if new:
        ShowSeat.objects.filter(pk__in=new).update(status=ShowSeat.Status.HELD, order=order)
    places = sorted(s.seat_id for s in taking)
    if earlier:  # held tickets only: never paid, no code handed out
        Ticket.objects.filter(order=order, show=show).delete()
    held_tickets(order, show, regular, places)
    order.total_cents += regular.amount_cents * wanted - sum(amount for _seat, amount in earlier)
    if show.starts_at < order.show.starts_at:
        order.show = show  # a basket's show is its earliest, as a theaterabonnement's is
    order.expires_at = max(order.expires_at or now(), now() + dt.timedelta(minutes=HOLD_MINUTES))
    order.save(update_fields=["total_cents", "show", "expires_at"])
    audit_log(
        actor=actor,
        action="order.basket_added",
        **_subject(order),
        details={"order": order.pk, "show": show.pk, "count": wanted, "replaced": len(earlier)},
    )
    return order


@transaction.atomic
def basket_remove(*, order: Order, show: Show, actor: Actor) -> Order:
    """Take a show out of the held basket: its seats go back on sale at once (to the waiting list first).

    Taking out the last show cancels the basket (nothing is left to pay for).
    """
    order = _open_basket(order)
    held = list(Ticket.objects.filter(order=order, show=show).values_list("seat_id", "amount_cents"))
    if not held:
        raise KolkError(_("Deze voorstelling staat niet in je winkelmand."), code="not_in_basket")
    locked = lock_seats(show.pk, sorted(seat for seat, _amount in held if seat is not None))
    seats_give_back(ShowSeat.objects.filter(pk__in=[s.pk for s in locked if s.order_id == order.pk]))
    Ticket.objects.filter(order=order, show=show).delete()
    order.total_cents -= sum(amount for _seat, amount in held)
    fields = ["total_cents"]
    if order.show_id == show.pk:
        first = (
            Ticket.objects.filter(order=order)
            .order_by("show__starts_at", "show_id")
            .values_list("show_id", flat=True)
            .first()
        )
        if first is None:  # the basket is empty
            order.status, order.expires_at = Order.Status.CANCELLED, None
            fields += ["status", "expires_at"]
        else:
            order.show_id = first
            fields.append("show")
    order.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="order.basket_removed",
        **_subject(order),
        details={"order": order.pk, "show": show.pk, "count": len(held)},
    )
    return order
