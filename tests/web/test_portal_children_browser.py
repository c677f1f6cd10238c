"""A parent on their phone (390 px) gives consent for reading advice for their son of ten, in
'Mijn kinderen', and sees it given; the page fits the phone and axe finds nothing serious."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.people.models import FamilyRelation
from kolk.people.services import family_relation_add
from kolk.privacy.ledger import has_consent
from kolk.privacy.models import PrivacyChoice
from tests.browser import axe_findings, scrolls_sideways
from tests.factories import PersonFactory
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_viewport(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


def test_a_parent_gives_consent_for_a_child_on_a_phone(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    parent = member(given_name="Anna").person
    cas = PersonFactory(given_name="Cas", date_of_birth=dt.date.today().replace(year=dt.date.today().year - 10))
    family_relation_add(person=cas, relative=parent, kind=FamilyRelation.Kind.GUARDIAN, actor=None)

    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("#portal-menu > summary").click()  # on a phone Mijn DNK's menu is one button
    phone.get_by_role("link", name="Mijn kinderen").click()
    phone.wait_for_load_state("networkidle")

    advice = phone.locator(f"#kind-{cas.pk}-notices_advice")
    assert "Cas (10 jaar)" in phone.locator(f"#kind-{cas.pk}-naam").inner_text()
    assert "Ja, stuur mij herinneringen en leesadvies" in advice.inner_text()
    assert "geen toestemming" in advice.locator(".state").inner_text()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []

    advice.get_by_role("button", name="Toestemming geven").tap()
    phone.wait_for_load_state("networkidle")

    message = phone.locator(".messages")
    assert "Toestemming gegeven voor Cas: Attendering en advisering." in message.inner_text()
    assert in_viewport(phone, ".messages")
    assert "toestemming gegeven" in phone.locator(f"#kind-{cas.pk}-notices_advice .state").inner_text()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    assert has_consent(cas, "notices_advice")
    choice = PrivacyChoice.objects.get(subject=cas)
    assert (choice.given_by_id, choice.method) == (parent.pk, "web")
