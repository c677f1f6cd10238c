"""A breach followed through to closed: reported to the AP, its extent, people informed; the office shows what is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry, Breach
from kolk.privacy.office import breach_record
from tests.factories import UserFactory, staff_login

pytestmark = pytest.mark.django_db


def test_follow_a_breach_to_closed_and_see_what_is_overdue(client):
    officer = UserFactory(roles=[Role.PRIVACY_OFFICER])
    late = breach_record(
        summary="Laptop kwijt", discovered_at=now() - dt.timedelta(hours=80), people_affected=0, actor=officer
    )
    fresh = breach_record(summary="Mail verkeerd", discovered_at=now(), people_affected=1, actor=officer)
    staff_login(client, officer)
    listing = client.get(reverse("desk:office_breaches")).content.decode()
    assert listing.index("Laptop kwijt") < listing.index("Mail verkeerd")
    assert listing.count("te laat gemeld") == 1

    url = reverse("desk:office_breach", args=[late.pk])
    refused = client.post(url, {"action": "close", "close-note": "klaar"})
    assert "Eerst melden bij de Autoriteit Persoonsgegevens" in refused.content.decode()
    assert Breach.objects.get(pk=late.pk).closed_at is None

    client.post(url, {"action": "report", "report-reference": "AP-2026-4711"})
    client.post(url, {"action": "assess", "assess-categories": ["email", "address"], "assess-people_affected": "312"})
    client.post(url, {"action": "informed"})
    client.post(url, {"action": "close", "close-note": "maatregelen genomen"})
    late.refresh_from_db()
    assert late.ap_reference == "AP-2026-4711"
    assert late.reported_at is not None
    assert late.categories == ["email", "address"]
    assert late.people_affected == 312
    assert late.people_informed_at is not None
    assert late.closed_at is not None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"breach.reported", "breach.assessed", "breach.people_informed", "breach.closed"} <= actions
    page = client.get(url).content.decode()
    assert "AP-2026-4711" in page

    bad = client.post(reverse("desk:office_breach", args=[fresh.pk]), {"action": "assess", "assess-categories": ["x"]})
    assert bad.status_code == 200
    assert Breach.objects.get(pk=fresh.pk).categories == []
    listing = client.get(reverse("desk:office_breaches")).content.decode()
    assert "te laat gemeld" not in listing
