"""The desk's privacy pages: a request with the ID seen, the access package, the office."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.privacy.models import Breach, RightsRequest
from tests.factories import PersonFactory, UserFactory, staff_login

pytestmark = pytest.mark.django_db


def test_record_an_access_request_with_the_id_seen_and_hand_over_the_package(client, staff):
    person = PersonFactory(emails=["p@example.nl"], with_pass=True)
    client.force_login(staff)
    page = client.get(reverse("desk:person", args=[person.pk]))
    assert reverse("desk:privacy_request_new", args=[person.pk]) in page.content.decode()
    response = client.post(
        reverse("desk:privacy_request_new", args=[person.pk]),
        {"kind": "access", "channel": "desk", "identity_method": "id_card"},
    )
    request = RightsRequest.objects.get()
    assert response["Location"] == reverse("desk:privacy_request", args=[request.pk])
    assert request.identity_seen_by == staff
    html = client.get(reverse("desk:privacy_access", args=[request.pk, "html"])).content.decode()
    assert person.surname in html
    assert "p@example.nl" in html
    assert "5 jaar nadat jouw abonnement is opgezegd" in html
    package = json.loads(client.get(reverse("desk:privacy_access", args=[request.pk, "json"])).content)
    assert {c["category"] for c in package["categories"]} >= {"name", "email", "member_number"}
    pdf = client.get(reverse("desk:privacy_access", args=[request.pk, "pdf"]) + "?lang=en")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_no_package_before_the_id_is_seen(client, staff):
    person = PersonFactory()
    client.force_login(staff)
    client.post(reverse("desk:privacy_request_new", args=[person.pk]), {"kind": "access", "channel": "letter"})
    request = RightsRequest.objects.get()
    response = client.get(reverse("desk:privacy_access", args=[request.pk, "json"]))
    assert response.status_code == 302
    client.post(reverse("desk:privacy_request", args=[request.pk]), {"action": "identity", "method": "passport"})
    assert client.get(reverse("desk:privacy_access", args=[request.pk, "json"])).status_code == 200


def test_the_privacy_office_is_for_the_privacy_officer(client, staff, privacy_officer):
    client.force_login(staff)
    assert client.get(reverse("desk:privacy_office")).status_code == 403
    staff_login(client, privacy_officer)
    page = client.get(reverse("desk:privacy_office"))
    assert page.status_code == 200
    assert "<meter" in page.content.decode()  # the figures as bars
    response = client.post(
        reverse("desk:privacy_office"),
        {"summary": "laptop lost", "discovered_at": "2026-11-24T10:00", "people_affected": "12"},
    )
    assert response.status_code == 302
    assert Breach.objects.get().report_deadline.isoformat().startswith("2026-11-27")


def test_a_member_reaches_none_of_it(client):
    client.force_login(UserFactory(roles=[Role.MEMBER], is_staff=False))
    assert client.get(reverse("desk:privacy_office")).status_code == 403


def test_an_erasure_request_at_the_desk(client, staff):
    from kolk.people.models import Person

    person = PersonFactory()
    client.force_login(staff)
    client.post(
        reverse("desk:privacy_request_new", args=[person.pk]),
        {"kind": "erasure", "channel": "desk", "identity_method": "passport"},
    )
    request = RightsRequest.objects.get()
    page = client.get(reverse("desk:privacy_request", args=[request.pk])).content.decode()
    gone = page[page.index('id="verwijderd"') :]
    assert "Personen" in gone[: gone.index("</p>")]  # the desk reads what goes, not a model's code name
    assert "people.Person" not in page
    client.post(reverse("desk:privacy_request", args=[request.pk]), {"action": "erase"})
    assert not Person.objects.filter(pk=person.pk).exists()
