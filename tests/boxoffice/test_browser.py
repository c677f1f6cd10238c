"""In a real browser: a guest buys two seats for a theatre show on the seat map, pays with iDEAL
(Mollie's recorded answers), receives the tickets by mail over SMTP, and the box office scans them."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from kolk.boxoffice.models import Order
from kolk.boxoffice.services import payments
from kolk.comms.outbox import outbox_flush
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.comms.conftest import Inbox, smtp  # noqa: F401  (the SMTP server fixture)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAID = {"value": "23.00", "currency": "EUR"}  # regular 12.50 + 65+ 10.50


def test_a_guest_buys_two_theatre_seats_and_the_box_office_checks_them_in(live_server, page, monkeypatch, smtp):  # noqa: F811
    show = f.show(seat_map="4x6; wheelchair 4:1-2", theatre=True)
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=PAID)
    mollie_pages: list[str] = []
    page.route(
        "https://www.mollie.com/**",
        lambda route: (
            mollie_pages.append(route.request.url),
            route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
        ),
    )

    page.goto(f"{live_server.url}/kaarten/")
    page.get_by_role("link", name="Kaartjes voor Hamlet").click()
    assert page.get_by_label("Rij 4, stoel 1, rolstoelplaats").is_enabled()
    page.get_by_label("Rij 3, stoel 3", exact=True).check()
    page.get_by_label("Rij 3, stoel 4", exact=True).check()
    page.get_by_role("button", name="Deze stoelen vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    assert re.fullmatch(r"\d+:\d\d", page.locator(".countdown").inner_text())

    page.get_by_label("Naam").fill("Gea Gast")
    page.get_by_label("E-mailadres").fill("gea@example.nl")
    page.get_by_label("Tarief rij 3 stoel 4").select_option("senior")
    page.get_by_role("button", name="Verder naar betalen").click()
    expect(page.locator("main")).to_contain_text("€ 23,00")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    assert mollie_pages

    # Mollie calls the webhook; kolk asks Mollie, which says paid. Then the buyer comes back.
    replay.answer("GET", "/v2/payments/tr_7UhSN1zuXS", "payment_paid.json", amount=PAID)
    hook = requests.post(
        f"{live_server.url}/api/v1/boxoffice/payments/mollie/webhook", data={"id": "tr_7UhSN1zuXS"}, timeout=30
    )
    assert hook.json() == {"result": "paid"}
    page.goto(order_url)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_visible()
    expect(page.locator(".tickets svg")).to_have_count(2)
    codes = page.locator(".ticket-code").all_inner_texts()

    f.worker_turn()  # the worker draws the QR codes, queues the mail and sends it
    assert outbox_flush().sent == 0
    (mail,) = smtp.to("gea@example.nl")
    text = Inbox.text(mail)
    assert "Hamlet" in mail["Subject"]
    assert all(code in text for code in codes)
    assert [p.get_content_type() for p in mail.iter_attachments()] == ["application/pdf", "image/png", "image/png"]

    UserFactory(username="kassa1", roles=[Role.BOX_OFFICE])
    page.goto(f"{live_server.url}/balie/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("kassa1")
    page.get_by_label("Wachtwoord").fill("correct horse battery")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{live_server.url}/balie/kassa/show/{show.pk}/scannen/")
    for number, code in zip((3, 4), codes, strict=True):
        page.get_by_label("Code van het kaartje").fill(code)
        page.get_by_role("button", name="Controleren").click()
        expect(page.locator("#checkin-result")).to_contain_text(f"Welkom!rij 3 stoel {number}")
    expect(page.locator("#door-count")).to_contain_text("2 van 2 binnen")
    page.get_by_label("Code van het kaartje").fill(codes[0])
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator("#checkin-result")).to_contain_text("Al gescand om")
    assert Order.objects.get().status == Order.Status.PAID
