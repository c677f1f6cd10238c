"""The waiting list's done-when on a phone (390 px): a refunded seat of a sold-out show stays sold out
in the shop, the worker's job offers it to the first in line by mail, and she buys exactly the offered
seat from the mail's link. Every page fits the phone and passes axe; screenshots in the temp folder."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.models import Order, ShowSeat, WaitlistEntry
from kolk.boxoffice.services import payments, waitlist
from kolk.boxoffice.services.selling import order_cancel, order_pay
from kolk.comms.models import OutboxMessage
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
ONE = {"value": "12.50", "currency": "EUR"}
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def fits(page, shot: str) -> None:
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


def test_a_refunded_seat_goes_to_the_first_on_the_waiting_list_who_buys_it_from_the_mail(
    live_server,
    phone,  # noqa: F811
    monkeypatch,
):
    page = phone
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=ONE)
    replay.answer("GET", MOLLIE, "payment_paid.json", amount=ONE)
    page.route(
        "https://www.mollie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
    )
    show = f.show(seat_map="2x4", theatre=True)
    sold = [order_pay(order=f.checked_out(show, quantity=q), method=Order.Method.CASH, actor=None) for q in (1, 3, 4)]
    show_url = f"{live_server.url}/kaarten/show/{show.pk}/"

    # Sold out: Ada joins the waiting list for one ticket.
    page.goto(show_url)
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    page.get_by_role("link", name="Op de wachtlijst").click()
    page.get_by_label("Naam").fill("Ada Wachter")
    page.get_by_label("E-mailadres").fill("ada@example.nl")
    page.get_by_label("Aantal kaartjes").fill("1")
    page.get_by_role("button", name="Op de wachtlijst").click()
    expect(page.get_by_role("status")).to_contain_text("Je staat op de wachtlijst")

    # The box office refunds the single ticket: the seat is Ada's to be offered, not the shop's.
    order_cancel(order=sold[0], actor=None, refund=True)
    page.goto(show_url)
    expect(page.locator("#available")).to_have_text("Nog 0 plaatsen vrij.")
    expect(page.get_by_role("link", name="Op de wachtlijst")).to_be_visible()
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.KEPT).count() == 1
    fits(page, "waitlist-phone-1-still-sold-out.png")

    # The worker's job offers it; the mail in the outbox has the link.
    assert waitlist.waitlist_offers_make() == 1
    mail = OutboxMessage.objects.get(to_address="ada@example.nl")
    link = re.search(r"https?://\S+/kaarten/wachtlijst/\S+/", mail.text_body).group(0)
    seat = sold[0].tickets.get().seat
    page.goto(live_server.url + link[link.index("/kaarten/") :])
    expect(page.locator("main")).to_contain_text(f"Rij {seat.row}, stoel {seat.number}")
    expect(page.get_by_role("link", name="Kaartjes kopen")).to_be_in_viewport()
    fits(page, "waitlist-phone-2-offer.png")

    # She buys exactly that seat: the order holds it, checked out and paid by iDEAL.
    page.get_by_role("link", name="Kaartjes kopen").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    expect(page.locator("main")).to_contain_text(f"Rij {seat.row}, stoel {seat.number}")
    expect(page.locator("#offer-note")).to_contain_text("Je plaats van de wachtlijst houden we voor je vast tot")
    expect(page.get_by_label("Naam")).to_have_value("Ada Wachter")  # known from the list
    expect(page.get_by_label("E-mailadres")).to_have_value("ada@example.nl")
    for elsewhere in ("Andere stoelen", "Verwijderen", "Nog een voorstelling toevoegen"):
        expect(page.get_by_text(elsewhere)).to_have_count(0)
    fits(page, "waitlist-phone-3-checkout.png")
    page.get_by_role("button", name="Verder naar betalen").click()
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    page.goto(order_url + "betaling/")
    page.wait_for_url(order_url, timeout=15000)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_in_viewport()
    expect(page.locator(".tickets svg")).to_have_count(1)
    fits(page, "waitlist-phone-4-tickets.png")

    waitlist.waitlist_offers_make()
    entry = WaitlistEntry.objects.get(show=show)
    assert entry.status == WaitlistEntry.Status.BOUGHT
    assert list(entry.order.tickets.values_list("seat_id", flat=True)) == [seat.pk]
    assert ShowSeat.objects.get(show=show, seat=seat).status == ShowSeat.Status.SOLD

    # The offer's link now says she bought them.
    page.goto(live_server.url + link[link.index("/kaarten/") :])
    expect(page.get_by_role("status")).to_contain_text("Je hebt deze kaartjes gekocht.")
    fits(page, "waitlist-phone-5-bought.png")
