"""A thousand buyers at once, for real: parallel HTTP requests against a live server on PostgreSQL.

Each test first shows the race with the lock taken out (seats sold twice, a
show oversold), then that the lock makes the sale exact. The locks are widened
by the same short pause in both cases, so the window the lock closes is real.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connections

from kolk.boxoffice.models import Order, Payment, Show, ShowSeat, ShowStats, Ticket
from kolk.boxoffice.services import payments, selling
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS, THREADS, PAUSE = 1000, 32, 0.002
# The races without a lock need fewer buyers to show; the exact counts are proven with all of them.
FEW = 300
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def buy(url: str, bodies: list[dict]) -> Counter[int]:
    """Fire the hold requests from a bounded pool of threads; count the answers."""

    def one(body: dict) -> int:
        return _session().post(url, json=body, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(one, bodies))


def widen(monkeypatch, name: str, *, lock: bool) -> None:
    """Pause after reading the seats (or the show) and, with lock=False, read them without locking."""
    real = getattr(selling, name)

    def unlocked_best(show_id, quantity):
        return list(
            selling.ShowSeat.objects.filter(show_id=show_id, status="available", seat__kind="regular").order_by(
                "rank", "id"
            )[:quantity]
        )

    def unlocked_seats(show_id, seat_ids):
        return list(selling.ShowSeat.objects.filter(show_id=show_id, seat_id__in=seat_ids).order_by("id"))

    def unlocked_block(show_id, block):
        return list(
            selling.ShowSeat.objects.filter(
                show_id=show_id,
                status="available",
                seat__kind="regular",
                seat__row=block.row,
                seat__number__gte=block.first,
                seat__number__lt=block.first + block.size,
            ).order_by("id")
        )

    def unlocked_show(show_id):
        return selling.Show.objects.get(pk=show_id)

    unlocked = {
        "lock_best_available": unlocked_best,
        "lock_seats": unlocked_seats,
        "lock_block": unlocked_block,
        "lock_show": unlocked_show,
    }[name]

    def paused(*args):
        result = (real if lock else unlocked)(*args)
        time.sleep(PAUSE)
        return result

    monkeypatch.setattr(selling, name, paused)


def hold_url(live_server, show: Show) -> str:
    return f"{live_server.url}/api/v1/boxoffice/shows/{show.pk}/hold"


def sold(show: Show) -> tuple[int, int]:
    """(tickets held or sold, distinct seats among them)."""
    tickets = Ticket.objects.filter(show=show, order__status__in=Order.ACTIVE)
    return tickets.count(), tickets.values("seat_id").distinct().count()


def test_without_the_lock_best_available_sells_seats_twice(live_server, monkeypatch):
    show = f.show(seat_map="10x10")
    widen(monkeypatch, "lock_best_available", lock=False)
    answers = buy(hold_url(live_server, show), [{"quantity": 1}] * FEW)
    tickets, seats = sold(show)
    assert tickets > seats, f"no double sale seen: {answers}"


def test_with_the_lock_a_thousand_buyers_get_exactly_three_hundred_seats(live_server, monkeypatch):
    show = f.show(seat_map="10x30")
    widen(monkeypatch, "lock_best_available", lock=True)
    answers = buy(hold_url(live_server, show), [{"quantity": 1}] * BUYERS)
    assert answers == {201: 300, 409: 700}
    assert sold(show) == (300, 300)
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.HELD).count() == 300
    assert Order.objects.filter(show=show).count() == 300


def test_without_the_lock_chosen_seats_are_sold_twice(live_server, monkeypatch):
    show = f.show(seat_map="2x10")
    seats = list(show.hall.seats.order_by("row", "number").values_list("pk", flat=True))
    widen(monkeypatch, "lock_seats", lock=False)
    bodies = [{"seat_ids": [seats[i % 19], seats[i % 19 + 1]]} for i in range(200)]
    buy(hold_url(live_server, show), bodies)
    tickets, distinct = sold(show)
    assert tickets > distinct


def test_with_the_lock_chosen_seats_in_any_order_are_never_sold_twice_nor_deadlock(live_server, monkeypatch):
    show = f.show(seat_map="2x10")
    seats = list(show.hall.seats.order_by("row", "number").values_list("pk", flat=True))
    widen(monkeypatch, "lock_seats", lock=True)
    # overlapping pairs, asked for in both orders: without ordered locking these would deadlock
    bodies = [
        {"seat_ids": [seats[i % 19], seats[i % 19 + 1]] if i % 2 else [seats[i % 19 + 1], seats[i % 19]]}
        for i in range(200)
    ]
    answers = buy(hold_url(live_server, show), bodies)
    assert set(answers) <= {201, 409}, answers
    tickets, distinct = sold(show)
    assert tickets == distinct == 2 * answers[201]
    assert tickets >= 10  # disjoint pairs exist, so at least half the hall went


def test_without_the_lock_free_seating_is_oversold(live_server, monkeypatch):
    show = f.show(capacity=100)
    widen(monkeypatch, "lock_show", lock=False)
    buy(hold_url(live_server, show), [{"quantity": 1}] * FEW)
    assert sold(show)[0] > 100


def test_with_the_lock_free_seating_sells_exactly_its_capacity(live_server, monkeypatch):
    show = f.show(capacity=300)
    widen(monkeypatch, "lock_show", lock=True)
    answers = buy(hold_url(live_server, show), [{"quantity": 1}] * BUYERS)
    assert answers == {201: 300, 409: 700}
    assert sold(show)[0] == 300
    show.refresh_from_db()
    assert show.free_taken == 300


def test_without_the_lock_groups_side_by_side_share_seats(live_server, monkeypatch):
    show = f.show(seat_map="10x30")
    widen(monkeypatch, "lock_block", lock=False)
    buy(hold_url(live_server, show), [{"quantity": 3}] * (FEW // 3))
    tickets, seats = sold(show)
    assert tickets > seats


def test_with_the_lock_groups_of_three_never_share_a_seat(live_server, monkeypatch):
    show = f.show(seat_map="10x30")
    widen(monkeypatch, "lock_block", lock=True)
    answers = buy(hold_url(live_server, show), [{"quantity": 3}] * FEW)
    assert set(answers) <= {201, 409}, answers
    # a group may give up on seats another group is locking and then lets go, so "about full"
    assert 90 <= answers[201] <= 100
    assert sold(show) == (3 * answers[201], 3 * answers[201])


# --- the till and Mollie's webhook paying one order at the same moment ---


def _mollie_order(monkeypatch) -> Order:
    """A checked-out order with an iDEAL payment started; Mollie will say it is paid."""
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201)
    replay.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    order = f.checked_out(f.show(seat_map="2x5"), quantity=2)
    payments.payment_start(order=order, method="ideal", actor=None)
    return Order.objects.get(pk=order.pk)


def _first_pauses(monkeypatch) -> threading.Event:
    """The first payment to get that far holds the order's row for a moment (while it queues the ticket mail)."""
    inside = threading.Event()
    real = selling.tickets_mail_later

    def paused(*, order):
        real(order=order)
        if not inside.is_set():
            inside.set()
            time.sleep(0.5)

    monkeypatch.setattr(selling, "tickets_mail_later", paused)
    return inside


def _in_thread(work) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(work())
        except Exception as exc:  # the answer the caller would get
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _paid_once(order: Order) -> None:
    assert list(Payment.objects.filter(order=order, status=Payment.Status.PAID).values_list("method", flat=True)) in (
        ["ideal"],
        ["cash"],
    )
    assert ShowStats.objects.get(show=order.show, kind="regular").sold == 2


@pytest.mark.parametrize("first", ["webhook", "till"])
def test_the_till_and_the_webhook_on_one_order_take_the_money_once(monkeypatch, first):
    """Whoever comes second waits on the order's row and finds it paid: the till is refused,
    the webhook marks its payment due back. Before, both were recorded as paid."""
    order = _mollie_order(monkeypatch)
    till = UserFactory(roles=[Role.BOX_OFFICE])
    inside = _first_pauses(monkeypatch)

    def webhook():
        return payments.mollie_webhook(payment_id="tr_7UhSN1zuXS")

    def cash():  # the order as the till read it: payable
        return payments.payment_start(order=order, method="cash", actor=till)

    one, first_outcome = _in_thread(webhook if first == "webhook" else cash)
    assert inside.wait(10)
    two, second_outcome = _in_thread(cash if first == "webhook" else webhook)
    one.join(20)
    two.join(20)
    if first == "webhook":
        assert first_outcome == ["paid"]
        assert isinstance(second_outcome[0], KolkError), second_outcome
        assert second_outcome[0].code == "not_payable"
    else:
        assert first_outcome[0].paid, first_outcome
        assert second_outcome == ["refund_due"]
    _paid_once(order)
