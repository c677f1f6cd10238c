"""`kolk library partners`: each partner export from the command line, logged as a disclosure."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.privacy.models import Disclosure
from tests.factories import PersonFactory
from tests.privacy.test_access_readable import _history

pytestmark = pytest.mark.django_db


def test_the_partner_exports_write_their_files(tmp_path):
    copies = _history(PersonFactory(), 4)
    start, end = (dt.date.today() - dt.timedelta(days=6 * 365)).isoformat(), dt.date.today().isoformat()
    out = tmp_path / "r01.csv"
    call_command("library", "partners", "R01", "--start", start, "--end", end, "--out", str(out), stdout=io.StringIO())
    assert copies[0].barcode in out.read_text()
    assert Disclosure.objects.get(recipient="R01").person_count == 1
    with pytest.raises(CommandError):
        call_command("library", "partners", "R02", "--start", start, "--end", end, "--out", str(out))
    counts = tmp_path / "r03.json"
    call_command(
        "library", "partners", "R03", "--start", start, "--end", end, "--out", str(counts), stdout=io.StringIO()
    )
    assert isinstance(json.loads(counts.read_text()), dict)
