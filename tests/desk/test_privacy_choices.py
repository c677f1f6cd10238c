"""The desk records what a person chose at the counter, by phone or in a letter: an objection (and it
takes effect in the next Mosaic file), a consent on paper or by phone (a guardian's for a child), and
a restriction from the person's request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.boxoffice.marketing import mosaic_export
from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.people.models import FamilyRelation, Person
from kolk.people.services import family_relation_add
from kolk.privacy.compliance import selections
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import is_objecting, is_restricted
from kolk.privacy.models import AuditEntry, DisclosureItem, PrivacyChoice, RightsRequest
from kolk.privacy.rights import request_receive
from tests.boxoffice import factories as f
from tests.boxoffice.test_privacy import buy
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
YESTERDAY = today() - dt.timedelta(days=1)


def taken_by(selection, person) -> bool:
    taken = selection.subjects()
    column = taken.query.values_select[0] if taken.query.values_select else "pk"
    return taken.filter(**{column: person.pk}).exists()


MARKETING_READS = [("offers", "phone"), ("offers", "email"), ("newsletter", ""), ("marketing_analysis", "")]


def marketing_reads(person) -> list[tuple[str, str]]:
    """The call lists, mailings and analyses (purpose, channel) that would take the person now."""
    taken = []
    for purpose, channel in MARKETING_READS:
        read = purpose_read(purpose=purpose, model=Person, fields=["id"], actor=None, channel=channel)
        if person.pk in {row["id"] for row in read}:
            taken.append((purpose, channel))
    return taken


def in_next_mosaic(person) -> bool:
    disclosure, _data = mosaic_export(actor=None, since=YESTERDAY)
    return DisclosureItem.objects.filter(disclosure=disclosure, subject=person).exists()


def test_object_at_the_desk_to_profiling_and_the_member_is_gone_from_the_next_mosaic_file(client, staff):
    member = PersonFactory(with_pass=True)
    buy(f.show(), member)
    assert in_next_mosaic(member)
    client.force_login(staff)
    page = client.get(reverse("desk:person", args=[member.pk])).content.decode()
    assert 'id="bezwaar-direct_marketing"' in page
    assert "Profilering" in page
    assert "ook buiten" in page  # the desk sees the exports the objection keeps the person out of
    response = client.post(
        reverse("desk:person_objection", args=[member.pk]),
        {
            "purpose": "direct_marketing",
            "objection-direct_marketing-objects": "1",
            "objection-direct_marketing-method": "phone",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#privacykeuzes")
    choice = PrivacyChoice.objects.get(subject=member)
    assert (choice.method, choice.recorded_by, choice.decision) == ("phone", staff, True)
    assert not in_next_mosaic(member)
    page = client.get(response["Location"]).content.decode()
    assert "Bezwaar vastgelegd: Profilering." in page
    assert "telefonisch" in page
    assert f"vastgelegd door {staff.username}" in page
    # Withdrawn at the desk: back in the next file.
    client.post(
        reverse("desk:person_objection", args=[member.pk]),
        {
            "purpose": "direct_marketing",
            "objection-direct_marketing-objects": "0",
            "objection-direct_marketing-method": "desk",
        },
    )
    assert in_next_mosaic(member)


def test_an_objection_per_channel_and_a_bad_method_shown_next_to_the_form(client, staff):
    member = PersonFactory()
    client.force_login(staff)
    url = reverse("desk:person_objection", args=[member.pk])
    response = client.post(
        url, {"purpose": "offers", "objection-offers-objects": "1", "objection-offers-method": "pigeon"}
    )
    assert response.status_code == 422
    assert 'id="objection-offers-errors"' in response.content.decode()
    assert not PrivacyChoice.objects.exists()
    client.post(
        url,
        {
            "purpose": "offers",
            "objection-offers-objects": "1",
            "objection-offers-method": "paper",
            "objection-offers-channel": "phone",
        },
    )
    assert is_objecting(member, "offers", "phone")
    assert not is_objecting(member, "offers", "email")
    assert client.post(url, {"purpose": "lending", "objection-lending-method": "desk"}).status_code == 400


def test_a_guardians_paper_consent_for_a_child_recorded_at_the_desk(client, staff):
    child, parent = PersonFactory(date_of_birth=dt.date(2016, 6, 1)), PersonFactory(given_name="Anna")
    family_relation_add(person=child, relative=parent, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
    client.force_login(staff)
    page = client.get(reverse("desk:person", args=[child.pk])).content.decode()
    assert "een ouder of voogd geeft de toestemming" in page
    url = reverse("desk:person_consent", args=[child.pk])
    form = {
        "purpose": "notices_advice",
        "consent-notices_advice-given": "1",
        "consent-notices_advice-method": "paper",
        "consent-notices_advice-lang": "nl",
    }
    alone = client.post(url, {**form, "consent-notices_advice-given_by": str(child.pk)})
    assert alone.status_code == 422
    assert "ouder of voogd" in alone.content.decode()
    assert not PrivacyChoice.objects.exists()
    response = client.post(url, {**form, "consent-notices_advice-given_by": str(parent.pk)})
    assert response.status_code == 302
    choice = PrivacyChoice.objects.get()
    assert (choice.given_by, choice.method, choice.recorded_by) == (parent, "paper", staff)
    assert choice.text_version.startswith("notices_advice@2018-07-23/nl/")
    page = client.get(response["Location"]).content.decode()
    assert "door Anna" in page


def test_library_staff_see_the_choices_but_cannot_record_them(client):
    member = PersonFactory()
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    page = client.get(reverse("desk:person", args=[member.pk])).content.decode()
    assert "Privacykeuzes" in page
    assert "Bezwaar vastleggen" not in page
    response = client.post(
        reverse("desk:person_objection", args=[member.pk]),
        {
            "purpose": "direct_marketing",
            "objection-direct_marketing-objects": "1",
            "objection-direct_marketing-method": "desk",
        },
    )
    assert response.status_code in (403, 404)
    assert not PrivacyChoice.objects.exists()


def test_apply_a_restriction_from_the_request_and_close_it(client, staff):
    member = PersonFactory()
    buy(f.show(), member)
    request = request_receive(subject=member, kind="restriction", channel="portal", actor=None)
    assert len(marketing_reads(member)) == len(MARKETING_READS)
    assert [s.name for s in selections() if taken_by(s, member)] == ["R07 Mosaic file"]
    client.force_login(staff)
    url = reverse("desk:privacy_request", args=[request.pk])
    page = client.get(url).content.decode()
    assert "Het gebruik van de gegevens is nu niet beperkt." in page
    refused = client.post(url, {"action": "close", "done": "1", "outcome": "beperkt"})
    assert refused.status_code == 422
    assert "Leg eerst de beperking vast" in refused.content.decode()
    bad = client.post(url, {"action": "restrict", "reason": "juistheid betwist", "until": "2001-01-01"})
    assert bad.status_code == 422
    assert "Kies vandaag of een latere datum." in bad.content.decode()
    until = today() + dt.timedelta(days=60)
    client.post(url, {"action": "restrict", "reason": "juistheid betwist", "until": until.isoformat()})
    assert is_restricted(member)
    assert not in_next_mosaic(member)
    # Gone from every selection the apps register, and from every call list and mailing.
    assert all(not taken_by(selection, member) for selection in selections())
    assert marketing_reads(member) == []
    page = client.get(url).content.decode()
    assert "juistheid betwist" in page
    assert f"tot en met {until.day}" in page
    assert AuditEntry.objects.filter(action="restriction.set", details__request=request.pk).exists()
    assert client.post(url, {"action": "close", "done": "1", "outcome": "beperkt"}).status_code == 302
    assert RightsRequest.objects.get(pk=request.pk).status == "done"
    # A closed request still lifts it (and mends an old one closed without it).
    client.post(url, {"action": "lift", "reason": "gecorrigeerd; de persoon is ingelicht"})
    assert not is_restricted(member)
    assert in_next_mosaic(member)


def test_the_restriction_forms_belong_to_a_restriction_request(client, staff):
    member = PersonFactory()
    request = request_receive(subject=member, kind="explanation", channel="portal", actor=None)
    client.force_login(staff)
    url = reverse("desk:privacy_request", args=[request.pk])
    assert "Beperking vastleggen" not in client.get(url).content.decode()
    response = client.post(url, {"action": "restrict", "reason": "waarom niet"})
    assert response.status_code == 422
    assert not is_restricted(member)
