"""The Privacy Officer runs the data warehouse's export (R04) from the office in a real browser, keyboard
only: the file holds the member but not the one who objects to marketing analysis nor the restricted one, and
the log shows what went to whom."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from kolk.core.otp import totp_demo_device
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from kolk.privacy.ledger import objection_record, restriction_record
from kolk.privacy.models import Disclosure, DisclosureItem
from tests.browser import axe_findings
from tests.desk.test_privacy_choices_browser import tab_to
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory, ensure_role_groups
from tests.library.test_partners_digital import _borrow

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _member(name: str, born: dt.date):
    person = PersonFactory(given_name=name, with_pass=True, date_of_birth=born)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    _borrow(person, "book", None)
    return person


def test_run_the_warehouse_export_from_the_office_by_keyboard_without_the_objector_and_the_restricted(
    live_server, page, tmp_path
):
    ensure_role_groups()
    officer = UserFactory(username="henk", roles=[Role.PRIVACY_OFFICER])
    device = totp_demo_device(officer)
    member = _member("Lotte", dt.date(1970, 3, 1))
    objector = _member("Bram", dt.date(1971, 4, 2))
    restricted = _member("Mila", dt.date(1972, 5, 3))
    objection_record(subject=objector, purpose="marketing_analysis", objects=True, method="desk", actor=None)
    restriction_record(subject=restricted, restricted=True, reason="Juistheid betwist", actor=None)

    page.goto(f"{live_server.url}/balie/privacy/verstrekkingen/")
    page.fill("#id_username", "henk")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Verstrekkingen aan partners")
    assert axe_findings(page) == []

    tab_to(page, "id_recipient")
    page.keyboard.type("R04")  # a select follows what is typed
    assert page.locator("#id_recipient").input_value() == "R04"
    page.keyboard.press("Tab")
    page.keyboard.type((dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.keyboard.press("Tab")
    page.keyboard.type((dt.date.today() + dt.timedelta(days=1)).isoformat())
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename.startswith("R04-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    header, *rows = path.read_text().splitlines()
    assert header.startswith("month,count,person__date_of_birth,person__gender")
    assert len(rows) == 1
    assert "1970-03-01" in rows[0]

    disclosure = Disclosure.objects.get(recipient="R04")
    assert list(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True)) == [
        member.pk
    ]

    page.goto(f"{live_server.url}/balie/privacy/verstrekkingen/")
    row = page.locator("table tbody tr").first
    text = row.inner_text()
    assert "R04 Datawarehouse (van de KB)" in text
    assert "Marketing en statistiek" in text
    assert "Geboortedatum" in text
    assert "Doelgroep" in text
    assert row.locator("td").nth(4).inner_text() == "1"
    assert "henk" in text
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "office-exports.png"), full_page=True)  # looked at by hand
    assert axe_findings(page) == []
