"""A SEPA mandate signed on paper at the desk: the account, the mandate, the pre-notification, the collection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from kolk.billing.models import CollectionItem, Mandate
from kolk.billing.services import mandate_sign
from kolk.comms.models import OutboxMessage
from kolk.core.clock import today
from kolk.privacy.models import AuditEntry
from tests.billing.factories import IBANS, make_invoice
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_mandate_signed_on_paper_at_the_desk_is_collected_and_announced(client, tmp_path):
    from kolk.core.roles import Role

    staff = UserFactory(roles=[Role.DESK])
    client.force_login(staff)
    person = PersonFactory(emails=["noor@example.nl"])
    invoice = make_invoice(person, cents=4950)
    url = reverse("desk:library_mandate", args=[person.pk])
    # Not signed yet: nothing recorded.
    client.post(url, {"iban": IBANS[0], "holder": person.full_name})
    assert not Mandate.objects.exists()
    # A wrong IBAN is refused in words, nothing recorded.
    refused = client.post(url, {"iban": "NL00 BANK 0000 0000 00", "signed": "on"}, follow=True).content.decode()
    assert 'class="error"' in refused
    assert 'id="mandate-iban-error">Dit IBAN klopt niet' in refused  # at its field, the cursor there
    assert "NL00 BANK" not in refused  # the number typed is not kept to be shown again
    assert not Mandate.objects.exists()
    client.post(url, {"iban": IBANS[0], "holder": person.full_name, "signed": "on"})
    mandate = Mandate.objects.get(bank_account__person=person)
    entry = AuditEntry.objects.filter(action="mandate.signed").latest("pk")
    assert entry.details["method"] == "paper"
    assert str(staff.pk) in str(entry.actor)

    out = tmp_path / "incasso.xml"
    call_command("billing", "collect", "--date", (today() + dt.timedelta(days=5)).isoformat(), "--out", str(out))
    assert CollectionItem.objects.get().invoice == invoice
    assert mandate.reference in out.read_text()
    mail = OutboxMessage.objects.get(template="billing_prenotification")
    assert mail.person_id == person.pk
    body = mail.text_body.replace("\xa0", " ")
    assert "€ 49,50" in body
    assert mandate.reference in body


def test_an_e_mandate_keeps_the_text_the_member_agreed_to():
    person = PersonFactory()
    from kolk.billing.services import bank_account_set

    bank_account_set(person=person, iban=IBANS[0], holder_name=person.full_name, actor=None)
    with pytest.raises(ValidationError):
        mandate_sign(person=person, actor=None, method="online")
    with pytest.raises(ValidationError):
        mandate_sign(person=person, actor=None, method="fax")
    mandate_sign(person=person, actor=None, method="online", consent_text="Ik machtig DNK ...")
    entry = AuditEntry.objects.filter(action="mandate.signed").latest("pk")
    assert entry.details["method"] == "online"
    assert entry.details["consent_text"] == "Ik machtig DNK ..."
