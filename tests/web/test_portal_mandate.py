"""Direct debit in the portal for a member who already is one: the account and mandate we hold are
shown masked, an e-mandate is signed with its text kept, another account signs again and ends the
old mandate, revoking asks once; a bad IBAN is a message at its field and writes nothing. On a
390 px phone: keyboard, nothing sideways, axe clean."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.billing.models import BankAccount, Mandate
from kolk.billing.services import bank_account_set, mandate_sign
from kolk.privacy.models import AuditEntry
from kolk.web.models import PortalEvent
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

IBAN = "NL91 ABNA 0417 1643 00"
OTHER = "NL39 RABO 0300 0652 64"


@pytest.fixture
def lid(client):
    user = member()
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_without_a_mandate_the_page_offers_one_and_the_invoices_point_to_it(client, lid):
    page = client.get(reverse("web:portal_mandate")).content.decode()
    assert "Je hebt geen machtiging: je betaalt je facturen zelf." in page
    assert "Ik machtig De Nieuwe Kolk" in page
    invoices = client.get(reverse("web:portal_invoices")).content.decode()
    assert "Automatisch betalen? Geef een machtiging" in invoices
    assert reverse("web:portal_mandate") in client.get(reverse("web:portal_subscription")).content.decode()


@pytest.mark.django_db
def test_signing_records_the_account_and_an_e_mandate_with_its_words(client, lid):
    response = client.post(reverse("web:portal_mandate"), {"iban": IBAN, "holder_name": "A. Lid", "mandate": "on"})
    assert response.status_code == 302
    mandate = Mandate.objects.select_related("bank_account").get(bank_account__person=lid.person)
    assert mandate.revoked_at is None
    assert mandate.bank_account.iban == "NL91ABNA0417164300"
    signed = AuditEntry.objects.get(action="mandate.signed")
    assert signed.details["method"] == "online"
    assert signed.details["consent_text"].startswith("Ik machtig De Nieuwe Kolk")
    assert PortalEvent.objects.filter(person=lid.person, action="mandate_signed").exists()
    page = client.get(reverse("web:portal_mandate")).content.decode()
    assert "Je machtiging is vastgelegd." in page
    assert "NL91 ABNA **** **43 00" in page
    assert "0417" not in page  # the middle of the IBAN is never shown again
    assert mandate.reference in page
    assert "Je betaalt met automatische incasso van" in client.get(reverse("web:portal_invoices")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"iban": "NL91 ABNA 0417 1643 01", "holder_name": "A. Lid", "mandate": "on"}, "iban", "IBAN"),
        ({"iban": IBAN, "holder_name": "", "mandate": "on"}, "holder_name", ""),
        ({"iban": IBAN, "holder_name": "A. Lid"}, "mandate", "Vink aan dat je de machtiging geeft"),
        ({"iban": "NL91\x00ABNA", "holder_name": "A. Lid", "mandate": "on"}, None, ""),  # refused before the form
    ],
)
def test_bad_input_is_a_message_at_its_field_and_writes_nothing(client, lid, data, field, message):
    response = client.post(reverse("web:portal_mandate"), data)
    assert response.status_code == 400
    text = response.content.decode()
    if field:
        assert f'id="id_{field}_error"' in text
    assert message in text
    assert not BankAccount.objects.exists()
    assert not Mandate.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="mandate.").exists()


@pytest.mark.django_db
def test_another_account_ends_the_old_mandate_and_signs_a_new_one(client, lid):
    bank_account_set(person=lid.person, iban=IBAN, holder_name="A. Lid", actor=None)
    old = mandate_sign(person=lid.person, method="paper", actor=None)
    page = client.get(reverse("web:portal_mandate")).content.decode()
    assert "Andere rekening" in page
    response = client.post(reverse("web:portal_mandate"), {"iban": OTHER, "holder_name": "A. Lid", "mandate": "on"})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.revoked_at is not None
    new = Mandate.objects.get(revoked_at__isnull=True)
    assert new.bank_account.iban == "NL39RABO0300065264"
    assert new.reference != old.reference


@pytest.mark.django_db
def test_signing_the_same_account_twice_says_so_and_keeps_the_one_mandate(client, lid):
    client.post(reverse("web:portal_mandate"), {"iban": IBAN, "holder_name": "A. Lid", "mandate": "on"})
    response = client.post(reverse("web:portal_mandate"), {"iban": IBAN, "holder_name": "A. Lid", "mandate": "on"})
    assert response.status_code == 400
    assert "Er is al een geldige machtiging voor deze rekening." in response.content.decode()
    assert Mandate.objects.count() == 1
    assert PortalEvent.objects.filter(action="mandate_signed").count() == 1


@pytest.mark.django_db
def test_revoking_asks_once_then_ends_the_mandate(client, lid):
    bank_account_set(person=lid.person, iban=IBAN, holder_name="A. Lid", actor=None)
    mandate = mandate_sign(person=lid.person, method="paper", actor=None)
    ask = client.get(reverse("web:portal_mandate") + "?intrekken=1").content.decode()
    assert "Machtiging intrekken? Nieuwe facturen betaal je dan zelf." in ask
    assert client.get(reverse("web:portal_mandate_revoke")).status_code == 405  # only by the form
    response = client.post(reverse("web:portal_mandate_revoke"), follow=True)
    assert "Je machtiging is ingetrokken." in response.content.decode()
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert PortalEvent.objects.filter(action="mandate_revoked").exists()
    again = client.post(reverse("web:portal_mandate_revoke"), follow=True)
    assert "Er is geen machtiging om in te trekken." in again.content.decode()


@pytest.mark.django_db
def test_the_page_is_for_members_only(client):
    response = client.get(reverse("web:portal_mandate"))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_member_signs_an_e_mandate_with_the_keyboard(live_server, phone):
    ensure_role_groups()
    member(given_name="Fenna")
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.goto(live_server.url + reverse("web:portal_subscription"))
    phone.get_by_role("link", name="Automatische incasso: je rekening en machtiging").click()
    expect(phone.get_by_role("heading", name="Automatische incasso", exact=True)).to_be_visible()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    # A typing error first: the message stands at the field, in view.
    phone.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 01")
    phone.get_by_label("Naam rekeninghouder").fill("F. Lid")
    phone.get_by_label("Ja, ik geef deze machtiging").check()
    phone.get_by_label("Naam rekeninghouder").press("Enter")
    error = phone.locator("#id_iban_error")
    expect(error).to_be_visible()
    assert axe_findings(phone) == []
    phone.get_by_label("IBAN").fill(IBAN)
    phone.get_by_label("Ja, ik geef deze machtiging").check()
    phone.get_by_label("IBAN").press("Enter")
    expect(phone.get_by_text("Je machtiging is vastgelegd.")).to_be_in_viewport()
    expect(phone.get_by_role("heading", name="Je machtiging")).to_be_visible()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    if shots := os.environ.get("KOLK_SCREENSHOTS"):
        phone.screenshot(path=f"{shots}/portal_mandate.png", full_page=True)
    phone.get_by_role("link", name="Machtiging intrekken").click()
    expect(phone.get_by_role("button", name="Ja, intrekken")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("Je machtiging is ingetrokken.")).to_be_in_viewport()
    assert Mandate.objects.get().revoked_at is not None
