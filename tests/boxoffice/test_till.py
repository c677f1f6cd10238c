"""The till: chosen seats at a price each, cash with change or pin, the receipt and tickets, finding an
order without personal data in the URL, resending tickets, and a refund that asks once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, ShowSeat
from kolk.boxoffice.services.payments import till_sale
from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICES = {"regular": 2750, "youth": 1500, "senior": 2450, "member": 2350, "cjp": 2000, "stadspas": 1400}


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def _text(response):
    """The page as a person reads it: the no-break space after € as a space."""
    return response.content.decode().replace("\u00a0", " ")


def _seat(show, row, number):
    return ShowSeat.objects.get(show=show, seat__row=row, seat__number=number).seat_id


def test_the_till_draws_free_seats_free_and_taken_seats_taken(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    till_sale(show=show, seat_ids=[_seat(show, 1, 1)], method="card", actor=box_office)
    page = client.get(reverse("desk:boxoffice_show", args=[show.pk])).content.decode()
    # Before: every seat was drawn as a disabled checkbox, grey and struck through.
    assert page.count('name="seat"') == 10
    assert page.count(" disabled") == 1
    assert "Rij 1, stoel 1, bezet" in page
    assert page.count("till-seat regular available") == 9


def test_two_chosen_seats_at_two_prices_for_cash_give_change_a_receipt_and_tickets(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    a, b = _seat(show, 2, 3), _seat(show, 2, 4)
    response = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]),
        {"seat": [a, b], f"price_{a}": "senior", f"price_{b}": "youth", "method": "cash", "given": "50"},
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:boxoffice_order", args=[order.pk])
    assert (order.status, order.method, order.total_cents) == ("paid", "cash", 2450 + 1500)
    assert sorted(order.tickets.values_list("price__kind", "amount_cents")) == [("senior", 2450), ("youth", 1500)]
    page = _text(client.get(response["Location"]))
    assert "Wisselgeld: € 10,50 (ontvangen € 50,00)" in page
    assert "rij 2 stoel 3" in page
    assert "rij 2 stoel 4" in page
    assert "65+" in page
    assert "jeugd" in page
    for code in order.tickets.values_list("code", flat=True):
        assert code in page
    assert page.count("<svg") >= 2  # a QR code per ticket
    assert "Verkocht: bestelling" not in page


def test_too_little_cash_is_refused_next_to_the_field_and_nothing_is_sold(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    a, b = _seat(show, 1, 1), _seat(show, 1, 2)
    response = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]),
        {"seat": [a, b], f"price_{a}": "regular", f"price_{b}": "cjp", "method": "cash", "given": "20"},
    )
    assert response.status_code == 422
    page = _text(response)
    assert 'id="till-given-error"' in page
    assert "Minder dan het totaal € 47,50" in page
    assert f'value="{a}" data-row="1" data-number="1" tabindex="-1" checked' in page  # the choice is kept
    assert not Order.objects.exists()
    assert ShowSeat.objects.filter(show=show, status="available").count() == 10


@pytest.mark.parametrize("given", ["vijftig", "12,345", "-5", "1e3"])
def test_a_given_amount_that_is_no_amount_is_refused(client, box_office, given):
    show = f.show(seat_map="1x3", theatre=True, prices=PRICES)
    response = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]),
        {"seat": [_seat(show, 1, 1)], "method": "cash", "given": given},
    )
    assert response.status_code == 422
    assert "Typ een bedrag" in response.content.decode()
    assert not Order.objects.exists()


def test_a_price_the_show_does_not_have_or_a_foreign_seat_is_refused(client, box_office):
    show = f.show(seat_map="1x3", theatre=True, prices={"regular": 1000})
    other = f.show(seat_map="1x3", theatre=True, prices=PRICES)
    a = _seat(show, 1, 1)
    bad_price = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]), {"seat": [a], f"price_{a}": "cjp", "method": "card"}
    )
    assert bad_price.status_code == 422
    foreign = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]), {"seat": [_seat(other, 1, 1)], "method": "card"}
    )
    assert foreign.status_code == 422
    assert client.post(reverse("desk:boxoffice_show", args=[show.pk]), {"seat": ["x1"]}).status_code == 422
    assert not Order.objects.exists()


def test_pin_needs_no_amount_and_shows_no_change(client, box_office):
    show = f.show(seat_map="1x3", theatre=True, prices=PRICES)
    a = _seat(show, 1, 2)
    response = client.post(
        reverse("desk:boxoffice_show", args=[show.pk]), {"seat": [a], "method": "card", "given": "100"}
    )
    page = _text(client.get(response["Location"]))
    assert "Wisselgeld" not in page
    assert Order.objects.get().method == "card"


def test_a_sale_at_the_till_takes_a_bounded_number_of_queries(client, box_office, django_assert_max_num_queries):
    show = f.show(seat_map="10x10", theatre=True, prices=PRICES)
    seats = [_seat(show, 5, n) for n in range(1, 9)]
    prices = {f"price_{s}": k for s, k in zip(seats, ["senior", "youth", "cjp", "stadspas"] * 2, strict=True)}
    # The session and user, the show, the hold, the prices, the payment; then the show's counts: three
    # queries per price kind on its first sale (four kinds here), none per ticket.
    with django_assert_max_num_queries(42):
        response = client.post(
            reverse("desk:boxoffice_show", args=[show.pk]), {"seat": seats, "method": "cash", "given": "", **prices}
        )
    assert response.status_code == 302
    with django_assert_max_num_queries(14):
        assert client.get(reverse("desk:boxoffice_show", args=[show.pk])).status_code == 200


def _paid(show, *, name="Fenna de Vries", email="fenna@example.nl"):
    order = f.checked_out(show, quantity=2, email=email)
    Order.objects.filter(pk=order.pk).update(buyer_name=name)
    from kolk.boxoffice.services.selling import order_pay

    return order_pay(order=order, method="ideal", actor=None)


def test_an_order_is_found_by_name_email_or_number_posted_never_in_the_url(client, box_office):
    show = f.show(seat_map="4x5", theatre=True, prices=PRICES)
    fenna = _paid(show)
    _paid(show, name="Jan Bakker", email="jan@example.nl")
    url = reverse("desk:boxoffice_orders")
    assert "Fenna de Vries" not in client.get(url, {"q": "Fenna"}).content.decode()  # a GET does not search
    by_name = client.post(url, {"q": "fenna"}).content.decode()
    assert "Fenna de Vries" in by_name
    assert "Jan Bakker" not in by_name
    by_email = client.post(url, {"q": "FENNA@example.nl"}).content.decode()
    assert "Fenna de Vries" in by_email
    assert "Jan Bakker" not in by_email
    by_number = client.post(url, {"q": f"#{fenna.pk}"})
    assert by_number["Location"] == reverse("desk:boxoffice_order", args=[fenna.pk])
    assert "Geen bestelling gevonden" in client.post(url, {"q": "Onbekend"}).content.decode()
    assert AuditEntry.objects.filter(action="order.searched").count() == 4


def test_tickets_are_mailed_again_on_request_each_time(client, box_office):
    from django_tasks_db.models import DBTaskResult

    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    order = _paid(show)
    before = DBTaskResult.objects.count()
    for _ in range(2):
        client.post(reverse("desk:boxoffice_resend", args=[order.pk]))
    assert DBTaskResult.objects.count() == before + 2
    keys = set()
    from kolk.boxoffice.tickets import tickets_mail_send
    from kolk.comms.models import OutboxMessage

    mails = OutboxMessage.objects.count()

    for result in DBTaskResult.objects.filter(task_path__endswith="send_tickets_again"):
        keys.add(result.args_kwargs["args"][2])
        assert tickets_mail_send(order_id=order.pk, language="nl", again=result.args_kwargs["args"][2])
    assert len(keys) == 2
    assert OutboxMessage.objects.count() == mails + 2


def test_a_refund_asks_once_and_then_frees_the_seats(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    a = _seat(show, 1, 1)
    client.post(reverse("desk:boxoffice_show", args=[show.pk]), {"seat": [a], "method": "cash", "given": ""})
    order = Order.objects.get()
    url = reverse("desk:boxoffice_cancel", args=[order.token])
    ask = client.post(url)
    assert ask.status_code == 200
    assert "Ja, annuleren en terugbetalen" in _text(ask)
    assert "€ 27,50 terug" in _text(ask)
    order.refresh_from_db()
    assert order.status == "paid"  # one click did nothing yet
    done = client.post(url, {"confirm": "1"})
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert ShowSeat.objects.get(show=show, seat_id=a).status == "available"
    assert "€ 27,50 terugbetalen" in _text(client.get(done["Location"]))


def test_a_walk_in_sale_counts_and_answers_the_prices_chosen_and_logs_the_hold_and_the_payment(box_office):
    """The sale keeps its tickets in hand from the hold to the answer: the prices chosen at the till are
    the ones counted, paid and shown, and the hold and the payment are each in the audit log."""
    from kolk.boxoffice.models import ShowStats
    from kolk.boxoffice.selectors import order_tickets, show_for_sale

    show = show_for_sale(f.show(seat_map="2x5", theatre=True, prices=PRICES).pk)
    a, b, c = _seat(show, 1, 1), _seat(show, 1, 2), _seat(show, 1, 3)
    sale = till_sale(
        show=show, seat_ids=[a, b, c], prices={a: "senior", b: "youth"}, method="cash", given_cents=0, actor=box_office
    )
    order = sale.order
    assert order.status == "paid"
    shown = [(t.seat.number, t.price.kind, t.amount_cents) for t in order_tickets(order)]
    assert shown == [(1, "senior", 2450), (2, "youth", 1500), (3, "regular", 2750)]
    stored = Order.objects.get(pk=order.pk)
    assert [(t.seat.number, t.price.kind, t.amount_cents) for t in order_tickets(stored)] == shown
    assert stored.total_cents == order.total_cents == 2450 + 1500 + 2750
    assert dict(ShowStats.objects.filter(show=show).values_list("kind", "revenue_cents")) == {
        "senior": 2450,
        "youth": 1500,
        "regular": 2750,
    }
    assert ShowSeat.objects.filter(show=show, order=order, status="sold").count() == 3
    entries = AuditEntry.objects.filter(details__order=order.pk).order_by("pk")
    assert [e.action for e in entries] == ["order.held", "order.paid"]
    assert all(e.actor == f"user:{box_office.pk}" for e in entries)


def test_a_refused_walk_in_sale_writes_nothing_not_even_its_audit_entries(box_office):
    from kolk.core.errors import Invalid

    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid):
        till_sale(show=show, seat_ids=[_seat(show, 1, 1)], method="cash", given_cents=100, actor=box_office)
    assert not Order.objects.exists()
    assert ShowSeat.objects.filter(show=show, status="available").count() == 10
    assert AuditEntry.objects.count() == before
    # Refused inside the hold (the seat is gone): the same, and the caller's transaction goes on.
    from kolk.boxoffice.services.selling import SoldOut

    till_sale(show=show, seat_ids=[_seat(show, 1, 1)], method="card", actor=box_office)
    with pytest.raises(SoldOut):
        till_sale(show=show, seat_ids=[_seat(show, 1, 1)], method="card", actor=box_office)
    assert Order.objects.count() == 1
    assert AuditEntry.objects.count() == before + 2
