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


def test_the_digital_partners_exports_from_the_command_line(tmp_path, staff):
    from tests.library.test_partners_digital import _borrow, _member

    member = _member(staff, emails=["luister@example.nl"])
    _borrow(member, "audiobook", staff)
    _borrow(member, "film", staff)
    start, end = (dt.date.today() - dt.timedelta(days=1)).isoformat(), (dt.date.today() + dt.timedelta(1)).isoformat()
    for recipient, expected in (("R04", "person__date_of_birth"), ("R05", "luister@example.nl"), ("R06", "pass")):
        out = tmp_path / f"{recipient}.csv"
        stdout = io.StringIO()
        call_command("library", "partners", recipient, "--start", start, "--end", end, "--out", str(out), stdout=stdout)
        assert expected in out.read_text()
        assert "of 1 people" in stdout.getvalue()
    assert out.read_text().splitlines() == ["pass_number", member.pass_number]
    assert set(Disclosure.objects.values_list("recipient", flat=True)) == {"R04", "R05", "R06"}
