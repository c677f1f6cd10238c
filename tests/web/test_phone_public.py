"""The public pages as a visitor on a 360 px phone finds them: the first page leads somewhere (a search
in the catalogue, the next shows, the ways in), the phone number can be tapped, and a table that becomes
a list of cards keeps its column names (the privacy statement's rows say which cell is the basis)."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.boxoffice.models import Show
from tests.boxoffice.factories import show
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import CopyFactory, TitleFactory
from tests.web.test_join import basis, post
from tests.web.test_phone import _busy_member, _log_in

pytestmark = pytest.mark.django_db
_ = basis  # the fixture of the join tests, for the join step below


def test_the_first_page_shows_the_next_shows_on_sale_and_a_search_in_the_catalogue(
    client, django_assert_max_num_queries
):
    soon = [show(in_days=days) for days in (3, 1, 2, 5)]
    Show.objects.filter(pk=soon[2].pk).update(on_sale=False)  # not for sale yet: not on the first page
    with django_assert_max_num_queries(6):
        page = client.get(reverse("web:home")).content.decode()
    at = [page.find(f'href="{reverse("web:shop:show", args=[s.pk])}"') for s in soon]
    assert 0 < at[1] < at[0] < at[3], "the next three on sale, soonest first"
    assert at[2] == -1
    assert f'action="{reverse("web:catalogue")}"' in page
    assert 'name="q"' in page
    assert f'href="{reverse("web:shop:programme")}"' in page


def test_the_first_page_says_so_when_nothing_is_on_sale(client):
    show(in_days=40)  # beyond the month the first page looks ahead
    page = client.get(reverse("web:home")).content.decode()
    assert "Er staat nu niets in de verkoop." in page


def test_the_phone_number_can_be_tapped(client):
    page = client.get(reverse("web:contact")).content.decode()
    assert '<a href="tel:0880128822">088-0128822</a>' in page
    assert page.count('href="tel:0880128822"') == 2  # in the sentence and in the footer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_visitor_searches_from_the_first_page_and_reads_the_statement_in_labelled_cards(
    live_server, browser
):
    CopyFactory(title=TitleFactory(title="Oorlogswinter", authors="Jan Terlouw"))
    context = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(live_server.url + reverse("web:home"))
        phone.get_by_role("button", name="Weigeren").click()
        search = phone.get_by_role("searchbox", name="Zoek in de catalogus")
        expect(search).to_be_in_viewport()
        assert (scrolls_sideways(phone), axe_findings(phone)) == (0, [])
        _shot(phone, "home")
        search.fill("oorlogswinter")
        search.press("Enter")
        expect(phone.get_by_role("heading", name="Oorlogswinter")).to_be_visible()

        phone.goto(live_server.url + reverse("web:privacy"))
        first = phone.locator("main table tbody tr").first
        expect(first.locator("td").nth(0)).to_have_attribute("data-label", "Persoonsgegeven")
        expect(first.locator("td").nth(2)).to_have_attribute("data-label", "Wettelijke grondslag")
        label = first.locator("td").nth(2).evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Wettelijke grondslag: "'
        assert (scrolls_sideways(phone), axe_findings(phone)) == (0, [])
        _shot(phone, "privacy")
    finally:
        context.close()


def _shot(page, name: str) -> None:
    if shots := os.environ.get("KOLK_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/public-{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_table_its_template_labelled_keeps_its_own_labels_and_its_buttons_column_none(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _busy_member()
    _log_in(phone, live_server)
    phone.goto(live_server.url + reverse("web:portal_invoices"))
    card = phone.locator("main table tbody tr").first
    expect(card.locator("th")).to_have_text(re.compile(r"^\d{4}-\d+$"))
    assert card.locator("th").evaluate("th => getComputedStyle(th, '::before').content") == '"Factuur "'
    expect(card.locator("td").last).not_to_have_attribute("data-label", re.compile(".*"))  # Betalen, downloaden
    expect(card.get_by_role("button", name=re.compile("^Betalen"))).to_be_visible()


def test_joining_shows_the_portal_consent_as_the_quoted_text_it_is(client, basis):
    page = post(client, "gegevens").content.decode()
    assert (
        'Met het account geef je deze toestemming:</p>\n    <blockquote class="consent-text">Ja, ik wil een account'
        in page
    )
