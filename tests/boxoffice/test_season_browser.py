"""The theatre season on a phone (390 px): a buyer joins the waiting list of a sold-out show, a refund
frees a seat, the worker's job offers it, the buyer opens the mail's link, pays € 10,00 of it with a
gift voucher and the rest by iDEAL, and gets the ticket. Every page fits the phone and passes axe."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import Order, WaitlistEntry
from kolk.boxoffice.services import payments, waitlist
from kolk.boxoffice.services.selling import order_cancel, order_pay
from kolk.boxoffice.services.vouchers import voucher_issue
from kolk.comms.models import OutboxMessage
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
REST = {"value": "2.50", "currency": "EUR"}  # € 12,50 less the voucher's € 10,00
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def fits(page, shot: str) -> None:
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


def test_a_buyer_on_the_waiting_list_gets_a_refunded_seat_and_pays_part_with_a_voucher(
    live_server,
    phone,  # noqa: F811
    monkeypatch,
):
    page = phone
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=REST)
    replay.answer("GET", MOLLIE, "payment_paid.json", amount=REST)
    page.route(
        "https://www.mollie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
    )
    show = f.show(seat_map="1x2", theatre=True)
    sold = order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None)

    # Sold out: the show's page leads to the waiting list.
    page.goto(f"{live_server.url}/kaarten/show/{show.pk}/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    page.get_by_role("link", name="Op de wachtlijst").click()
    page.get_by_label("Naam").fill("Wim Wachter")
    page.get_by_label("E-mailadres").fill("wim@example.nl")
    page.get_by_label("Aantal kaartjes").fill("1")
    page.get_by_role("button", name="Op de wachtlijst").click()
    expect(page.get_by_role("status")).to_contain_text("Je staat op de wachtlijst")
    expect(page.get_by_role("status")).to_be_in_viewport()
    fits(page, "season-phone-1-joined.png")

    # The box office refunds the sold order; the worker's job offers a freed seat to Wim.
    order_cancel(order=sold, actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 1
    mail = OutboxMessage.objects.get(to_address="wim@example.nl")
    link = re.search(r"https?://\S+/kaarten/wachtlijst/\S+/", mail.text_body).group(0)
    page.goto(live_server.url + link[link.index("/kaarten/") :])
    expect(page.locator("main")).to_contain_text("Rij 1, stoel")
    fits(page, "season-phone-2-offer.png")
    page.get_by_role("link", name="Kaartjes kopen").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    page.get_by_label("Naam").fill("Wim Wachter")
    page.get_by_label("E-mailadres").fill("wim@example.nl")
    page.get_by_role("button", name="Verder naar betalen").click()

    # A gift voucher of € 10,00 pays part; iDEAL the rest.
    voucher = voucher_issue(value_cents=1000, actor=None)
    page.get_by_label("Cadeaubon of kortingscode").fill(code_display(voucher.code).lower())
    page.get_by_role("button", name="Code gebruiken").click()
    expect(page.get_by_role("alert")).to_contain_text("Je cadeaubon betaalt € 10,00.")
    expect(page.get_by_role("alert")).to_be_in_viewport()
    expect(page.locator("main")).to_contain_text("€ 2,50")
    fits(page, "season-phone-3-voucher.png")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    page.goto(order_url + "betaling/")
    page.wait_for_url(order_url, timeout=15000)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_in_viewport()
    expect(page.locator(".tickets svg")).to_have_count(1)
    waitlist.waitlist_offers_make()
    entry = WaitlistEntry.objects.get(show=show)
    assert entry.status == WaitlistEntry.Status.BOUGHT
    assert entry.order.status == Order.Status.PAID
