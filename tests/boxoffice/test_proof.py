"""Reduced prices with proof seen, not stored: the till records that staff saw the proof and when;
online the member price is checked against the library pass (yes or no), never more."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, ShowSeat, Ticket
from kolk.boxoffice.services.payments import till_sale
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from kolk.privacy.register import get_register
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
PRICES = {"regular": 2750, "youth": 1500, "senior": 2450, "member": 2350, "cjp": 2000, "stadspas": 1400}


def _seats(show, n):
    return list(
        ShowSeat.objects.filter(show=show).order_by("seat__row", "seat__number")[:n].values_list("seat_id", flat=True)
    )


def test_the_till_records_who_saw_the_proof_of_a_reduced_price_and_when_nothing_else():
    till = UserFactory(roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="1x6", theatre=True, prices=PRICES)
    seats = _seats(show, 6)
    kinds = ["regular", "youth", "senior", "member", "cjp", "stadspas"]
    sale = till_sale(show=show, seat_ids=seats, prices=dict(zip(seats, kinds, strict=True)), method="card", actor=till)
    tickets = {t.price.kind: t for t in Ticket.objects.filter(order=sale.order).select_related("price")}
    assert tickets["regular"].proof_seen_at is None
    assert tickets["regular"].proof_seen_by_id is None
    for kind in kinds[1:]:
        assert tickets[kind].proof_seen_at is not None
        assert abs((tickets[kind].proof_seen_at - sale.order.paid_at).total_seconds()) < 5
        assert tickets[kind].proof_seen_by_id == till.pk
    # What a ticket can hold about a proof: that it was seen, by whom, when. No number, copy or birth date.
    proof_fields = {f.name for f in Ticket._meta.get_fields() if "proof" in f.name}
    assert proof_fields == {"proof_seen_at", "proof_seen_by"}
    assert Ticket.privacy.personal["proof_seen_at"] == "tickets"


def _member(client, *, subscribed: bool):
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = person
    user.save()
    client.force_login(user)
    return person


def _checkout_at_member_price(client, show):
    seat = _seats(show, 1)[0]
    held = client.post(reverse("web:shop:show", args=[show.pk]), {"seat": [seat]})
    order = Order.objects.get()
    ticket = order.tickets.get()
    response = client.post(
        held["Location"],
        {"buyer_name": "Lid Lezer", "buyer_email": "lid@example.nl", "buyer_phone": "", f"price_{ticket.pk}": "member"},
    )
    order.refresh_from_db()
    return order, response


def test_online_the_member_price_needs_a_current_library_pass(client):
    _member(client, subscribed=False)
    show = f.show(seat_map="1x4", theatre=True, prices=PRICES)
    order, response = _checkout_at_member_price(client, show)
    assert order.status == Order.Status.HELD
    assert "lopend abonnement van de bibliotheek" in response.content.decode()


def test_online_a_member_with_a_current_pass_gets_the_member_price(client):
    _member(client, subscribed=True)
    show = f.show(seat_map="1x4", theatre=True, prices=PRICES)
    order, _ = _checkout_at_member_price(client, show)
    assert (order.status, order.total_cents) == (Order.Status.PENDING_PAYMENT, 2350)


def test_the_register_says_which_purpose_reads_whether_the_pass_is_valid():
    register = get_register()
    rows = {row.id: row for section in register.sections.values() for row in section.rows}
    for row_id in ("B04", "T06"):
        assert list(rows[row_id].purposes) == ["ticket_sales"]
        assert "status_block" in rows[row_id].categories
