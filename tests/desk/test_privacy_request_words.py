"""A request page at the desk says what it means: the ID by its name, partners and data by theirs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.people.models import Person
from kolk.privacy.disclosure import disclose, legal_demand_release
from kolk.privacy.models import RightsRequest
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_correction_names_the_id_seen_the_partners_and_the_data_they_had(client, staff):
    staff.first_name, staff.last_name = "Sanne", "Bakker"
    staff.save()
    person = PersonFactory(emails=["p@example.nl"], with_pass=True)
    mine = Person.objects.filter(pk=person.pk)
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=staff, queryset=mine)
    legal_demand_release(
        authority="Politie Drenthe",
        legal_ground="art. 126nd Sv",
        officer_reference="PL-1",
        model=Person,
        fields=["surname"],
        queryset=mine,
        actor=UserFactory(),
    )
    client.force_login(staff)
    client.post(
        reverse("desk:privacy_request_new", args=[person.pk]),
        {"kind": "correction", "channel": "desk", "identity_method": "id_card", "text": "Mijn naam is anders."},
    )
    html = client.get(reverse("desk:privacy_request", args=[RightsRequest.objects.get().pk])).content.decode()
    assert "<title>Correctie:" in html
    assert "identiteitskaart — gezien door Sanne Bakker" in html
    partners = html[html.index('id="partners"') :]
    assert "The Alignment House" in partners
    assert "Adres, postcode en woonplaats" in partners
    assert "Wettelijke vordering: Politie Drenthe" in partners
    for code in ("id_card", "LEGAL", "(address)", "(name)"):
        assert code not in html, code


def test_a_restriction_applied_and_lifted_says_by_whom(client, staff):
    staff.first_name, staff.last_name = "Sanne", "Bakker"
    staff.save()
    person = PersonFactory()
    client.force_login(staff)
    client.post(
        reverse("desk:privacy_request_new", args=[person.pk]),
        {"kind": "restriction", "channel": "desk", "identity_method": "passport", "text": "Adres klopt niet."},
    )
    url = reverse("desk:privacy_request", args=[RightsRequest.objects.get().pk])
    client.post(url, {"action": "restrict", "reason": "Juistheid wordt gecontroleerd.", "until": ""})
    assert "Beperkt" in client.get(url).content.decode()
    client.post(url, {"action": "lift", "reason": "Adres gecorrigeerd."})
    html = client.get(url).content.decode()
    assert "Het gebruik van de gegevens is nu niet beperkt." in html
    assert "opgeheven: Adres gecorrigeerd." in html
    assert "door Sanne Bakker" in html
