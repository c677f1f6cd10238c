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
