"""What a privacy request is about ("Waar gaat het over?"): the person's words, needed where the request
can't be handled without them, shown to the member and to staff, in the access package, erased with the request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.core.errors import Invalid
from kolk.core.roles import Role
from kolk.library.models import Subscription
from kolk.library.services.members import subscription_end, subscription_start
from kolk.privacy.access import access_package
from kolk.privacy.fieldmap import map_for
from kolk.privacy.models import RightsRequest
from kolk.privacy.retention import retention_run
from kolk.privacy.rights import NEEDS_TEXT, request_close, request_receive
from tests.factories import PersonFactory, UserFactory, staff_login
from tests.library.factories import SubscriptionTypeFactory
from tests.web.factories import member

pytestmark = pytest.mark.django_db
WRONG = "Mijn geboortedatum klopt niet: het is 3 maart 1970."


@pytest.fixture(autouse=True)
def _fast_hasher(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


def test_the_text_is_declared_correspondence():
    assert map_for(RightsRequest).category_of("text") == "correspondence"


@pytest.mark.parametrize("kind", sorted(RightsRequest.Kind.values))
def test_which_kinds_need_to_say_what_they_are_about(person, kind):
    if kind in NEEDS_TEXT:
        with pytest.raises(Invalid) as refused:
            request_receive(subject=person, kind=kind, channel="letter", actor=None, text="  ")
        assert list(refused.value.fields) == ["text"]
        assert not RightsRequest.objects.exists()
    else:
        assert request_receive(subject=person, kind=kind, channel="letter", actor=None).text == ""
    assert {"correction", "complaint", "objection"} == set(NEEDS_TEXT)


def test_a_text_too_long_or_with_unseen_characters_is_refused(person):
    for text in ("x" * 2001, "Zie bijlage\x00", "Jan\u202eeoN"):
        with pytest.raises(Invalid) as refused:
            request_receive(subject=person, kind="complaint", channel="letter", actor=None, text=text)
        assert refused.value.status == 422
        assert refused.value.fields["text"]
    assert not RightsRequest.objects.exists()
    made = request_receive(subject=person, kind="complaint", channel="letter", actor=None, text=" Twee\nregels ")
    assert made.text == "Twee\nregels"


def test_the_member_says_what_it_is_about_in_the_portal_and_reads_it_back(client):
    lid = member(username="lid")
    client.force_login(lid)
    url = reverse("web:portal_rights")
    refused = client.post(url, {"kind": "correction", "text": ""})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Schrijf waar je verzoek over gaat" in page
    assert 'aria-describedby="id_text_error id_text_helptext"' in page
    assert not RightsRequest.objects.exists()

    client.post(url, {"kind": "correction", "text": WRONG})
    made = RightsRequest.objects.get(subject_id=lid.person.pk)
    assert (made.kind, made.text) == ("correction", WRONG)
    assert WRONG in client.get(url).content.decode().split("Mijn verzoeken")[1]
    assert client.post(url, {"kind": "access"}).status_code == 302  # optional for access


def test_staff_record_it_at_the_desk_and_read_it_on_the_request_page(client, person):
    desk = UserFactory(roles=[Role.DESK])
    staff_login(client, desk)
    url = reverse("desk:privacy_request_new", kwargs={"person_pk": person.pk})
    refused = client.post(url, {"kind": "complaint", "channel": "letter", "text": ""})
    assert "Schrijf waar je verzoek over gaat" in refused.content.decode()
    response = client.post(url, {"kind": "complaint", "channel": "letter", "text": "Niemand belde terug."})
    made = RightsRequest.objects.get(subject_id=person.pk)
    assert response.url == reverse("desk:privacy_request", kwargs={"pk": made.pk})
    page = client.get(response.url).content.decode()
    assert "Waar gaat het over?" in page
    assert "Niemand belde terug." in page


def test_the_text_is_in_the_access_package_as_correspondence(person, staff):
    request_receive(subject=person, kind="correction", channel="letter", actor=None, text=WRONG)
    package = access_package(subject=person, actor=staff, lang="nl")
    held = next(c for c in package["categories"] if c["category"] == "correspondence")
    table = next(t for t in held["data"] if t["source"] == "privacy.RightsRequest")
    assert "text" in table["fields"]
    assert any(WRONG in row for row in table["rows"])


def test_retention_erases_the_text_with_the_request_and_an_open_request_holds_it(staff):
    person = PersonFactory(with_pass=True)
    subscription_start(
        person=person,
        type=SubscriptionTypeFactory(fee_adult_cents=0, fee_young_adult_cents=0),  # nothing owed holds them
        actor=None,
        id_seen=True,
        started_on=dt.date.today() - dt.timedelta(days=8 * 365),
    )
    subscription_end(
        subscription=Subscription.objects.get(person=person),
        on=dt.date.today() - dt.timedelta(days=6 * 365),
        actor=None,
    )
    made = request_receive(subject=person, kind="complaint", channel="letter", actor=None, text="Te laat geantwoord.")
    retention_run(actor=staff, on=dt.date.today())
    assert RightsRequest.objects.filter(text="Te laat geantwoord.").exists()  # an open request is a legal hold
    request_close(request=made, done=False, outcome="Geen klacht over privacy.", actor=staff)
    retention_run(actor=staff, on=dt.date.today())
    assert not RightsRequest.objects.filter(pk=made.pk).exists()
    assert not RightsRequest.objects.filter(text="Te laat geantwoord.").exists()
