"""'Wat we van je weten' and 'Wie heeft mijn gegevens bekeken' on a 390 px phone: readable, nothing squeezed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.people.models import Person
from kolk.privacy.disclosure import disclose
from tests.browser import axe_findings, scrolls_sideways
from tests.factories import UserFactory
from tests.privacy.test_access_readable import _history
from tests.web.factories import PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_reads_their_package_and_who_looked_on_a_phone(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = member()
    _history(user.person, 12)
    disclose(
        recipient="R07",
        purpose="segmentation",
        model=Person,
        fields=["postcode"],
        actor=UserFactory(),
        queryset=Person.objects.filter(pk=user.person.pk),
    )
    phone.goto(live_server.url + reverse("web:login"))
    phone.fill("input[name=username]", user.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("input[name=password]").press("Enter")
    expect(phone.get_by_role("button", name="Uitloggen")).to_be_visible()
    phone.goto(live_server.url + reverse("web:portal_my_data"))
    expect(phone.get_by_role("heading", name="Aan wie we gegevens van je gaven")).to_be_visible()
    assert scrolls_sideways(phone) == 0
    title = phone.get_by_role("heading", name="Uitleningen: 12 in totaal, hieronder de laatste 5")
    expect(title).to_be_visible()
    box = title.bounding_box()
    assert box is not None
    assert box["height"] < 80, box  # one or two lines, never a letter per line
    expect(phone.get_by_text("The Alignment House").first).to_be_visible()
    assert axe_findings(phone) == []
    phone.goto(live_server.url + reverse("web:portal_reads"))
    expect(phone.get_by_role("heading", name="Wie heeft mijn gegevens bekeken")).to_be_visible()
    assert scrolls_sideways(phone) == 0
    expect(phone.get_by_text("The Alignment House").first).to_be_visible()
    assert axe_findings(phone) == []
