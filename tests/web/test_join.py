"""Lid worden on the site: each step checks all answers again and writes nothing until the account step;
errors stand next to their fields; the payment step records the e-mandate with its text and sends the
new member to Mollie for the first invoice (recorded answers); sign-ups are throttled per address."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kolk.billing.models import BankAccount, Mandate
from kolk.core.clock import today
from kolk.core.money import euros
from kolk.library.models import Block
from kolk.library.selectors import blocks_standing
from kolk.people.models import Person
from kolk.privacy.models import AuditEntry
from kolk.web.views import join as join_view
from tests.billing.mollie import answer_created, replay
from tests.factories import PersonFactory
from tests.library.factories import SubscriptionTypeFactory, ensure_role_groups

CHECKOUT = "https://www.mollie.com/checkout/select-issuer/ideal/7UhSN1zuXS"


def born(years: int) -> str:
    on = today()
    return on.replace(year=on.year - years).isoformat()


ANSWERS = {
    "date_of_birth": born(30),
    "type": "basis",
    "given_name": "Noor",
    "surname_prefix": "",
    "surname": "Dijk",
    "street": "Weiersstraat",
    "house_number": "1",
    "house_number_suffix": "",
    "postcode": "9401et",
    "town": "Assen",
    "email": "noor@example.nl",
    "phone": "06 12345678",
    "newsletter": "on",
    "reading_advice": "",
    "password1": "zeven-boeken-lezen",
    "password2": "zeven-boeken-lezen",
}


@pytest.fixture
def basis(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    return SubscriptionTypeFactory()


def post(client, at, **changes):
    data = {**ANSWERS, "step": at, "choosing": "1", **changes}
    return client.post(reverse("web:join"), data)


def test_the_first_step_shows_the_fee_for_the_age_entered(client, basis):
    page = client.post(reverse("web:join"), {"step": "abonnement", "date_of_birth": born(20)}).content.decode()
    assert euros(2500, nbsp=True) in page
    assert "per jaar" in page
    page = client.post(reverse("web:join"), {"step": "abonnement", "date_of_birth": born(40)}).content.decode()
    assert euros(4950, nbsp=True) in page


def test_a_bad_birth_date_is_refused_next_to_its_field(client, basis):
    response = client.post(reverse("web:join"), {"step": "abonnement", "date_of_birth": "31-02-1990"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_date_of_birth_error"' in page
    assert 'aria-describedby="id_date_of_birth_error' in page or "id_date_of_birth_error" in page.split("<input")[3]
    assert not Person.objects.exists()


def test_choosing_no_subscription_says_so(client, basis):
    response = post(client, "abonnement", type="")
    assert response.status_code == 422
    assert "Kies een abonnement." in response.content.decode()


def test_each_step_carries_the_earlier_answers_and_writes_nothing(client, basis):
    page = post(client, "abonnement").content.decode()
    assert 'name="step" value="gegevens"' in page
    assert 'name="type" value="basis"' in page
    page = post(client, "gegevens").content.decode()
    assert 'name="step" value="account"' in page
    assert "leesadvies" in page  # the register's consent text, as recorded
    assert "noor@example.nl" in page
    assert not Person.objects.exists()


def test_an_earlier_answer_broken_on_the_way_sends_back_to_its_step(client, basis):
    response = post(client, "account", postcode="12")
    assert response.status_code == 422
    page = response.content.decode()
    assert 'name="step" value="gegevens"' in page
    assert 'id="id_postcode_error"' in page
    assert not Person.objects.exists()


def test_passwords_that_differ_are_refused_and_nothing_is_written(client, basis):
    response = post(client, "account", password2="iets-anders-123")
    assert response.status_code == 422
    assert 'id="id_password2_error"' in response.content.decode()
    assert not Person.objects.exists()


def test_a_known_email_is_sent_to_the_desk_without_saying_so(client, basis):
    PersonFactory(emails=["noor@example.nl"], given_name="Iemand", surname="Anders")
    response = post(client, "gegevens")
    assert response.status_code == 422
    page = response.content.decode()
    assert "balie" in page
    assert "Iemand" not in page
    assert Person.objects.count() == 1


def test_joining_and_paying_the_first_fee_with_an_e_mandate(client, basis, monkeypatch):
    response = post(client, "account")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:join_pay")
    person = Person.objects.get(given_name="Noor")
    assert blocks_standing(person) == [Block.Reason.CONFIRM]
    page = client.get(reverse("web:join_pay")).content.decode()
    assert euros(4950, nbsp=True) in page
    assert "machtig" in page

    refused = client.post(reverse("web:join_pay"), {"iban": "NL00ABNA0123456789", "holder_name": "N. Dijk"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="id_iban_error"' in text
    assert 'id="id_mandate_error"' in text
    assert not BankAccount.objects.exists()

    mollie = replay(monkeypatch)
    answer_created(mollie, 4950, checkout=CHECKOUT)
    paid = client.post(
        reverse("web:join_pay"), {"iban": "NL91 ABNA 0417 1643 00", "holder_name": "N. Dijk", "mandate": "on"}
    )
    assert paid.status_code == 302
    assert paid["Location"] == CHECKOUT
    sent = json.loads(mollie.requests[-1].body)
    assert sent["amount"] == {"currency": "EUR", "value": "49.50"}
    assert sent["method"] == "ideal"
    assert sent["redirectUrl"].endswith(f"/mijn/facturen/{person.invoices.get().pk}/betaling")
    mandate = Mandate.objects.get(bank_account__person=person)
    signed = AuditEntry.objects.get(action="mandate.signed")
    assert signed.details["method"] == "online"
    assert signed.details["consent_text"] == str(join_view.MANDATE_TEXT)
    assert mandate.revoked_at is None


def test_sign_ups_are_throttled_per_address(client, basis, monkeypatch):
    monkeypatch.setattr(join_view, "JOINS_PER_CLIENT", 1)
    assert post(client, "account").status_code == 302
    client.logout()
    response = post(client, "account", email="ander@example.nl", given_name="Sam")
    assert response.status_code == 429
    assert Person.objects.count() == 1


def test_the_payment_step_is_for_a_member(client, basis):
    response = client.get(reverse("web:join_pay"))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


@pytest.mark.parametrize("field", ["given_name", "email", "date_of_birth", "house_number", "type", "step"])
def test_bad_bytes_are_the_clients_error_and_write_nothing(client, basis, field):
    assert post(client, "account", **{field: "No\x00or"}).status_code == 400
    assert not Person.objects.exists()


def test_an_invisible_character_is_refused_at_its_field(client, basis):
    response = post(client, "account", given_name="No\u202eor")
    assert response.status_code == 422
    assert 'id="id_given_name_error"' in response.content.decode()
    assert not Person.objects.exists()


def test_whom_kolk_knows_gets_a_mail_at_their_own_address(client, basis, django_capture_on_commit_callbacks):
    from kolk.comms.models import OutboxMessage

    known = PersonFactory(
        given_name="Noor",
        surname="Dijk",
        date_of_birth=today().replace(year=today().year - 30),
        emails=["oud@example.nl"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "gegevens", email="nieuw@example.nl")
        post(client, "gegevens", email="nieuw@example.nl")  # once a day at most
    mail = OutboxMessage.objects.get()
    assert mail.to_address == "oud@example.nl"
    assert mail.person_id == known.pk
    assert "al bij ons bekend" in mail.subject


def test_who_left_before_paying_logs_in_and_goes_on_with_the_payment(client, basis):
    assert post(client, "account").status_code == 302
    client.logout()  # the tab was closed
    client.post(reverse("web:login"), {"username": "noor@example.nl", "password": ANSWERS["password1"]})
    response = client.get(reverse("web:join"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:join_pay")


def test_a_free_member_pays_nothing_and_signs_no_mandate(client, basis):
    assert post(client, "account", date_of_birth=born(17)).status_code == 302
    page = client.get(reverse("web:join_pay")).content.decode()
    assert "Je abonnement is gratis" in page
    assert 'name="iban"' not in page
    assert client.post(reverse("web:join_pay"), {"iban": "NL91ABNA0417164300"}).status_code == 302
    assert not BankAccount.objects.exists()
