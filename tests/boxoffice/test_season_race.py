"""Races of the theatre season on PostgreSQL, with real parallel transactions (threads, each its own connection).

Waiting-list offers, buyers in the shop and refunds on the last seats of a show:
no seat is held or sold twice, no seat offered twice, never more offered than freed.
Orders spending one gift voucher at once never spend more than its balance.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kolk.boxoffice.models import Order, OrderReduction, Show, ShowSeat, Ticket, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.selling import order_cancel, order_pay, seats_hold
from kolk.boxoffice.services.vouchers import voucher_issue, voucher_spend
from kolk.core.errors import KolkError
from tests.boxoffice import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def in_parallel(jobs: list) -> Counter[str]:
    """Run the jobs from a pool of threads, all released at once; count what each answered."""
    start = threading.Barrier(min(THREADS, len(jobs)))

    def run(job) -> str:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=30)
            return job()
        except KolkError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(run, jobs))


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
    assert active.count() + free_now(show) == 40
    offered = WaitlistEntry.objects.filter(show=show, status=WaitlistEntry.Status.OFFERED)
    offer_seats = list(Ticket.objects.filter(order__in=offered.values("order")).values_list("seat_id", flat=True))
    assert len(offer_seats) == len(set(offer_seats)) == sum(e.quantity for e in offered)
    assert len(offer_seats) <= 16  # never more offered than freed
    # Each offer holds its own order, and no entry got two: every hold made for the list is an offer's.
    assert offered.values("order").distinct().count() == offered.count()
    offer_holds = Order.objects.filter(show=show, status=Order.Status.HELD).exclude(buyer_email="")
    assert set(offer_holds.values_list("pk", flat=True)) == set(offered.values_list("order_id", flat=True))
    # Nothing left over that the list could use: no one waits for as few seats as are free.
    free = ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).count()
    assert not WaitlistEntry.objects.filter(show=show, status=WaitlistEntry.Status.WAITING, quantity__lte=free).exists()
