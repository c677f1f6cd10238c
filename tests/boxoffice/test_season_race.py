"""Races of the theatre season on PostgreSQL, with real parallel transactions (threads, each its own connection).

Waiting-list offers, buyers in the shop and refunds on the last seats of a show:
no seat is held or sold twice, no seat offered twice, never more offered than freed.
Orders spending one gift voucher at once never spend more than its balance.

The season's done-when: a thousand buyers (single tickets, theaterabonnementen taking the
same seats in two shows, baskets, seat pickers, holds left unpaid) on the last 300 seats of
a show; then refunds free seats while people wait, the offer job offers them and people buy
their offers, and the shop sells on: no seat sold twice, sold + held + kept + free = capacity,
nothing freed reaches the shop while people wait, every offer bought as offered or lapsed.
The service functions run from threads, each with its own connection: seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from kolk.boxoffice.models import Order, OrderReduction, Series, Show, ShowSeat, Ticket, WaitlistEntry
from kolk.boxoffice.services import series as series_services
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.selling import order_cancel, order_checkout, order_pay, seats_hold
from kolk.boxoffice.services.vouchers import voucher_issue, voucher_spend
from kolk.core.clock import now
from kolk.core.errors import KolkError
from tests.boxoffice import factories as f
from tests.boxoffice.race import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def test_many_orders_spending_one_voucher_at_once_never_exceed_its_balance():
    voucher = voucher_issue(value_cents=3000, actor=None)
    show = f.show(seat_map="4x10")
    orders = [f.checked_out(show, quantity=1) for _i in range(THREADS)]  # € 12,50 each

    def spend(order):
        return lambda: f"paid {voucher_spend(order=order, code=voucher.code, actor=None)[1]}"

    answers = in_parallel([spend(o) for o in orders])
    voucher.refresh_from_db()
    spent = sum(OrderReduction.objects.filter(voucher=voucher).values_list("amount_cents", flat=True))
    assert voucher.balance_cents == 0
    assert spent == 3000
    assert answers == {"paid 1250": 2, "paid 500": 1, "invalid": THREADS - 3}


def test_without_the_show_lock_two_workers_offer_to_the_same_buyer(monkeypatch):
    show = f.show(seat_map="1x20", theatre=True)
    orders = [order_pay(order=f.checked_out(show, quantity=2), method="cash", actor=None) for _i in range(10)]
    waitlist.waitlist_join(show=show, name="Eerste", email="eerste@example.nl", quantity=1, actor=None)
    order_cancel(order=orders[0], actor=None, refund=True)

    def unlocked(show_id):
        found = Show.objects.filter(pk=show_id).first()
        time.sleep(0.2)  # the window: both workers read the first in line before either writes
        return found

    monkeypatch.setattr(waitlist, "lock_for_offers", unlocked)
    in_parallel([lambda: f"offers {waitlist.waitlist_offers_make()}"] * 2)
    offer_holds = Order.objects.filter(show=show, status=Order.Status.HELD).exclude(buyer_email="")
    assert offer_holds.count() == 2  # two holds for one person: the race the lock closes


def free_now(show) -> int:
    return ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).count()


def kept_now(show) -> int:
    return ShowSeat.objects.filter(show=show, status=ShowSeat.Status.KEPT).count()


def test_offers_buyers_and_refunds_on_the_last_seats_never_give_a_seat_twice():
    show = f.show(seat_map="2x20", theatre=True)
    sold = []
    while True:
        try:
            order = f.checked_out(show, quantity=2)
        except KolkError:
            break
        sold.append(order_pay(order=order, method=Order.Method.CASH, actor=None))
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).count() == 0
    for n in range(30):
        waitlist.waitlist_join(
            show=show, name=f"Wachtende {n}", email=f"w{n}@example.nl", quantity=random.choice([1, 1, 2]), actor=None
        )
    refunded = random.sample(sold, 8)  # 16 seats freed, while buyers and offer jobs run

    def refund(order):
        return lambda: order_cancel(order=order, actor=None, refund=True).status

    def offers():
        return f"offers {waitlist.waitlist_offers_make()}"

    def buyer():
        try:
            return seats_hold(show=show, quantity=1, actor=None).status
        except KolkError as exc:
            return exc.code

    jobs = [refund(o) for o in refunded] + [offers] * 24 + [buyer] * 24
    random.shuffle(jobs)
    in_parallel(jobs)
    waitlist.waitlist_offers_make()  # the worker's next turn finishes what the last refunds freed

    active = Ticket.objects.filter(show=show, order__status__in=Order.ACTIVE)
    assert active.count() == active.values("seat_id").distinct().count()  # no seat twice
    assert active.count() + free_now(show) + kept_now(show) == 40
    offered = WaitlistEntry.objects.filter(show=show, status=WaitlistEntry.Status.OFFERED)
    offer_seats = list(Ticket.objects.filter(order__in=offered.values("order")).values_list("seat_id", flat=True))
    assert len(offer_seats) == len(set(offer_seats)) == sum(e.quantity for e in offered)
    assert len(offer_seats) <= 16  # never more offered than freed
    # Each offer holds its own order, and no entry got two: every hold made for the list is an offer's.
    assert offered.values("order").distinct().count() == offered.count()
    offer_holds = Order.objects.filter(show=show, status=Order.Status.HELD).exclude(buyer_email="")
    assert set(offer_holds.values_list("pk", flat=True)) == set(offered.values_list("order_id", flat=True))
    # Nothing left over that the list could use: no one waits for as few seats as are free or kept.
    free = free_now(show) + kept_now(show)
    assert not WaitlistEntry.objects.filter(show=show, status=WaitlistEntry.Status.WAITING, quantity__lte=free).exists()


# --- the season's done-when: a thousand buyers on the last 300 seats, then refunds, offers and their buyers ---

HALL, CAPACITY, BUYERS = "15x20", 300, 1000
try:
    from kolk.boxoffice.services import basket as basket_services
except ImportError:  # a shop without a basket
    basket_services = None


def buyers(series: Series, first: Show, second: Show, rng: random.Random) -> list:
    """A thousand buyers of the first show: single tickets, theaterabonnementen (the same seats in both
    shows), baskets with both shows, buyers who pick their seats, and holds left unpaid."""
    seats = list(first.hall.seats.order_by("row", "number").values_list("pk", flat=True))

    def pay(order: Order, answer: str) -> str:
        order = order_checkout(order=order, buyer_name="Bea Koper", buyer_email="bea@example.nl", actor=None)
        order_pay(order=order, method=Order.Method.CARD, actor=None)
        return answer

    def single(quantity: int):
        return lambda: pay(seats_hold(show=first, quantity=quantity, actor=None), "single")

    def subscriber(quantity: int):
        return lambda: pay(
            series_services.series_hold(series=series, show_ids=[first.pk, second.pk], quantity=quantity, actor=None),
            "series",
        )

    def picker(chosen: list[int]):
        return lambda: pay(seats_hold(show=first, seat_ids=chosen, actor=None), "picked")

    def leaves_it(quantity: int):
        return lambda: seats_hold(show=first, quantity=quantity, actor=None) and "left unpaid"

    def basket_buyer(quantity: int):
        def buy() -> str:
            order = seats_hold(show=second, quantity=quantity, actor=None)
            order = basket_services.basket_add(order=order, show=first, quantity=quantity, actor=None)
            return pay(order, "basket")

        return buy

    jobs = [subscriber(rng.choice([1, 2])) for _i in range(150)]
    jobs += [leaves_it(rng.choice([1, 2])) for _i in range(20)]
    for _i in range(50):
        at = rng.randrange(len(seats) - 1)
        jobs.append(picker(seats[at : at + 2]))
    if basket_services is not None:
        jobs += [basket_buyer(rng.choice([1, 2])) for _i in range(50)]
    jobs += [single(rng.choice([1, 1, 2, 3])) for _i in range(BUYERS - len(jobs))]
    rng.shuffle(jobs)
    return jobs


def seats_twice(shows: list[Show]) -> int:
    """How many (show, seat) places have a ticket in more than one active order."""
    active = Ticket.objects.filter(show__in=shows, order__status__in=Order.ACTIVE)
    return active.values("show_id", "seat_id").annotate(n=Count("id")).filter(n__gt=1).count()


def places_agree(show: Show) -> Counter[str]:
    """Each seat's status says what the tickets say: sold to a paid order, held by a live one, else nobody's."""
    seats = ShowSeat.objects.filter(show=show)
    tickets = Ticket.objects.filter(show=show)
    sold = set(seats.filter(status=ShowSeat.Status.SOLD).values_list("seat_id", "order_id"))
    assert sold == set(tickets.filter(order__status=Order.Status.PAID).values_list("seat_id", "order_id"))
    held = set(seats.filter(status=ShowSeat.Status.HELD).values_list("seat_id", "order_id"))
    live = [Order.Status.HELD, Order.Status.PENDING_PAYMENT]
    assert held == set(tickets.filter(order__status__in=live).values_list("seat_id", "order_id"))
    assert not seats.filter(status__in=[ShowSeat.Status.AVAILABLE, ShowSeat.Status.KEPT], order__isnull=False)
    counts = Counter(seats.values_list("status", flat=True))
    assert sum(counts.values()) == CAPACITY  # sold + held + kept + free: every seat once
    return counts


def test_a_thousand_buyers_then_refunds_offers_and_their_buyers_never_give_a_seat_twice():
    rng = random.Random(7)
    hall = f.hall(seat_map=HALL)
    first, second = (f.show(hall=hall, theatre=True, in_days=d) for d in (10, 11))
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=2, discount_percent=10)
    series.shows.set([first, second])

    # 1. A thousand buyers at once on the 300 seats.
    answers = in_parallel(buyers(series, first, second, rng))
    assert all(answers[kind] for kind in ("single", "series", "picked", "sold_out"))
    assert set(answers) <= {"single", "series", "picked", "basket", "left unpaid", "sold_out"}
    assert seats_twice([first, second]) == 0
    places_agree(second)
    while places_agree(first)["available"]:  # what the skipped locks left, sold at the box office
        order_pay(order=f.checked_out(first, quantity=1), method=Order.Method.CASH, actor=None)

    # 2. Sold out: people join the waiting list, more than will be freed.
    for n in range(70):
        waitlist.waitlist_join(
            show=first, name=f"Wachtende {n}", email=f"w{n}@example.nl", quantity=rng.choice([1, 2]), actor=None
        )
    unpaid = list(Order.objects.filter(show=first, status=Order.Status.HELD))
    # Their time ran out: the offer job frees their seats.
    Order.objects.filter(pk__in=[o.pk for o in unpaid]).update(expires_at=now() - dt.timedelta(seconds=1))
    paid = list(Order.objects.filter(tickets__show=first, status=Order.Status.PAID).distinct().order_by("pk"))
    refunded = rng.sample(paid, 20)
    freed = set(Ticket.objects.filter(show=first, order__in=refunded + unpaid).values_list("seat_id", flat=True))

    # 3. Refunds free seats while the job offers them, people buy their offers, and the shop sells on.
    stop, claims, lock = threading.Event(), {}, threading.Lock()

    def offers() -> None:
        try:
            while not stop.is_set():
                waitlist.waitlist_offers_make()
                time.sleep(0.02)
            waitlist.waitlist_offers_make()
        finally:
            connection.close()

    def accept() -> None:
        try:
            _accept()
        finally:
            connection.close()

    def _accept() -> None:
        idle = 0
        while idle < 25:
            with lock:  # every fourth lets the offer lapse
                offered = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, show=first)
                ids = [pk for pk in offered.values_list("pk", flat=True) if pk not in claims and pk % 4]
                entry = WaitlistEntry.objects.select_related("order").get(pk=ids[0]) if ids else None
                if entry is not None and entry.order is not None:
                    claims[entry.pk] = set(entry.order.tickets.values_list("seat_id", flat=True))
            if entry is None:
                idle = idle + 1 if stop.is_set() else 0
                time.sleep(0.02)
                continue
            order = order_checkout(order=entry.order, buyer_name=entry.name, buyer_email=entry.email, actor=None)
            order_pay(order=order, method=Order.Method.CASH, actor=None)

    def refund(order: Order):
        return lambda: order_cancel(order=order, actor=None, refund=True) and "refunded"

    def late_buyer():
        return seats_hold(show=first, quantity=rng.choice([1, 2]), actor=None) and "bought"

    def late_subscriber():
        ids = [first.pk, second.pk]
        return series_services.series_hold(series=series, show_ids=ids, quantity=1, actor=None) and "bought"

    def late_joiner(n: int):
        return lambda: (
            waitlist.waitlist_join(show=first, name=f"Laat {n}", email=f"laat{n}@example.nl", quantity=1, actor=None)
            and "joined"
        )

    loopers = [threading.Thread(target=offers) for _i in range(3)] + [
        threading.Thread(target=accept) for _i in range(6)
    ]
    for t in loopers:
        t.start()
    try:
        jobs = [refund(o) for o in refunded] + [late_buyer] * 60 + [late_subscriber] * 10
        jobs += [late_joiner(n) for n in range(10)]
        rng.shuffle(jobs)
        answers = in_parallel(jobs, threads=12)
    finally:
        stop.set()
        for t in loopers:
            t.join(timeout=60)
    # While people wait, no freed seat went to the shop: every buyer there found the show sold out.
    assert answers == {"refunded": 20, "sold_out": 70, "joined": 10}

    # 4. The offers nobody bought lapse; the job offers their seats to the next in line.
    lapsing = WaitlistEntry.objects.filter(show=first, status=WaitlistEntry.Status.OFFERED)
    Order.objects.filter(pk__in=lapsing.values("order")).update(expires_at=now() - dt.timedelta(seconds=1))
    while waitlist.waitlist_offers_make():
        pass

    assert seats_twice([first, second]) == 0
    counts = places_agree(first)
    places_agree(second)
    entries = list(WaitlistEntry.objects.filter(show=first).select_related("order"))
    offered_seats = Ticket.objects.filter(show=first, order__in=[e.order_id for e in entries if e.order_id])
    assert set(offered_seats.values_list("seat_id", flat=True)) <= freed  # only freed seats were offered
    for entry in entries:  # every offer honoured or lapsed
        if entry.status == WaitlistEntry.Status.BOUGHT:
            assert entry.order.status == Order.Status.PAID
            assert set(entry.order.tickets.values_list("seat_id", flat=True)) == claims[entry.pk]
        elif entry.status == WaitlistEntry.Status.EXPIRED:
            assert entry.order.status in (Order.Status.EXPIRED, Order.Status.CANCELLED)
            assert entry.pk not in claims
        elif entry.status == WaitlistEntry.Status.OFFERED:
            assert entry.order.status == Order.Status.HELD
            assert ShowSeat.objects.filter(order=entry.order, status=ShowSeat.Status.HELD).count() == entry.quantity
        else:
            assert (entry.status, entry.order_id) == (WaitlistEntry.Status.WAITING, None)
    assert {e.pk for e in entries if e.status == WaitlistEntry.Status.BOUGHT} == set(claims)
    assert any(e.status == WaitlistEntry.Status.EXPIRED for e in entries)
    # Nothing kept that the list could use, and nothing on sale while people wait for it.
    waiting = [e.quantity for e in entries if e.status == WaitlistEntry.Status.WAITING]
    assert waiting
    assert min(waiting) > counts["waitlist"]
    assert counts["available"] == 0
