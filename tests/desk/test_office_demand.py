"""A legal demand from a page: recorded first, the data handed over as a file, seen in the log and by the person."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.privacy.models import Disclosure, LegalDemand
from kolk.privacy.reads import releases
from tests.factories import PersonFactory, UserFactory, staff_login

pytestmark = pytest.mark.django_db


def test_record_a_legal_demand_and_hand_over_what_it_asks(client):
    person = PersonFactory(emails=["x@example.nl"])
    staff_login(client, UserFactory(roles=[Role.PRIVACY_OFFICER]))
    url = reverse("desk:office_demand")
    form = {
        "authority": "Politie Drenthe",
        "legal_ground": "art. 126nd Sv",
        "officer_reference": "PD-2026-117",
        "customer_number": person.customer_number,
        "categories": ["name", "address"],
    }
    incomplete = client.post(url, {**form, "legal_ground": ""})
    assert incomplete.status_code == 200
    assert not LegalDemand.objects.exists()

    handed = client.post(url, form)
    assert handed["Content-Type"] == "application/json"
    body = json.loads(handed.content)
    assert body["demand"]["authority"] == "Politie Drenthe"
    assert body["data"][0]["surname"] == person.surname
    assert "birth_date" not in body["data"][0]  # only the categories asked for
    disclosure = Disclosure.objects.get(recipient="LEGAL")
    assert disclosure.legal_demand.officer_reference == "PD-2026-117"
    assert disclosure.person_count == 1
    assert [r.legal_demand for r in releases(person)] == [True]
