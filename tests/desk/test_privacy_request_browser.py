"""At the desk, keyboard only: a complaint came by letter; the desk records it with what it is about, and
the request page shows those words; without them the field says what is missing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kolk.core.roles import Role
from kolk.privacy.models import RightsRequest
from tests.browser import axe_findings
from tests.desk.test_privacy_choices_browser import in_viewport, tab_to
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import ensure_role_groups

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LETTER = "Ik kreeg een brief over een boete die ik al had betaald."


def test_the_desk_records_a_complaint_from_a_letter_with_what_it_is_about(live_server, page):
    ensure_role_groups()
    UserFactory(username="sanne", roles=[Role.DESK])
    member = PersonFactory(given_name="Anna", surname="Jansen", with_pass=True)

    page.goto(f"{live_server.url}/balie/personen/{member.pk}/verzoek/")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Privacyverzoek van Anna Jansen")
    assert axe_findings(page) == []

    tab_to(page, "id_kind")
    page.keyboard.type("klacht")
    assert page.locator("#id_kind").input_value() == "complaint"
    page.keyboard.press("Tab")
    page.keyboard.type("brief")
    assert page.locator("#id_channel").input_value() == "letter"
    tab_to(page, "id_text")
    assert page.locator("label[for=id_text]").inner_text().startswith("Waar gaat het over?")
    tab_to(page, "id_identity_method")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the button: nothing written yet, the field says why
    expect(page.locator("form.card")).to_contain_text("Schrijf waar je verzoek over gaat")
    assert page.locator("#id_text").get_attribute("aria-invalid") == "true"
    assert not RightsRequest.objects.exists()

    tab_to(page, "id_text")
    page.keyboard.type(LETTER)
    tab_to(page, "id_identity_method")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    made = RightsRequest.objects.get(subject_id=member.pk)
    assert (made.kind, made.channel, made.text) == ("complaint", "letter", LETTER)
    assert page.locator("#verzoek-tekst").inner_text() == LETTER
    assert in_viewport(page, "#verzoek-tekst")
    status = page.get_by_role("status").inner_text()
    assert re.fullmatch(r"Verzoek vastgelegd; uiterlijk af op \d{1,2} [a-z]+ \d{4}\.", status.strip())  # not ISO
    assert axe_findings(page) == []
