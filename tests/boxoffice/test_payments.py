"""Payment providers: theatre on invoice through billing (T04), the one path every payment takes, the expiry job."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kolk.billing.selectors import invoices_for, open_amount_cents
from kolk.boxoffice.models import Order, Payment
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.payments import box_office_sale, payment_start
from kolk.boxoffice.services.selling import order_cancel, order_checkout, seats_hold
from kolk.boxoffice.tasks import release_expired_orders
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_pays_theatre_tickets_on_invoice_and_billing_issues_it(client):
    person = PersonFactory(with_pass=True)
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = person
    user.save()
    client.force_login(user)
    show = f.show(theatre=True)
    held = client.post(
        f"/api/v1/boxoffice/shows/{show.pk}/hold", json.dumps({"quantity": 2}), content_type="application/json"
    ).json()
    member_ticket = held["tickets"][0]["id"]
    client.post(
        f"/api/v1/boxoffice/orders/{held['token']}/checkout",
        json.dumps({"buyer_name": "Lid", "buyer_email": "lid@example.nl", "prices": {member_ticket: "member"}}),
        content_type="application/json",
    )
    paid = client.post(
        f"/api/v1/boxoffice/orders/{held['token']}/pay",
        json.dumps({"method": "invoice"}),
        content_type="application/json",
    )
    assert paid.json() == {"status": "paid", "redirect_url": ""}
    invoice = invoices_for(person).get()
    assert invoice.total_cents == 1000 + 1250
    assert open_amount_cents(person) == 2250
    order = Order.objects.get()
    assert (order.method, order.payment_ref) == ("invoice", invoice.number)
    assert Payment.objects.get(order=order).status == Payment.Status.OPEN


def test_a_guest_cannot_pay_on_invoice():
    order = f.checked_out(f.show(theatre=True))
    with pytest.raises(KolkError) as exc:
        payment_start(order=order, method="invoice", actor=None)
    assert exc.value.code == "invoice_needs_person"


def test_a_held_order_is_not_payable_before_checkout():
    order = seats_hold(show=f.show(), quantity=1, actor=None)
    with pytest.raises(KolkError):
        payment_start(order=order, method="ideal", actor=None)


def test_the_periodic_job_releases_what_expired(monkeypatch):
    show = f.show(seat_map="1x2")
    order = order_checkout(
        order=seats_hold(show=show, quantity=2, actor=None), buyer_name="A", buyer_email="a@example.nl", actor=None
    )
    later = now() + dt.timedelta(minutes=20)
    monkeypatch.setattr("kolk.boxoffice.services.selling.now", lambda: later)
    assert release_expired_orders.call() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


# --- one path: every payment takes its locks and writes in one order ---


def _steps(queries: list[dict]) -> list[tuple[str, str]]:
    """What each statement did to which table, in order: lock (FOR UPDATE), insert or update."""
    steps = []
    for sql in (q["sql"] for q in queries):
        if written := re.match(r'\s*(INSERT INTO|UPDATE) "?(\w+)"?', sql):
            steps.append(("insert" if written[1] == "INSERT INTO" else "update", written[2]))
        elif sql.lstrip().startswith("SELECT") and " FOR UPDATE" in sql:
            steps.append(("lock", re.search(r'FROM "?(\w+)"?', sql)[1]))
    return steps


def _first(steps: list[tuple[str, str]], table: str, *kinds: str) -> int:
    return next(i for i, (kind, name) in enumerate(steps) if name == table and kind in kinds)


def assert_one_order(queries: list[dict]) -> None:
    """The order's row before the payment's, and the payment before the show's counts.

    So a till, an invoice and Mollie's webhook on the same order wait for each other
    on the order's row instead of each holding what the other wants, and the counts,
    which every sale of the show updates, are held for as short as can be. (SQLite
    writes no FOR UPDATE: there only the writes can be seen.) The till's walk-in sale
    takes the order's row by making it: a row a transaction inserted is its own, and
    nobody else's to see, until it commits.
    """
    steps = _steps(queries)
    payment = [i for i, (_, name) in enumerate(steps) if name == "boxoffice_payment"]
    assert payment, steps
    counts = [i for i, (_, name) in enumerate(steps) if name == "boxoffice_showstats"]
    assert not counts or max(payment) < min(counts), steps
    if connection.vendor == "postgresql":
        assert _first(steps, "boxoffice_order", "lock", "insert", "update") < min(payment), steps


@pytest.fixture
def till(db):
    return UserFactory(roles=[Role.BOX_OFFICE])


def _mollie(monkeypatch) -> MollieReplay:
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201)
    return replay


def test_the_till_pays_an_order_in_the_one_order_of_writes(till):
    order = f.checked_out(f.show(), quantity=2)
    with CaptureQueriesContext(connection) as queries:
        started = payment_start(order=order, method="cash", actor=till)
    assert started.paid
    assert_one_order(queries.captured_queries)


def test_the_tills_walk_in_sale_goes_the_same_way(till):
    with CaptureQueriesContext(connection) as queries:
        order = box_office_sale(show=f.show(), quantity=2, method="card", actor=till)
    assert order.status == Order.Status.PAID
    assert_one_order(queries.captured_queries)
    # The order it made is its own: it is not read or locked again before it is paid.
    assert ("lock", "boxoffice_order") not in _steps(queries.captured_queries)
    assert Payment.objects.get(order=order).status == Payment.Status.PAID


def test_an_invoice_goes_the_same_way():
    person = PersonFactory(with_pass=True)
    order = f.checked_out(f.show(theatre=True), quantity=1)
    order.person = person
    order.save(update_fields=["person"])
    with CaptureQueriesContext(connection) as queries:
        payment_start(order=order, method="invoice", actor=None)
    assert_one_order(queries.captured_queries)


def test_mollie_starts_and_settles_a_payment_the_same_way(monkeypatch):
    replay = _mollie(monkeypatch)
    order = f.checked_out(f.show(), quantity=2)
    with CaptureQueriesContext(connection) as queries:
        payment_start(order=order, method="ideal", actor=None)
    assert_one_order(queries.captured_queries)
    replay.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    with CaptureQueriesContext(connection) as queries:
        assert payments.mollie_webhook(payment_id="tr_7UhSN1zuXS") == "paid"
    assert_one_order(queries.captured_queries)


def test_a_refund_at_the_till_goes_the_same_way(till):
    order = payment_start(order=f.checked_out(f.show(), quantity=2), method="card", actor=till).order
    with CaptureQueriesContext(connection) as queries:
        order_cancel(order=order, refund=True, actor=till)
    assert_one_order(queries.captured_queries)


def test_the_till_cannot_take_money_for_an_order_mollie_just_paid(monkeypatch, till):
    """The till read the order as payable a moment before the webhook marked it paid: refused, not paid twice."""
    replay = _mollie(monkeypatch)
    order = f.checked_out(f.show(), quantity=2)
    payment_start(order=order, method="ideal", actor=None)
    at_the_till = Order.objects.get(pk=order.pk)  # read before the webhook came
    replay.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    assert payments.mollie_webhook(payment_id="tr_7UhSN1zuXS") == "paid"
    with pytest.raises(KolkError) as refused:
        payment_start(order=at_the_till, method="cash", actor=till)
    assert refused.value.code == "not_payable"
    assert list(Payment.objects.filter(order=order).values_list("method", "status")) == [("ideal", "paid")]


def test_an_ideal_payment_for_an_order_the_till_paid_meanwhile_is_due_back(monkeypatch, till):
    """The buyer paid at the till while iDEAL was open, then finished iDEAL too: that payment goes back."""
    replay = _mollie(monkeypatch)
    order = f.checked_out(f.show(), quantity=2)
    payment_start(order=order, method="ideal", actor=None)
    payment_start(order=Order.objects.get(pk=order.pk), method="cash", actor=till)
    replay.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    assert payments.mollie_webhook(payment_id="tr_7UhSN1zuXS") == "refund_due"
    order.refresh_from_db()
    assert (order.status, order.method) == (Order.Status.PAID, Order.Method.CASH)
    assert sorted(Payment.objects.filter(order=order).values_list("method", "status")) == [
        ("cash", "paid"),
        ("ideal", "refund_due"),
    ]


def test_mollie_is_not_started_for_an_order_the_till_paid_meanwhile(monkeypatch, till):
    _mollie(monkeypatch)
    order = f.checked_out(f.show(), quantity=2)
    online = Order.objects.get(pk=order.pk)  # the buyer's page read it payable
    payment_start(order=order, method="card", actor=till)
    with pytest.raises(KolkError) as refused:
        payment_start(order=online, method="ideal", actor=None)
    assert refused.value.code == "not_payable"
    order.refresh_from_db()
    assert (order.method, order.payment_ref) == (Order.Method.CARD, "")
    assert list(Payment.objects.filter(order=order).values_list("method", flat=True)) == ["card"]


def test_the_mollie_client_gives_up_after_one_short_connect_timeout():
    """iDEAL without network: the buyer waits one connect timeout, not three retries of it."""
    from kolk.boxoffice.services.payments import mollie_client

    client = mollie_client()
    assert client.timeout == (2, 10)
    assert client.retry == 0
