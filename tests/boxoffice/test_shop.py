"""The public shop: programme, seat map, hold, checkout as a guest, pay, tickets with QR codes and mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, ShowSeat
from kolk.boxoffice.services import payments
from kolk.comms.models import OutboxMessage
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay

pytestmark = pytest.mark.django_db


def test_the_programme_lists_shows_on_sale(client):
    film, play = f.show(), f.show(theatre=True)
    page = client.get(reverse("web:shop:programme")).content.decode()
    assert film.title in page
    assert play.title in page
    page = client.get(reverse("web:shop:programme"), {"soort": "theatre"}).content.decode()
    assert play.title in page
    assert film.title not in page


def test_the_seat_map_has_a_labelled_control_per_seat(client):
    show = f.show(seat_map="2x3; wheelchair 2:1")
    f.held(show, quantity=1)
    page = client.get(reverse("web:shop:show", args=[show.pk])).content.decode()
    assert page.count('name="seat"') == 6
    assert 'aria-label="Rij 2, stoel 1, rolstoelplaats"' in page
    assert page.count(" disabled") == 1


def test_a_guest_holds_checks_out_and_pays_and_gets_tickets_by_mail(client, monkeypatch):
    show = f.show(seat_map="3x4", theatre=True)
    seats = [s.pk for s in show.hall.seats.filter(row=2, number__in=[2, 3])]
    response = client.post(reverse("web:shop:show", args=[show.pk]), {"seat": seats})
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == reverse("web:shop:order", args=[order.token])
    page = client.get(response["Location"]).content.decode()
    assert 'class="countdown"' in page
    tickets = list(order.tickets.order_by("pk"))
    bad = client.post(response["Location"], {"buyer_name": "Gea Gast", "buyer_email": "nee"})
    assert "errorlist" in bad.content.decode()
    client.post(
        response["Location"],
        {
            "buyer_name": "Gea Gast",
            "buyer_email": "gea@example.nl",
            "buyer_phone": "",
            f"price_{tickets[0].pk}": "regular",
            f"price_{tickets[1].pk}": "senior",
        },
    )
    order.refresh_from_db()
    assert (order.status, order.total_cents) == (Order.Status.PENDING_PAYMENT, 1250 + 1050)

    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer(
        "POST", "/v2/payments", "payment_created.json", status=201, amount={"value": "23.00", "currency": "EUR"}
    )
    paying = client.post(reverse("web:shop:pay", args=[order.token]), {"method": "ideal"})
    assert paying["Location"].startswith("https://www.mollie.com/checkout/")
    replay.answer(
        "GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json", amount={"value": "23.00", "currency": "EUR"}
    )
    assert client.post("/api/v1/boxoffice/payments/mollie/webhook", {"id": "tr_7UhSN1zuXS"}).json() == {
        "result": "paid"
    }

    page = client.get(reverse("web:shop:order", args=[order.token])).content.decode()
    assert page.count("<svg") == 2
    assert tickets[0].code in page
    assert not OutboxMessage.objects.exists()  # the worker draws the QR codes, not the payment
    f.worker_turn()
    mail = OutboxMessage.objects.get()
    assert mail.to_address == "gea@example.nl"
    assert "Hamlet" in mail.subject
    assert tickets[1].code in mail.text_body
    assert mail.attachments.count() == 3  # the tickets as a PDF, and a QR code per ticket
    assert bytes(mail.attachments.get(filename="kaart-1.png").content[:8]) == b"\x89PNG\r\n\x1a\n"


def test_a_taken_seat_gives_a_message_not_an_order(client):
    show = f.show(seat_map="1x2")
    seat = show.hall.seats.first()
    client.post(reverse("web:shop:show", args=[show.pk]), {"seat": [seat.pk]})
    response = client.post(reverse("web:shop:show", args=[show.pk]), {"seat": [seat.pk]})
    assert response.status_code == 200
    assert "niet meer vrij" in response.content.decode()
    assert Order.objects.count() == 1


def test_an_unknown_order_token_is_a_404(client):
    assert client.get(reverse("web:shop:order", args=["nope"])).status_code == 404


def test_only_the_pay_page_lets_its_form_go_to_mollie(client):
    order = f.checked_out(f.show())
    policy = client.get(reverse("web:shop:order", args=[order.token]))["Content-Security-Policy"]
    assert "form-action 'self' https://www.mollie.com" in policy
    assert "script-src 'self';" in policy
    programme = client.get(reverse("web:shop:programme"))["Content-Security-Policy"]
    assert "form-action 'self';" in programme


def test_the_programme_shows_the_kijkwijzer_rating_and_what_is_sold_out(client, django_assert_max_num_queries):
    film = f.show(seat_map="1x2", age_rating="16")
    full = f.show(seat_map="1x2", theatre=True)
    f.held(full, quantity=2)
    with django_assert_max_num_queries(4):
        page = client.get(reverse("web:shop:programme")).content.decode()
    assert "Kijkwijzer: 16+" in page
    assert "Uitverkocht" in page
    assert reverse("web:shop:show", args=[film.pk]) in page
    assert reverse("web:shop:show", args=[full.pk]) not in page
    assert "Kijkwijzer: 16+" in client.get(reverse("web:shop:show", args=[film.pk])).content.decode()


def test_a_buyer_who_goes_back_releases_the_held_seats_at_once(client):
    show = f.show(seat_map="1x4", theatre=True)
    seats = [s.pk for s in show.hall.seats.filter(number__in=[1, 2])]
    held = client.post(reverse("web:shop:show", args=[show.pk]), {"seat": seats})
    order = Order.objects.get()
    assert ShowSeat.objects.filter(show=show, status="held").count() == 2
    back = client.post(reverse("web:shop:release", args=[order.token]))
    assert back["Location"] == reverse("web:shop:show", args=[show.pk])
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert ShowSeat.objects.filter(show=show, status="available").count() == 4
    assert "Je plaatsen zijn vrijgegeven" in client.get(back["Location"]).content.decode()
    assert client.post(reverse("web:shop:release", args=[order.token])).status_code == 409
    assert held.status_code == 302
