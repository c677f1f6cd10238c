"""The issue's "done when", as far as this branch reaches: a member withdraws consent for
reading advice and objects to offers by phone in the portal, and the purpose gate (which
every call list and mailing goes through) leaves them out at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.people.models import Person
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import consent_record, consenter_ids
from tests.web.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _call_list(channel):
    read = purpose_read(purpose="offers", model=Person, fields=["id", "surname"], actor=None, channel=channel)
    return {row["id"] for row in read}


def _advised():
    """Who the reading-advice notices may reach: the consent side of the gate."""
    return set(consenter_ids("notices_advice").values_list("subject_id", flat=True))


def test_portal_choices_take_effect_in_the_next_selection(client):
    user = member()
    other = member(username="ander")
    person = user.person
    consent_record(subject=person, purpose="notices_advice", given=True, method="desk", actor=None)
    assert person.pk in _advised()
    assert person.pk in _call_list("phone")

    client.force_login(user)
    change = reverse("web:portal_choice_change")
    client.post(change, {"kind": "consent", "purpose": "notices_advice", "value": "0"})
    client.post(change, {"kind": "objection", "purpose": "offers", "channel": "phone", "value": "1"})

    assert person.pk not in _advised()
    assert person.pk not in _call_list("phone")
    assert person.pk in _call_list("email")  # other channels are untouched
    assert other.person.pk in _call_list("phone")
