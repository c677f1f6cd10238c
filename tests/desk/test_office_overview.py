"""The Privacy Officer's overview and art. 30 register, as a new officer reads them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.people.models import Person
from kolk.privacy.disclosure import disclose
from tests.factories import PersonFactory, UserFactory, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = UserFactory(roles=[Role.PRIVACY_OFFICER])
    staff_login(client, user)
    return user


def test_every_office_page_links_to_every_other(client, officer):
    person = PersonFactory()
    pages = [
        reverse("desk:privacy_office"),
        reverse("desk:office_reads_find"),
        reverse("desk:office_reads", args=[person.pk]),
        reverse("desk:office_exports"),
        reverse("desk:office_demand"),
        reverse("desk:office_breaches"),
        reverse("desk:office_register"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for name in ("privacy_office", "office_reads_find", "office_exports", "office_demand", "office_breaches"):
            assert f'href="{reverse("desk:" + name)}"' in html, (url, name)
        assert f'href="{reverse("desk:office_register")}"' in html, url
        assert "<title>Balie ·" not in html, url  # each page has its own title


def test_the_retention_table_says_what_when_and_then_in_words(client, officer):
    html = client.get(reverse("desk:privacy_office")).content.decode()
    assert "Uitgaande berichten" in html
    assert "1 jaar na verzending" in html
    assert "verwijderen" in html
    assert "anonimiseren" in html
    for code in ("comms.OutboxMessage", "(delete)", "(anonymise)", "* (erase)", "Regels zonder bron", "`kolk"):
        assert code not in html, code
    assert "…" not in html  # no label cut off in the figures


def test_a_release_on_the_overview_names_the_partner_and_the_purpose(client, officer):
    person = PersonFactory()
    disclose(
        recipient="R07",
        purpose="segmentation",
        model=Person,
        fields=["postcode"],
        actor=officer,
        queryset=Person.objects.filter(pk=person.pk),
    )
    html = client.get(reverse("desk:privacy_office")).content.decode()
    assert "R07 The Alignment House" in html
    assert "Mosaic (marktsegmentatie)" in html
    assert ">segmentation<" not in html


def test_the_art30_register_is_in_the_office_not_in_the_admin(client, officer):
    html = client.get(reverse("desk:privacy_office")).content.decode()
    assert reverse("admin:privacy_register") not in html
    register = client.get(reverse("desk:office_register"))
    assert register.status_code == 200
    page = register.content.decode()
    assert 'id="regel-L01"' in page
    assert 'id="regel-R07"' not in page or "The Alignment House" in page
    for heading in ("Verwerkingsverantwoordelijke", "Grondslag", "Bewaartermijn", "Wie binnen DNK"):
        assert heading in page, heading
    assert "Uitvoering overeenkomst" in page
    for code in ("data_categories", "legal_basis", "served_by"):
        assert code not in page, code


def test_the_register_is_for_the_privacy_officer_only(client):
    staff_login(client, UserFactory(roles=[Role.DESK]))
    assert client.get(reverse("desk:office_register")).status_code == 403


def test_a_breach_page_names_each_step_and_keeps_the_count_already_given(client, officer):
    from kolk.core.clock import now
    from kolk.privacy.office import breach_record

    breach = breach_record(summary="Lijst gemaild", discovered_at=now(), people_affected=120, actor=officer)
    html = client.get(reverse("desk:office_breach", args=[breach.pk])).content.decode()
    for step in (
        "Gemeld bij de Autoriteit Persoonsgegevens",
        "Welke gegevens en hoeveel personen",
        "De betrokkenen zijn geïnformeerd",
        "Sluiten kan pas als het datalek is gemeld",
    ):
        assert step in html, step
    assert 'name="assess-people_affected" value="120"' in html


def test_the_officer_finds_a_record_by_pass_number_and_picks_partner_branches_by_name(client, officer):
    from kolk.library.models import Branch

    person = PersonFactory(with_pass=True)
    found = client.post(reverse("desk:office_reads_find"), {"customer_number": person.pass_number})
    assert found["Location"] == reverse("desk:office_reads", args=[person.pk])
    Branch.objects.create(code="emmen", name="Bibliotheek Emmen")
    html = client.get(reverse("desk:office_exports")).content.decode()
    assert "Bibliotheek Emmen (emmen)" in html
    assert 'type="checkbox" name="branches" value="emmen"' in html
