"""A parent or guardian gives consent for their child under 16 in their own portal; the member sees a
restriction and the objections the desk recorded on their choices page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.core.clock import today
from kolk.people.models import FamilyRelation
from kolk.people.services import family_relation_add
from kolk.privacy.ledger import consenter_ids, objection_record, restriction_apply
from kolk.privacy.models import AuditEntry, PrivacyChoice
from kolk.web.models import PortalEvent
from tests.factories import PersonFactory
from tests.web.factories import member

pytestmark = pytest.mark.django_db


def family():
    user = member()
    parent = user.person
    young = PersonFactory(given_name="Cas", date_of_birth=dt.date(2016, 6, 1))
    older = PersonFactory(given_name="Dana", date_of_birth=dt.date(2008, 1, 1))
    for child in (young, older):
        family_relation_add(person=child, relative=parent, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
    return user, parent, young, older


def test_a_guardian_gives_and_withdraws_consent_for_a_child(client):
    user, parent, young, older = family()
    client.force_login(user)
    page = client.get(reverse("web:portal_children")).content.decode()
    assert "Cas" in page
    assert f'id="kind-{young.pk}-notices_advice"' in page
    assert "Ja, stuur mij herinneringen en leesadvies" in page  # the text the guardian reads
    assert "tekst van 23 juli 2018" in page
    assert "Dana is 16 of ouder en beslist zelf" in page
    assert f'id="kind-{older.pk}-notices_advice"' not in page
    url = reverse("web:portal_child_consent")
    response = client.post(url, {"child": young.pk, "purpose": "notices_advice", "value": "1"})
    assert response.status_code == 302
    choice = PrivacyChoice.objects.get(subject=young)
    assert (choice.given_by, choice.method, choice.decision) == (parent, "web", True)
    assert choice.text_version.startswith("notices_advice@2018-07-23/nl/")
    assert young.pk in set(consenter_ids("notices_advice").values_list("subject_id", flat=True))
    assert PortalEvent.objects.filter(person=parent, action="child_consent_given").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Toestemming gegeven voor Cas" in page
    client.post(url, {"child": young.pk, "purpose": "notices_advice", "value": "0"})
    assert young.pk not in set(consenter_ids("notices_advice").values_list("subject_id", flat=True))


def test_a_guardian_cannot_reach_another_child_or_a_child_of_16(client):
    user, _parent, _young, older = family()
    stranger = PersonFactory(date_of_birth=dt.date(2017, 1, 1))
    client.force_login(user)
    url = reverse("web:portal_child_consent")
    response = client.post(url, {"child": stranger.pk, "purpose": "notices_advice", "value": "1"})
    assert response.status_code == 404
    assert PortalEvent.objects.filter(action="denied").exists()
    client.post(url, {"child": older.pk, "purpose": "notices_advice", "value": "1"})
    assert not PrivacyChoice.objects.filter(subject__in=[stranger, older]).exists()
    assert client.post(url, {"child": "x", "purpose": "notices_advice", "value": "1"}).status_code == 400
    assert client.post(url, {"child": older.pk, "purpose": "lending", "value": "1"}).status_code == 400


def test_a_member_without_children_is_told_where_to_link_one(client):
    client.force_login(member())
    page = client.get(reverse("web:portal_children")).content.decode()
    assert "Er zijn geen kinderen aan je gekoppeld" in page


def test_the_member_sees_their_restriction_and_what_they_objected_to_at_the_desk(client):
    user = member()
    person = user.person
    objection_record(subject=person, purpose="segmentation", objects=True, method="phone", actor=None)
    restriction_apply(
        subject=person, reason="juistheid wordt gecontroleerd", until=today() + dt.timedelta(days=10), actor=None
    )
    client.force_login(user)
    page = client.get(reverse("web:portal_choices")).content.decode()
    assert "Het gebruik van je gegevens is op jouw verzoek beperkt" in page
    assert "juistheid wordt gecontroleerd" in page
    assert f"tot en met {(today() + dt.timedelta(days=10)).day}" in page
    assert "Mosaic (marktsegmentatie)" in page
    assert not AuditEntry.objects.filter(action="portal.denied").exists()
