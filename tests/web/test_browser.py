"""The site in a real browser (Debian's Chromium): cookie notice, portal login and lockout,
a consent given and withdrawn, the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kolk.privacy.ledger import has_consent
from kolk.privacy.models import PrivacyChoice
from kolk.web.cookies import CHOICE_COOKIE, VISITOR_COOKIE
from kolk.web.models import CookieChoice
from tests.web.factories import PASSWORD, member

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NECESSARY = {"csrftoken", "sessionid", VISITOR_COOKIE, CHOICE_COOKIE, "django_language"}


class Watch:
    """Every request the page makes, and every CSP complaint; nothing leaves the machine."""

    def __init__(self, page):
        self.urls: list[str] = []
        self.console: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.route("**/*", self._route)

    @staticmethod
    def _route(route):
        if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            route.abort()

    def third_party(self) -> list[str]:
        return [u for u in self.urls if urlsplit(u).hostname not in {"127.0.0.1", "localhost"} and u.startswith("http")]

    def csp_errors(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    context.close()


@pytest.fixture
def ga(settings):
    settings.KOLK_GA_MEASUREMENT_ID = "G-TEST123"


def _cookie_names(page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def test_rejecting_cookies_sends_nothing_to_a_third_party(live_server, page, ga):
    page.goto(live_server.url + "/")
    notice = page.locator("#cookie-notice")
    expect(notice).to_be_visible()
    assert page.watch.third_party() == []
    assert _cookie_names(page) <= NECESSARY
    page.get_by_role("button", name="Weigeren").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cookie-notice")).to_have_count(0)
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/privacy")
    page.wait_for_load_state("networkidle")
    assert page.watch.third_party() == []
    assert _cookie_names(page) <= NECESSARY
    assert CookieChoice.objects.get().analytics is False
    assert page.watch.csp_errors() == []


def test_accepting_cookies_loads_analytics_and_social_only_then(live_server, page, ga):
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.watch.third_party() == []
    page.get_by_role("button", name="Accepteren").click()
    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(u).hostname for u in page.watch.third_party()}
    assert "www.googletagmanager.com" in hosts
    assert "www.facebook.com" in hosts
    choice = CookieChoice.objects.get()
    assert (choice.analytics, choice.social) == (True, True)
    assert page.watch.csp_errors() == []


def test_changing_the_choice_later_on_the_cookie_page(live_server, page, ga):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Accepteren").click()
    page.goto(live_server.url + "/cookies")
    page.get_by_role("button", name="Alles weigeren").click()
    page.wait_for_load_state("networkidle")
    page.watch.urls.clear()
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.watch.third_party() == []
    assert [c.analytics for c in CookieChoice.objects.order_by("id")] == [True, False]


def _login(page, live_server, username, password):
    page.goto(live_server.url + "/mijn/inloggen")
    page.get_by_label("Gebruikersnaam of pasnummer").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen", exact=True).click()


def test_portal_login_and_lockout_after_five_wrong_passwords(live_server, page):
    member()
    for attempt in range(4):
        _login(page, live_server, "lid", f"fout-{attempt}")
        expect(page.get_by_text("Deze combinatie van gebruikersnaam of pasnummer")).to_be_visible()
    _login(page, live_server, "lid", "fout-5")
    expect(page.get_by_role("heading", name="Even wachten")).to_be_visible()
    _login(page, live_server, "lid", PASSWORD)
    expect(page.get_by_role("heading", name="Even wachten")).to_be_visible()
    assert "/mijn/inloggen" in page.url


def test_portal_login_with_the_pass_number(live_server, page):
    user = member()
    _login(page, live_server, user.person.pass_number, PASSWORD)
    assert page.url == live_server.url + "/mijn/"
    expect(page.get_by_role("heading", name=f"Hallo {user.person.given_name}")).to_be_visible()


def test_giving_and_withdrawing_a_consent_in_the_portal(live_server, page):
    user = member()
    _login(page, live_server, "lid", PASSWORD)
    page.get_by_role("link", name="Mijn toestemmingen en bezwaren").click()
    row = page.locator("#consent-notices_advice")
    assert row.get_attribute("data-state") == "off"
    row.get_by_role("button", name="Toestemming geven").click()
    page.locator('#consent-notices_advice[data-state="on"]').wait_for()
    assert has_consent(user.person, "notices_advice")
    page.locator("#consent-notices_advice").get_by_role("button", name="Intrekken").click()
    page.locator('#consent-notices_advice[data-state="off"]').wait_for()
    assert not has_consent(user.person, "notices_advice")
    decisions = PrivacyChoice.objects.filter(subject=user.person, purpose="notices_advice").order_by("id")
    assert [(c.decision, c.method) for c in decisions] == [(True, "web"), (False, "web")]
    page.locator("#objection-offers-phone").get_by_role("button", name="Bezwaar maken").click()
    page.locator('#objection-offers-phone[data-state="on"]').wait_for()
    assert page.locator("#objection-offers-email").get_attribute("data-state") == "off"
    assert page.watch.csp_errors() == []


def test_the_language_switch(live_server, page):
    page.goto(live_server.url + "/privacy")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("button", name="English").click()
    page.wait_for_url(live_server.url + "/en/privacy")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_url(live_server.url + "/privacy")
    assert page.locator("html").get_attribute("lang") == "nl"


def test_reject_looks_and_works_like_accept_also_by_keyboard(live_server, page):
    page.goto(live_server.url + "/")
    reject = page.get_by_role("button", name="Weigeren")
    accept = page.get_by_role("button", name="Accepteren")
    style = "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.fontSize, s.fontWeight]; }"
    assert reject.evaluate(style) == accept.evaluate(style)
    r, a = reject.bounding_box(), accept.bounding_box()
    assert (r["width"], r["height"]) == (a["width"], a["height"])
    assert r["y"] == a["y"]  # side by side
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Weigeren"
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cookie-notice")).to_have_count(0)
    assert CookieChoice.objects.get().analytics is False
