"""The access package as a member reads it: labels, not codes; no password hash, no file contents, no English."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from kolk.comms.models import OutboxAttachment, OutboxMessage
from kolk.core.clock import now
from kolk.privacy.ledger import consent_record
from tests.web.factories import member

pytestmark = pytest.mark.django_db


def _member_with_history():
    user = member()
    person = user.person
    person.gender = "f"
    person.save(update_fields=["gender"])
    consent_record(subject=person, purpose="reading_history", given=True, method="web", actor=user)
    message = OutboxMessage.objects.create(
        person=person,
        kind="service",
        purpose="ticket_sales",
        to_address="lid@example.nl",
        subject="Je kaartjes",
        text_body="Tot straks",
        html_body="<p>Tot straks</p>",
        template="tickets",
        queued_at=now(),
        message_id="<t1@example.nl>",
        idempotency_key="t1",
    )
    OutboxAttachment.objects.create(message=message, filename="kaart-1.png", mimetype="image/png", content=b"x" * 3000)
    return user


def test_the_page_shows_labels_not_codes_and_never_the_password_hash(client):
    user = _member_with_history()
    client.force_login(user)
    html = client.get(reverse("web:portal_my_data")).content.decode()
    assert "vrouw" in html  # gender by its label, not "f"
    assert "Leesgeschiedenis bijhouden" in html  # the purpose of a consent by its name
    assert "website of portaal" in html  # how it was given
    assert "versleuteld opgeslagen" in html
    assert "een bestand van 3 kB" in html  # a ticket's picture by its size, not its bytes
    for code in ("argon2", "pbkdf2", "reading_history", "<p>Tot straks", "eHh4", "Purpose", "Recorded at", "centen"):
        assert code not in html, code
    # one heading for the choice's purpose, in Dutch
    assert ">Doel<" in html


def test_the_pdf_says_the_same_and_breaks_no_word_of_a_heading(client, tmp_path: Path):
    user = _member_with_history()
    client.force_login(user)
    pdf = client.get(reverse("web:portal_my_data_pdf"))
    (tmp_path / "p.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True).stdout
    if not text:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "Wat DNK van jou weet" in text
    assert "vrouw" in text
    assert "versleuteld opgeslagen" in text
    assert "Grondslag" in text
    for code in ("argon2", "reading_history", "Purpose", "Recorded at"):
        assert code not in text, code


def test_the_member_reads_who_received_their_data_and_a_demand_by_its_authority(client):
    from kolk.people.models import Person
    from kolk.privacy.disclosure import disclose, legal_demand_release
    from tests.factories import UserFactory

    user = member()
    mine = Person.objects.filter(pk=user.person.pk)
    officer = UserFactory()
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=officer, queryset=mine)
    legal_demand_release(
        authority="Politie Drenthe",
        legal_ground="art. 126nd Sv",
        officer_reference="PL-1",
        model=Person,
        fields=["surname"],
        queryset=mine,
        actor=officer,
    )
    client.force_login(user)
    html = client.get(reverse("web:portal_my_data")).content.decode()
    released = html[html.index('id="gegeven-aan"') :]
    released = released[: released.index("</table>")]
    assert "The Alignment House" in released
    assert "Mosaic (marktsegmentatie)" in released
    assert "Adres, postcode en woonplaats" in released
    assert "Politie Drenthe" in released
    assert "LEGAL" not in html
    reads = client.get(reverse("web:portal_reads")).content.decode()
    assert "Politie Drenthe" in reads
    assert "LEGAL" not in reads
