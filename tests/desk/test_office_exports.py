"""The Privacy Officer runs each partner export from the office and sees what went to whom."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.privacy.models import Disclosure
from tests.factories import PersonFactory, UserFactory, staff_login
from tests.privacy.test_access_readable import _history

pytestmark = pytest.mark.django_db


def test_run_each_export_download_the_file_and_see_the_log(client):
    person = PersonFactory()
    copies = _history(person, 10)
    officer = UserFactory(roles=[Role.PRIVACY_OFFICER], username="fg")
    staff_login(client, officer)
    start, end = (dt.date.today() - dt.timedelta(days=6 * 365)).isoformat(), dt.date.today().isoformat()
    url = reverse("desk:office_exports")

    r01 = client.post(url, {"recipient": "R01", "start": start, "end": end})
    assert r01["Content-Type"].startswith("text/csv")
    body = r01.content.decode()
    assert body.splitlines()[0].startswith("copy__barcode")
    assert copies[0].barcode in body
    assert Disclosure.objects.get(recipient="R01").person_count == 1

    refused = client.post(url, {"recipient": "R02", "start": start, "end": end})
    assert refused.status_code == 200
    assert "Noem de vestigingen" in refused.content.decode()
    assert not Disclosure.objects.filter(recipient="R02").exists()
    r02 = client.post(url, {"recipient": "R02", "start": start, "end": end, "branches": "assen"})
    assert copies[0].barcode in r02.content.decode()

    r03 = client.post(url, {"recipient": "R03", "start": start, "end": end})
    assert isinstance(json.loads(r03.content), dict)
    backwards = client.post(url, {"recipient": "R01", "start": end, "end": start})
    assert "De einddatum ligt na de begindatum." in backwards.content.decode()

    log = client.get(url).content.decode()
    assert "R01 Biblionet Drenthe" in log
    assert "alleen tellingen" in log
    assert ">fg<" in log


def test_the_digital_partners_exports_from_the_office_and_their_log(client, staff):
    from tests.library.test_partners_digital import _borrow, _member

    member = _member(staff, emails=["luister@example.nl"], date_of_birth=dt.date(1975, 1, 2))
    _borrow(member, "audiobook", staff)
    _borrow(member, "cd", staff)
    officer = UserFactory(roles=[Role.PRIVACY_OFFICER], username="fg")
    staff_login(client, officer)
    start, end = (dt.date.today() - dt.timedelta(days=1)).isoformat(), (dt.date.today() + dt.timedelta(1)).isoformat()
    url = reverse("desk:office_exports")

    r04 = client.post(url, {"recipient": "R04", "start": start, "end": end}).content.decode()
    assert r04.splitlines()[0].split(",") == [
        "month",
        "count",
        "person__date_of_birth",
        "person__gender",
        "person__library_profile__target_group",
        "person__library_subscriptions__started_on",
        "person__library_subscriptions__ended_on",
    ]
    assert "1975-01-02" in r04
    assert member.pass_number not in r04
    assert member.surname not in r04
    r05 = client.post(url, {"recipient": "R05", "start": start, "end": end}).content.decode()
    assert "luister@example.nl" in r05
    assert member.pass_number in r05
    r06 = client.post(url, {"recipient": "R06", "start": start, "end": end}).content.decode()
    assert r06.splitlines() == ["pass_number", member.pass_number]
    assert Disclosure.objects.filter(recipient__in=["R04", "R05", "R06"], person_count=1).count() == 3

    empty = client.post(url, {"recipient": "R06", "start": "2001-01-01", "end": "2001-02-01"}).content.decode()
    assert empty.splitlines() == ["pass_number"]
    log = client.get(url).content.decode()
    assert "R05 Bibliotheek.nl" in log
    assert "<td>Naam, Mailadres(sen), Lidnummer, pasnummer of klantnummer</td>" in log
