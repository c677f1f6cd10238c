"""The waiting list (wachtlijst) of a sold-out show: freed seats offered in the order people joined.

While people wait, a freed place is kept for the list (selling's `seats_give_back`
and `places_give_back`: a KEPT seat, or a place in `Show.waitlist_kept`), so no
buyer in the shop or at the till takes it before the first in line is offered it.
An offer is a hold on kept places (free ones too, should any be on sale while
people wait) for the next on the list, that lasts the offer's time limit instead
of the shop's minutes: the buyer checks it out like any order, and buys exactly
the places offered. When the offer runs out, `orders_expire` frees its places,
kept again for the next in line while anyone waits; when nobody waits any more,
kept places go back on sale.

Freed seats go in order of joining; a group larger than the freed seats keeps
its place while the next group that fits gets them. In a show's members' presale
they go to members only (`WaitlistEntry.member`, the library's yes asked when they
joined), in order of joining; everyone else keeps their place and is offered seats
from the public sale on, in order with the rest. Before the members' presale nobody buys,
and nobody is offered.

Offers are made by `waitlist_offers_make`, a periodic job. Each offer is one
transaction (the hold, the entry marked, the mail queued), taken under the show's
row lock with SKIP LOCKED, so two workers never offer for one show at once and a
crash leaves either the offer whole or nothing: the next run goes on from there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from kolk.boxoffice.codes import order_token
from kolk.boxoffice.models import Order, PriceKind, Seat, Show, ShowSeat, WaitlistEntry
from kolk.boxoffice.services.selling import _price, held_tickets, lock_best_available, orders_expire
from kolk.comms.models import MessageKind
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError, NotFound
from kolk.core.validators import no_control_characters
from kolk.privacy.audit import audit_log

MAX_WAITING = 4  # tickets one entry may wait for
_SALT = "kolk.boxoffice.waitlist.offer"


def offer_hours() -> int:
    """How long an offer holds its seats (KOLK_WAITLIST_OFFER_HOURS, default 24)."""
    return int(settings.KOLK_WAITLIST_OFFER_HOURS)


def sold_out(show: Show) -> bool:
    if show.hall.is_seated:
        return not ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).exists()
    return show.free_taken >= show.capacity


def _clean(name: str, email: str, quantity: int) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    try:
        no_control_characters(name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    if not name or len(name) > 200:
        errors.setdefault("name", []).append(_("Vul je naam in."))
    email = email.strip()
    try:
        no_control_characters(email)
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Vul een geldig e-mailadres in.")]
    if not 1 <= quantity <= MAX_WAITING:
        errors["quantity"] = [_("Kies 1 tot %(max)s kaartjes.") % {"max": MAX_WAITING}]
    if errors:
        raise ValidationError(errors)
    return name, email


@transaction.atomic
def waitlist_join(
    *, show: Show, name: str, email: str, quantity: int, actor: Actor, person: Any = None, member: bool = False
) -> WaitlistEntry:
    """Put a buyer (T07: name and email, a member or not) on a sold-out show's waiting list.

    `member` is the library's yes or no whether the buyer's pass is current (T06), which the caller asks
    only in the show's members' presale: in the presale, freed seats are offered to members first.
    """
    name, email = _clean(name, email, quantity)
    if not show.on_sale or show.starts_at <= now():
        raise KolkError(_("Voor deze voorstelling zijn geen kaartjes (meer) te koop."), code="not_on_sale")
    if not sold_out(show):
        raise KolkError(_("Er zijn nog plaatsen vrij: kies ze hierboven."), code="not_sold_out")
    entry = WaitlistEntry(
        show=show,
        person=person,
        name=name,
        email=email.lower(),
        quantity=quantity,
        joined_at=now(),
        member=bool(member and person is not None),
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise KolkError(
            _("Dit e-mailadres staat al op de wachtlijst van deze voorstelling."), code="already_waiting"
        ) from None
    audit_log(
        actor=actor,
        action="waitlist.joined",
        **({"subject": person} if person is not None else {}),
        details={"entry": entry.pk, "show": show.pk, "count": quantity},
    )
    return entry


def offer_token(entry: WaitlistEntry) -> str:
    """The signed key of an offer's link: the entry and its order, nothing personal."""
    return signing.dumps({"w": entry.pk, "o": entry.order_id}, salt=_SALT, compress=True)


def offer_url(entry: WaitlistEntry) -> str:
    return settings.KOLK_SITE_URL.rstrip("/") + reverse("web:shop:waitlist_offer", args=[offer_token(entry)])


def offer_by_token(token: str) -> WaitlistEntry:
    """The offer a link names; NotFound for a link that is not ours or was changed."""
    if len(token) > 200:
        raise NotFound()
    try:
        data = signing.loads(token, salt=_SALT, max_age=dt.timedelta(hours=offer_hours(), days=1))
    except signing.BadSignature:
        raise NotFound() from None
    if not isinstance(data, dict) or not isinstance(data.get("w"), int) or not isinstance(data.get("o"), int):
        raise NotFound()
    entry = (
        WaitlistEntry.objects.select_related("order", "show__hall__venue", "show__production", "show__film")
        .filter(pk=data["w"], order_id=data["o"])
        .first()
    )
    if entry is None or entry.order is None:
        raise NotFound()
    return entry


def offer_of(order: Order) -> WaitlistEntry | None:
    """The live waiting-list offer this order holds, if it is one (its page then sells it as offered)."""
    if order.status not in (Order.Status.HELD, Order.Status.PENDING_PAYMENT):
        return None
    return WaitlistEntry.objects.filter(order=order, status=WaitlistEntry.Status.OFFERED).first()


def _settle() -> None:
    """Offers whose order was bought are done; offers whose order ran out or was cancelled expired."""
    WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, order__status=Order.Status.PAID).update(
        status=WaitlistEntry.Status.BOUGHT
    )
    WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED).filter(
        Q(order__isnull=True) | Q(order__status__in=[Order.Status.EXPIRED, Order.Status.CANCELLED])
    ).update(status=WaitlistEntry.Status.EXPIRED)


def _free(show: Show) -> int:
    """Places an offer could take now: kept for the list, and any free regular seat or place on sale."""
    if show.hall.is_seated:
        return ShowSeat.objects.filter(
            show=show, status__in=[ShowSeat.Status.KEPT, ShowSeat.Status.AVAILABLE], seat__kind=Seat.Kind.REGULAR
        ).count()
    return show.waitlist_kept + max(0, show.capacity - show.free_taken)


def lock_for_offers(show_id: int) -> Show | None:
    """Lock a show's row for its offers, or None when another worker holds it. Tests replace it."""
    return Show.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=show_id).first()


def lock_kept(show_id: int, quantity: int) -> list[ShowSeat]:
    """Lock the best `quantity` seats kept for the list.

    Under the show's row lock only one offer takes kept seats at a time; SKIP LOCKED passes a
    seat a buyer in the shop is locking by its number (to be refused), so nobody waits in a circle.
    """
    return list(
        ShowSeat.objects.select_for_update(skip_locked=True)
        .filter(show_id=show_id, status=ShowSeat.Status.KEPT)
        .order_by("rank", "id")[:quantity]
    )


def _offer_hold(show: Show, entry: WaitlistEntry, until: dt.datetime) -> Order | None:
    """Hold the entry's places for its offer until `until`: kept places first, then free ones; None if too few.

    Called under the show's row lock (`lock_for_offers`). The order is the buyer's to check
    out, at the regular price per place as any hold, with their name and address filled in.
    """
    wanted = entry.quantity
    regular = _price(show, PriceKind.REGULAR)
    order = Order(
        show=show,
        person=entry.person,
        token=order_token(),
        status=Order.Status.HELD,
        expires_at=until,
        created_at=now(),
        buyer_name=entry.name,
        buyer_email=entry.email,
        total_cents=regular.amount_cents * wanted,
    )
    if show.hall.is_seated:
        seats = lock_kept(show.pk, wanted)
        if len(seats) < wanted:  # seats on sale while people wait (they joined as it was freed)
            seats += lock_best_available(show.pk, wanted - len(seats))
        if len(seats) < wanted:
            return None
        order.save()
        ShowSeat.objects.filter(pk__in=[s.pk for s in seats]).update(status=ShowSeat.Status.HELD, order=order)
        places: list[int | None] = [s.seat_id for s in sorted(seats, key=lambda s: s.seat_id)]
    else:
        kept = min(show.waitlist_kept, wanted)
        if show.free_taken + (wanted - kept) > show.capacity:
            return None
        # The kept places stay in `free_taken`, now for the offer's hold; the rest are taken anew.
        Show.objects.filter(pk=show.pk).update(
            waitlist_kept=F("waitlist_kept") - kept, free_taken=F("free_taken") + (wanted - kept)
        )
        order.save()
        places = [None] * wanted
    held_tickets(order, show, regular, places)
    return order


def _offer_next(show_id: int, at: dt.datetime) -> bool:
    """Offer freed seats of one show to the first in line; True when an offer was made."""
    with transaction.atomic():
        show = lock_for_offers(show_id)
        if show is None:  # another worker is offering for this show now
            return False
        show = Show.objects.select_related("hall").prefetch_related("prices").get(pk=show_id)
        if show.members_from is not None and at < show.members_from:
            return False  # before the members' presale nobody buys, nor is offered seats
        free = _free(show)
        # The first in line whose group fits the freed seats; a larger group before them keeps its place.
        waiting = WaitlistEntry.objects.filter(show_id=show_id, status=WaitlistEntry.Status.WAITING, quantity__lte=free)
        if show.public_from is not None and at < show.public_from:
            waiting = waiting.filter(member=True)  # the members' presale: the others wait for the public sale
        entry = waiting.order_by("id").first()
        if entry is None:
            return False
        until = at + dt.timedelta(hours=offer_hours())
        order = _offer_hold(show, entry, until)
        if order is None:
            return False  # a buyer in the shop took free seats meanwhile: the next run tries again
        entry.status, entry.order, entry.offered_at = WaitlistEntry.Status.OFFERED, order, at
        entry.save(update_fields=["status", "order", "offered_at"])
        message_queue(
            template="waitlist_offer",
            context={"entry": entry, "show": show, "until": until, "offer_url": offer_url(entry)},
            purpose="service_mails",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=f"boxoffice.waitlist.{entry.pk}.{order.pk}",
            language=get_language() or settings.LANGUAGE_CODE,
            to_address=entry.email,
        )
        audit_log(
            actor=None,
            action="order.held",
            **({"subject": entry.person} if entry.person_id else {"subject": order}),
            details={"order": order.pk, "show": show_id, "count": entry.quantity},
        )
        audit_log(
            actor=None,
            action="waitlist.offered",
            **({"subject": entry.person} if entry.person_id else {"subject": order}),
            details={"entry": entry.pk, "order": order.pk, "show": show_id, "count": entry.quantity},
        )
        return True


def _back_on_sale(show_id: int) -> int:
    """Nobody waits for the show any more: its kept places go back on sale. Returns how many."""
    with transaction.atomic():
        if lock_for_offers(show_id) is None:
            return 0
        if WaitlistEntry.objects.filter(show_id=show_id, status=WaitlistEntry.Status.WAITING).exists():
            return 0
        back = ShowSeat.objects.filter(show_id=show_id, status=ShowSeat.Status.KEPT).update(
            status=ShowSeat.Status.AVAILABLE
        )
        kept = Show.objects.filter(pk=show_id).values_list("waitlist_kept", flat=True).first() or 0
        if kept:
            Show.objects.filter(pk=show_id).update(free_taken=F("free_taken") - kept, waitlist_kept=0)
        if back or kept:
            audit_log(actor=None, action="waitlist.back_on_sale", details={"show": show_id, "count": back + kept})
        return back + kept


def waitlist_offers_make(*, at: dt.datetime | None = None, limit: int = 1000) -> int:
    """Offer freed seats to the waiting lists, in order; returns how many offers were made.

    Runs anywhere, any number of times: seats of expired holds are freed first
    (kept for the list where people wait), finished offers settled, then each
    show with people waiting and seats free offers to its first in line until
    its seats or its list run out. A show that keeps places while nobody waits
    any more puts them back on sale.
    """
    at = at or now()
    orders_expire(at=at)
    _settle()
    shows = set(
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING, show__starts_at__gt=at, show__on_sale=True)
        .values_list("show_id", flat=True)
        .distinct()
    )
    # Shows keeping places: few seats (a partial index), few free-seating shows.
    keeping = set(
        ShowSeat.objects.filter(status=ShowSeat.Status.KEPT, show__starts_at__gt=at)
        .values_list("show_id", flat=True)
        .distinct()
    ) | set(Show.objects.filter(waitlist_kept__gt=0, starts_at__gt=at).values_list("pk", flat=True))
    made = 0
    for show_id in sorted(shows | keeping):
        while made < limit and _offer_next(show_id, at):
            made += 1
        if show_id in keeping:
            _back_on_sale(show_id)
    return made


@task()
def make_waitlist_offers() -> int:
    """Offer freed seats of sold-out shows to their waiting lists (periodic)."""
    return waitlist_offers_make()
