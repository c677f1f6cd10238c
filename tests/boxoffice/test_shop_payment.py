"""The shop's steps and its payment page: back from iDEAL the buyer sees the payment being checked
(the page asks Mollie itself, the webhook need not have come), then the tickets; a failed payment
offers to pay again or to choose other seats, which gives the held ones back. Mollie is replayed."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from kolk.boxoffice.models import Order, Payment, ShowSeat
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.selling import order_pay, orders_expire
from kolk.core.clock import now
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay

pytestmark = pytest.mark.django_db
AMOUNT = {"value": "25.00", "currency": "EUR"}  # two regular tickets of 12,50
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the payment page asks Mollie at most once per few seconds per payment


@pytest.fixture
def replay(monkeypatch):
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=AMOUNT)
    return replay


def mollie_says(replay: MollieReplay, status: str, payment: str = "tr_7UhSN1zuXS") -> None:
    """Mollie's answer about a payment: the recorded expired one with another status (failed, canceled)."""
    path = f"/v2/payments/{payment}"
    replay.answer("GET", path, "payment_expired.json", amount=AMOUNT, id=payment)
    replay.routes[("GET", path)][1]["status"] = status


def current_step(page: str) -> str:
    found = re.search(r'<li class="step current" aria-current="step">.*?class="step-label">([^<]+)<', page)
    assert found, "no current step"
    return found[1]


def _to_ideal(client, replay) -> Order:
    order = f.checked_out(f.show(seat_map="2x4"))
    paying = client.post(reverse("web:shop:pay", args=[order.token]), {"method": "ideal"})
    assert paying["Location"].startswith("https://www.mollie.com/checkout/")
    return order


def test_each_page_of_the_shop_marks_its_step(client, replay):
    show = f.show(seat_map="2x4")
    page = client.get(reverse("web:shop:show", args=[show.pk])).content.decode()
    assert '<ol class="steps">' in page
    assert current_step(page) == "Stoelen"
    assert page.count('aria-current="step"') == 1
    order = f.held(show, quantity=2)
    order_url = reverse("web:shop:order", args=[order.token])
    assert current_step(client.get(order_url).content.decode()) == "Gegevens"
    order = f.checked_out(show)
    page = client.get(reverse("web:shop:order", args=[order.token])).content.decode()
    assert current_step(page) == "Betalen"
    assert page.count("(gedaan)") == 2
    order_pay(order=order, method="card", actor=None)
    assert current_step(client.get(reverse("web:shop:order", args=[order.token])).content.decode()) == "Klaar"


def test_back_from_ideal_the_page_checks_the_payment_until_it_is_paid(client, replay):
    order = _to_ideal(client, replay)
    created = json.loads(replay.requests[0].body)
    assert created["redirectUrl"].endswith(reverse("web:shop:payment", args=[order.token]))
    replay.answer("GET", MOLLIE, "payment_created.json", amount=AMOUNT)  # still open
    page = client.get(reverse("web:shop:payment", args=[order.token]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "We controleren je betaling" in text
    assert f'data-payment-poll="{reverse("web:shop:payment_status", args=[order.token])}"' in text
    assert current_step(text) == "Betalen"
    assert "<meta http-equiv" not in text  # it asks again by script (shop.js), not by reloading itself
    status = client.get(reverse("web:shop:payment_status", args=[order.token])).json()
    assert status["state"] == "checking"
    asked = [r for r in replay.requests if r.method == "GET"]
    assert len(asked) == 1  # the page and its first question within seconds: Mollie asked once
    cache.clear()
    replay.answer("GET", MOLLIE, "payment_paid.json", amount=AMOUNT)
    status = client.get(reverse("web:shop:payment_status", args=[order.token])).json()
    assert status == {"state": "paid", "checking": False, "next": reverse("web:shop:order", args=[order.token])}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID  # without Mollie's webhook: its answer, asked by kolk
    back = client.get(reverse("web:shop:payment", args=[order.token]))
    assert back["Location"] == reverse("web:shop:order", args=[order.token])


def test_a_failed_payment_offers_to_pay_again_or_to_choose_other_seats(client, replay):
    order = _to_ideal(client, replay)
    mollie_says(replay, "failed")
    page = client.get(reverse("web:shop:payment", args=[order.token]))
    text = page.content.decode()
    assert "Je betaling is niet gelukt" in text
    assert "Opnieuw betalen" in text
    assert "Andere stoelen kiezen" in text
    assert "form-action 'self' https://www.mollie.com" in page["Content-Security-Policy"]
    assert Payment.objects.get().status == Payment.Status.FAILED
    assert ShowSeat.objects.filter(order=order, status="held").count() == 2  # still held for the buyer
    assert client.get(reverse("web:shop:payment_status", args=[order.token])).json()["state"] == "failed"

    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=AMOUNT, id="tr_44aKxzEbr8")
    again = client.post(reverse("web:shop:pay", args=[order.token]), {"method": "ideal"})
    assert again["Location"].startswith("https://www.mollie.com/checkout/")
    posts = [r for r in replay.requests if r.method == "POST"]
    assert posts[-1].headers["Idempotency-Key"] == f"kolk-order-{order.pk}-2"  # a new payment, not the failed one
    cache.clear()
    mollie_says(replay, "canceled", "tr_44aKxzEbr8")  # cancelled at the bank
    assert "Je betaling is niet gelukt" in client.get(reverse("web:shop:payment", args=[order.token])).content.decode()

    other = client.post(reverse("web:shop:release", args=[order.token]))
    assert other["Location"] == reverse("web:shop:show", args=[order.show_id])
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert ShowSeat.objects.filter(show=order.show, status="available").count() == 8
    assert "Je bestelling is verlopen" in client.get(reverse("web:shop:payment", args=[order.token])).content.decode()


def test_mollie_not_answering_keeps_the_page_checking(client, replay):
    order = _to_ideal(client, replay)
    replay.answer("GET", MOLLIE, "error_422.json", status=500)
    status = client.get(reverse("web:shop:payment_status", args=[order.token]))
    assert status.status_code == 200
    assert status.json()["state"] == "checking"


def test_an_order_that_expired_unpaid_says_so_and_leads_back_to_the_seats(client, replay):
    order = _to_ideal(client, replay)
    replay.answer("GET", MOLLIE, "payment_expired.json", amount=AMOUNT)
    orders_expire(at=now() + dt.timedelta(minutes=60))
    text = client.get(reverse("web:shop:payment", args=[order.token])).content.decode()
    assert "Je bestelling is verlopen" in text
    assert reverse("web:shop:show", args=[order.show_id]) in text


def test_a_bad_token_is_a_404(client):
    assert client.get(reverse("web:shop:payment", args=["nope"])).status_code == 404
    assert client.get(reverse("web:shop:payment_status", args=["x" * 32])).status_code == 404


def test_a_payment_that_comes_after_the_seats_went_to_someone_else_is_refunded_and_says_so(client, replay):
    order = _to_ideal(client, replay)
    orders_expire(at=now() + dt.timedelta(minutes=60))  # too slow at the bank: the seats go back
    f.held(order.show, quantity=8)  # and someone else takes all of them
    replay.answer("GET", MOLLIE, "payment_paid.json", amount=AMOUNT)  # then the bank says paid
    text = client.get(reverse("web:shop:payment", args=[order.token])).content.decode()
    assert "Je betaling kwam te laat" in text
    assert "terug op je rekening" in text
    assert Payment.objects.get(order=order).status == Payment.Status.REFUND_DUE  # the periodic job pays it back
