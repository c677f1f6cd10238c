"""Payment providers beyond iDEAL: theatre on invoice through billing (T04), and the expiry job."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kolk.billing.selectors import invoices_for, open_amount_cents
from kolk.boxoffice.models import Order, Payment
from kolk.boxoffice.services.payments import payment_start
from kolk.boxoffice.services.selling import order_checkout, seats_hold
from kolk.boxoffice.tasks import release_expired_orders
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from tests.boxoffice import factories as f
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
