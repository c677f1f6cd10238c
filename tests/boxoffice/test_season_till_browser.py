"""A theaterabonnement of four shows sold at the till in a real browser, keyboard only: from the box office's
home to the series' till, the same two seats in each show (refused where one is taken in a show, the seats free
in all taken with one key), cash with the change due, then the receipt and the tickets to print."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.models import Order, Series, Show
from kolk.boxoffice.services.selling import seats_hold
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.browser import axe_findings, scrolls_sideways
from tests.factories import UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def focused(page) -> str:
    return page.evaluate("document.activeElement.getAttribute('aria-label') || document.activeElement.id")


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                  return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def test_a_theaterabonnement_of_four_shows_with_the_same_seats_at_the_till_keyboard_only(live_server, page):
    ensure_role_groups()
    UserFactory(username="kees", roles=[Role.BOX_OFFICE])
    hall = f.hall(seat_map="4x6")
    shows = [f.show(hall=hall, theatre=True, in_days=10 + 7 * i) for i in range(4)]
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    series.shows.set(shows)
    taken = hall.seats.get(row=2, number=5).pk
    seats_hold(show=Show.objects.get(pk=shows[2].pk), seat_ids=[taken], actor=None)  # sold in the third show

    page.goto(f"{live_server.url}/balie/kassa/")
    page.fill("#id_username", "kees")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    link = page.get_by_role("link", name="Drents Toneel 2026-2027")
    expect(link).to_be_visible()
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Kassa: Drents Toneel")
    expect(page.locator("input[name=show]:checked")).to_have_count(4)
    assert axe_findings(page) == []

    # The cursor is on the first show's seat map; the arrow keys walk it, Space chooses.
    assert focused(page) == "Rij 1, stoel 1"
    for key in ["ArrowDown", "ArrowRight", "ArrowRight", "ArrowRight"]:
        page.keyboard.press(key)
    assert focused(page) == "Rij 2, stoel 4"
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.locator("#series-seats")).to_have_text("Rij 2, stoel 4; Rij 2, stoel 5")
    assert (
        page.locator("#series-total").inner_text().replace("\u00a0", " ") == "€ 80,00"
    )  # 2 seats, 4 shows, € 10,00 each
    for _ in range(3):  # past "Of: beste plaatsen" and "contant" (chosen already) to the amount received
        page.keyboard.press("Tab")
    assert focused(page) == "series-given"
    page.keyboard.type("100")
    assert page.locator("#series-change").inner_text().replace("\u00a0", " ") == "€ 20,00"
    page.screenshot(path=str(SHOTS / "season-till.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Seat 2-5 is sold in the third show: the seats free in every show are offered, in words, on one key.
    alert = page.get_by_role("alert")
    assert "niet in elke gekozen voorstelling vrij" in alert.inner_text()
    assert in_view(page, "#till-error")
    assert focused(page) == "series-take"
    assert in_view(page, "#series-take")
    offer = page.locator("#series-take").inner_text()
    assert offer.startswith("Neem rij ")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "season-till-alternative.png"), full_page=True)
    assert not Order.objects.filter(series=series).exists()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    order = Order.objects.get(series=series)
    assert (order.status, order.method, order.total_cents) == ("paid", "cash", 8000)
    places = {}
    for show_id, row, number in order.tickets.values_list("show_id", "seat__row", "seat__number"):
        places.setdefault(show_id, set()).add((row, number))
    assert len(places) == 4
    assert len({frozenset(p) for p in places.values()}) == 1  # the same seats in each show
    assert (2, 5) not in next(iter(places.values()))
    status = page.get_by_role("status").first
    assert "Wisselgeld: € 20,00" in status.inner_text().replace("\u00a0", " ")
    expect(status).to_be_visible()
    expect(page.locator("table.receipt tbody tr")).to_have_count(8)
    expect(page.locator(".order-tickets li")).to_have_count(8)
    for name, paper in (("Kaartjes op A4", "a4"), ("Kaartjes voor de bonprinter (80 mm)", "receipt")):
        href = page.get_by_role("link", name=name).get_attribute("href")
        assert href.endswith(f"kaartjes-{paper}.pdf")
        pdf = page.request.get(f"{live_server.url}{href}")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
    expect(page.get_by_role("button", name="Bon en kaartjes printen")).to_be_visible()
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "season-till-order.png"), full_page=True)


def test_a_theaterabonnement_is_made_with_its_presale_and_a_bad_date_is_told_at_its_field(live_server, page):
    ensure_role_groups()
    UserFactory(username="kees", roles=[Role.BOX_OFFICE])
    hall = f.hall(seat_map="2x4")
    for i in range(4):
        f.show(hall=hall, theatre=True, in_days=30 + i)
    page.goto(f"{live_server.url}/balie/kassa/theaterabonnementen/nieuw/")
    page.fill("#id_username", "kees")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert axe_findings(page) == []
    page.get_by_label("Naam").focus()
    page.keyboard.type("Kamermuziek")
    page.keyboard.press("Tab")
    page.keyboard.type("2026-2027")
    for box in page.locator("input[name=shows]").all():
        box.focus()
        page.keyboard.press("Space")
    page.locator("#id_min_shows").fill("3")
    page.locator("#id_members_from_time").fill("10:00")  # a time without its date (the test browser's is 12-hour)
    page.screenshot(path=str(SHOTS / "season-series-form.png"), full_page=True)
    page.locator("#id_discount_percent").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not Series.objects.exists()
    assert focused(page) == "id_members_from_date"
    assert in_view(page, "#id_members_from_date_error")
    expect(page.locator("#id_members_from_date_error")).to_contain_text("Vul ook een datum in")
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "season-series-form-error.png"), full_page=True)
    page.keyboard.press("Backspace")  # the field is empty: clear the time too and save without a presale
    page.locator("#id_members_from_time").fill("")
    page.locator("#id_discount_percent").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Series.objects.get().shows.count() == 4
    expect(page.get_by_role("status")).to_contain_text("Theaterabonnement Kamermuziek 2026-2027 opgeslagen.")
    assert axe_findings(page) == []


def test_the_tills_fit_a_narrow_screen_and_their_buttons_can_be_pressed(live_server, page):
    """A till on a small tablet or phone (390 px): the page does not scroll sideways and the seat map
    does not lie over the order's buttons (the narrow grid's one column once grew to the map's width)."""
    ensure_role_groups()
    UserFactory(username="kees", roles=[Role.BOX_OFFICE])
    hall = f.hall(seat_map="12x24")
    shows = [f.show(hall=hall, theatre=True, in_days=10 + 7 * i) for i in range(2)]
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=2, discount_percent=20)
    series.shows.set(shows)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/balie/kassa/")
    page.fill("#id_username", "kees")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for path, button in (
        (f"/balie/kassa/show/{shows[0].pk}/", "button.till-sell"),
        (f"/balie/kassa/theaterabonnementen/{series.pk}/", "#series-sell"),
    ):
        page.goto(live_server.url + path)
        assert scrolls_sideways(page) == 0, path
        sell = page.locator(button).first
        sell.scroll_into_view_if_needed()
        box = sell.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 390, path
        on_top = page.evaluate(
            "([x, y, s]) => { const e = document.elementFromPoint(x, y); return !!e && !!e.closest(s); }",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button],
        )
        assert on_top, f"{path}: something lies over the sell button"
