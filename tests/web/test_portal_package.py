"""The member reads what we know of them: by purpose, what they borrowed, and a PDF to keep."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.web.models import PortalEvent
from tests.privacy.test_access_readable import _history
from tests.web.factories import member

pytestmark = pytest.mark.django_db


def test_the_member_reads_their_data_by_purpose_with_what_they_borrowed(client):
    user = member()
    _history(user.person, 8)
    client.force_login(user)
    portal = client.get(reverse("web:portal")).content.decode()
    assert reverse("web:portal_my_data") in portal  # in the portal's menu
    html = client.get(reverse("web:portal_my_data")).content.decode()
    assert "Het boek nummer 7" in html
    assert "Leenhistorie" in html
    assert "Grondslag" in html
    for developer in ("people.Person", "given_name", "iban_hash", "library.Loan"):
        assert developer not in html, developer
    pdf = client.get(reverse("web:portal_my_data_pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert PortalEvent.objects.filter(person=user.person, action="download").count() == 1
