"""The sale through the API end to end: hold, checkout, iDEAL through recorded Mollie responses, check-in."""

from __future__ import annotations

import json

import pytest

from kolk.boxoffice.models import Order, Payment, ShowSeat
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.selling import order_pay
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/boxoffice"


@pytest.fixture
def mollie(monkeypatch):
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    return replay


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_guest_buys_two_seats_with_ideal_and_the_box_office_checks_them_in(client, mollie):
    show = f.show(seat_map="5x10", theatre=True)
    listed = client.get(f"{API}/programme").json()
    assert [s["id"] for s in listed] == [show.pk]
    seats = client.get(f"{API}/shows/{show.pk}/seats").json()
    assert seats["available"] == 50
    chosen = [s["seat_id"] for s in seats["seats"] if s["row"] == 3 and s["number"] in (5, 6)]

    held = post(client, f"{API}/shows/{show.pk}/hold", {"seat_ids": chosen})
    assert held.status_code == 201, held.content
    token = held.json()["token"]
    assert all(t["code"] is None for t in held.json()["tickets"])  # no codes before payment
    assert client.get(f"{API}/shows/{show.pk}/seats").json()["available"] == 48

    again = post(client, f"{API}/shows/{show.pk}/hold", {"seat_ids": chosen[:1]})
    assert again.status_code == 409
    assert again.json()["code"] == "sold_out"

    bad = post(client, f"{API}/orders/{token}/checkout", {"buyer_name": "", "buyer_email": "x"})
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"buyer_name", "buyer_email"}
    out = post(
        client,
        f"{API}/orders/{token}/checkout",
        {"buyer_name": "Gea Gast", "buyer_email": "gea@example.nl", "buyer_phone": "0612345678"},
    )
    assert out.json()["status"] == "pending_payment"
    assert out.json()["total_cents"] == 2500

    mollie.answer("POST", "/v2/payments", "payment_created.json", status=201)
    paying = post(client, f"{API}/orders/{token}/pay", {"method": "ideal"})
    assert paying.status_code == 200, paying.content
    assert paying.json()["redirect_url"].startswith("https://www.mollie.com/checkout/")
    sent = json.loads(mollie.requests[0].body)
    assert sent["amount"] == {"currency": "EUR", "value": "25.00"}
    assert sent["webhookUrl"].endswith("/api/v1/boxoffice/payments/mollie/webhook")
    assert "gea" not in str(mollie.requests[0].body).lower()  # no buyer data goes to Mollie

    # Mollie calls the webhook; we ask Mollie, which says paid. Twice: still one payment.
    mollie.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    for _ in range(2):
        hook = client.post(f"{API}/payments/mollie/webhook", {"id": "tr_7UhSN1zuXS"})
        assert hook.status_code == 200
        assert hook.json() == {"result": "paid"}
    order = client.get(f"{API}/orders/{token}").json()
    assert order["status"] == "paid"
    codes = [t["code"] for t in order["tickets"]]
    assert all(codes)
    assert Payment.objects.get().status == Payment.Status.PAID
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.SOLD).count() == 2

    assert post(client, f"{API}/checkin", {"code": codes[0], "show_id": show.pk}).status_code in (401, 403)
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    first = post(client, f"{API}/checkin", {"code": codes[0], "show_id": show.pk}).json()
    assert first["result"] == "ok"
    second = post(client, f"{API}/checkin", {"code": codes[0], "show_id": show.pk}).json()
    assert second["result"] == "already"
    assert second["message"].startswith("Al gescand om ")
    other = f.show()
    assert post(client, f"{API}/checkin", {"code": codes[1], "show_id": other.pk}).json()["result"] == "other_show"


def test_an_expired_mollie_payment_is_failed_and_the_order_stays_payable(client, mollie):
    order = f.checked_out(f.show(), quantity=2)
    mollie.answer("POST", "/v2/payments", "payment_created.json", status=201)
    post(client, f"{API}/orders/{order.token}/pay", {"method": "ideal"})
    mollie.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_expired.json")
    assert client.post(f"{API}/payments/mollie/webhook", {"id": "tr_7UhSN1zuXS"}).json() == {"result": "failed"}
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_a_paid_webhook_with_another_amount_does_not_mark_paid(client, mollie):
    order = f.checked_out(f.show(), quantity=1)  # 12.50, Mollie says 25.00
    mollie.answer("POST", "/v2/payments", "payment_created.json", status=201)
    post(client, f"{API}/orders/{order.token}/pay", {"method": "ideal"})
    mollie.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    assert client.post(f"{API}/payments/mollie/webhook", {"id": "tr_7UhSN1zuXS"}).json() == {"result": "mismatch"}
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_an_unknown_payment_id_is_ignored_without_asking_mollie(client, mollie):
    assert client.post(f"{API}/payments/mollie/webhook", {"id": "tr_nope"}).json() == {"result": "unknown"}
    assert mollie.requests == []


def test_a_mollie_error_is_a_clear_refusal(client, mollie):
    order = f.checked_out(f.show(), quantity=1)
    mollie.answer("POST", "/v2/payments", "error_422.json", status=422)
    response = post(client, f"{API}/orders/{order.token}/pay", {"method": "ideal"})
    assert response.status_code == 409
    assert response.json()["code"] == "provider"


def test_cash_is_box_office_only_and_refunds_need_the_box_office(client):
    order = f.checked_out(f.show(), quantity=2)
    assert post(client, f"{API}/orders/{order.token}/pay", {"method": "cash"}).status_code == 403
    client.force_login(UserFactory(roles=[Role.MEMBER]))
    assert post(client, f"{API}/orders/{order.token}/cancel", {"refund": True}).status_code == 403
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    assert post(client, f"{API}/orders/{order.token}/pay", {"method": "cash"}).json()["status"] == "paid"
    assert post(client, f"{API}/orders/{order.token}/cancel", {}).status_code == 409
    assert post(client, f"{API}/orders/{order.token}/cancel", {"refund": True}).json()["status"] == "cancelled"


def test_invoice_is_for_theatre_only(client):
    order = f.checked_out(f.show(), quantity=1)
    response = post(client, f"{API}/orders/{order.token}/pay", {"method": "invoice"})
    assert response.json()["code"] == "invoice_theatre_only"


def test_an_unknown_show_or_order_is_a_404(client):
    assert client.get(f"{API}/shows/999999/seats").status_code == 404
    assert client.get(f"{API}/orders/nope").status_code == 404


def test_a_refund_of_an_ideal_order_goes_back_through_mollie_once(client, mollie):
    order = f.checked_out(f.show(), quantity=2)
    mollie.answer("POST", "/v2/payments", "payment_created.json", status=201)
    post(client, f"{API}/orders/{order.token}/pay", {"method": "ideal"})
    mollie.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json")
    client.post(f"{API}/payments/mollie/webhook", {"id": "tr_7UhSN1zuXS"})
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    assert post(client, f"{API}/orders/{order.token}/cancel", {"refund": True}).json()["status"] == "cancelled"
    due = Payment.objects.get(status=Payment.Status.REFUND_DUE)
    mollie.answer("POST", "/v2/payments/tr_7UhSN1zuXS/refunds", "refund_created.json", status=201)
    assert payments.mollie_refunds_due() == 1
    assert payments.mollie_refunds_due() == 0
    due.refresh_from_db()
    assert due.status == Payment.Status.REFUNDED
    refund = [r for r in mollie.requests if r.url.endswith("/refunds")]
    assert len(refund) == 1
    assert json.loads(refund[0].body)["amount"] == {"currency": "EUR", "value": "25.00"}


def test_a_cross_site_request_cannot_ride_on_a_box_office_session(db):
    """The open endpoints honour a session's roles, so they check its CSRF token; a guest needs none."""
    from django.test import Client

    order = f.checked_out(f.show(), quantity=2)
    desk = Client(enforce_csrf_checks=True)
    desk.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    forged = post(desk, f"{API}/orders/{order.token}/pay", {"method": "cash"})
    assert forged.status_code == 403
    assert forged.json()["code"] == "csrf"
    order.refresh_from_db()
    assert order.status != "paid"

    desk.get("/balie/")  # the desk page sets the CSRF cookie
    token = desk.cookies["csrftoken"].value
    paid = desk.post(
        f"{API}/orders/{order.token}/pay", json.dumps({"method": "cash"}), "application/json", HTTP_X_CSRFTOKEN=token
    )
    assert paid.json()["status"] == "paid"

    guest = Client(enforce_csrf_checks=True)
    held = post(guest, f"{API}/shows/{f.show(seat_map='2x2').pk}/hold", {"quantity": 1})
    assert held.status_code == 201


def test_a_box_office_sale_takes_a_fixed_number_of_queries_per_request(client, django_assert_num_queries):
    """Hold, checkout and cash over the API, as the box office's till sends them; history does not add any."""
    show = f.show(seat_map="20x40")
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))

    def sale(quantity: int) -> None:
        # Each count starts with the session, the user and their roles (3), which every signed-in request
        # reads, and has the two statements that open and close the request's transaction (a savepoint here).
        # The show with its hall and prices (1); a group's blocks side by side (1); the seats' lock (1);
        # the order, its seats, its tickets (one statement however many), the audit entry (4).
        with django_assert_num_queries(11 if quantity == 1 else 12):
            held = post(client, f"{API}/shows/{show.pk}/hold", {"quantity": quantity})
        assert held.status_code == 201, held.content
        assert len(held.json()["tickets"]) == quantity  # the answer's tickets are the ones written: no query
        token = held.json()["token"]
        # The order by its token, locked, its tickets (also the answer's), the order, the audit entry.
        with django_assert_num_queries(10):
            done = post(client, f"{API}/orders/{token}/checkout", {"buyer_name": "A B", "buyer_email": "a@example.nl"})
        assert done.status_code == 200, done.content
        assert len(done.json()["tickets"]) == quantity
        # The order by its token, locked, the payment, seats sold, the order, the ticket mail's task,
        # the audit entry, the tickets for the show's counts, the counts.
        with django_assert_num_queries(14):
            paid = post(client, f"{API}/orders/{token}/pay", {"method": "cash"})
        assert paid.json()["status"] == "paid"

    order_pay(order=f.checked_out(show, quantity=1), method="card", actor=None)  # starts the show's count
    for i in range(12):  # sales of every size
        sale(1 + i % 4)
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.SOLD).count() == 31


def test_the_till_sells_walk_ins_in_one_request_and_refuses_bad_input(client, django_assert_num_queries):
    """No buyer data is asked; the codes come back at once, to print; a refusal writes nothing."""
    show = f.show(seat_map="4x5")
    url = f"{API}/shows/{show.pk}/sale"
    assert post(client, url, {"quantity": 2, "method": "cash"}).status_code == 401
    client.force_login(UserFactory(roles=[Role.MEMBER]))
    assert post(client, url, {"quantity": 2, "method": "cash"}).status_code == 403
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    post(client, url, {"quantity": 1, "method": "card"})  # starts the show's count
    # The signed-in request (3) and its transaction (2); the show with its hall and prices (1); the hold:
    # blocks side by side, their lock, the order, its seats, its tickets (5); the payment: the payment, seats
    # sold, the order (3); the hold's and the payment's audit entries in one statement (1); the show's
    # counts (1). The order is not read again, and the answer's tickets are the ones written.
    with django_assert_num_queries(16):
        sold = post(client, url, {"quantity": 3, "method": "cash"})
    assert sold.status_code == 201, sold.content
    order = sold.json()
    assert order["status"] == "paid"
    assert len(order["tickets"]) == 3
    assert all(t["code"] for t in order["tickets"])
    assert Order.objects.get(token=order["token"]).buyer_email == ""
    assert Payment.objects.get(order__token=order["token"]).amount_cents == order["total_cents"]

    for _ in range(2):  # the remaining 16 seats
        assert post(client, url, {"quantity": 8, "method": "card"}).status_code == 201
    before = (Order.objects.count(), Payment.objects.count())
    refused = {
        "method": post(client, url, {"quantity": 1, "method": "ideal"}),
        "quantity": post(client, url, {"quantity": 0, "method": "cash"}),
        "sold out": post(client, url, {"quantity": 1, "method": "cash"}),
    }
    assert refused["method"].json()["code"] == "method"
    assert refused["sold out"].json()["code"] == "sold_out"
    assert {r.status_code for r in refused.values()} <= {409, 422}
    assert (Order.objects.count(), Payment.objects.count()) == before
    assert post(client, f"{API}/shows/999999/sale", {"quantity": 1, "method": "cash"}).status_code == 404
