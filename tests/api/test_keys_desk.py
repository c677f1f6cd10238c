"""The administrator's page of API keys: a key is made and shown once, a bad value is refused at its field, a key is revoked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.people.api_clients import ApiClient
from kolk.people.api_keys import api_client_create
from kolk.privacy.models import AuditEntry
from tests.browser import axe_findings
from tests.factories import UserFactory, staff_login
from tests.library.factories import ensure_role_groups

PAGE = "/balie/api-sleutels/"
KEY = re.compile(r"kolk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def admin_client() -> tuple[Client, object]:
    ensure_role_groups()
    admin = UserFactory(username="beheerder", roles=[Role.ADMINISTRATOR])
    client = Client()
    staff_login(client, admin)
    return client, admin


def form(**values: object) -> dict[str, object]:
    return {
        "name": "uitmarkt",
        "organisation": "Uitmarkt Assen",
        "scopes": ["desk"],
        "expires_on": (today() + dt.timedelta(days=365)).isoformat(),
        **values,
    }


@pytest.mark.django_db
def test_the_administrator_makes_a_key_and_sees_it_once():
    client, admin = admin_client()
    r = client.post(PAGE, form(scopes=["desk", "library_staff"]))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    shown = KEY.findall(r.content.decode())
    assert len(shown) == 1
    made = ApiClient.objects.get()
    assert shown[0].split("_")[1] == made.prefix
    assert {g.name for g in made.user.groups.all()} == {"desk", "library_staff"}
    assert AuditEntry.objects.get(action="api_client.created").actor == f"user:{admin.pk}"
    again = client.get(PAGE).content.decode()
    assert not KEY.search(again)  # never again
    assert "uitmarkt" in again
    assert f"user:{made.user_id}" in again  # how the audit log names it


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "Met Spaties"}, "name"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"scopes": ["administrator"]}, "scopes"),
        ({"organisation": "DNK\u202e"}, "organisation"),
    ],
)
def test_a_bad_value_is_refused_next_to_its_field_and_nothing_is_made(values, field):
    client, _admin = admin_client()
    r = client.post(PAGE, form(**values))
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert list(errors) == [field], errors
    assert not KEY.search(r.content.decode())
    assert not ApiClient.objects.exists()


@pytest.mark.django_db
def test_a_name_in_use_is_refused_at_the_name():
    client, _admin = admin_client()
    client.post(PAGE, form())
    r = client.post(PAGE, form())
    assert "name" in r.context["form"].errors
    assert ApiClient.objects.count() == 1


@pytest.mark.django_db
def test_the_administrator_revokes_a_key():
    client, admin = admin_client()
    issued = api_client_create(
        name="weg", organisation="", scopes=["desk"], expires_on=today() + dt.timedelta(days=9), actor=None
    )
    r = client.post(f"{PAGE}intrekken/", {"client": str(issued.client.pk)}, follow=True)
    assert "ingetrokken" in r.content.decode()
    assert ApiClient.objects.get().revoked_at is not None
    assert AuditEntry.objects.get(action="api_client.revoked").actor == f"user:{admin.pk}"
    r = client.post(f"{PAGE}intrekken/", {"client": str(issued.client.pk)}, follow=True)
    assert "al ingetrokken" in r.content.decode()
    for bad in ("x", "9" * 40, "", "1\x00"):
        assert client.post(f"{PAGE}intrekken/", {"client": bad}).status_code in (302, 400)


@pytest.mark.django_db
def test_other_staff_and_an_administrator_without_the_second_factor_are_kept_out():
    ensure_role_groups()
    desk = Client()
    desk.force_login(UserFactory(roles=[Role.DESK]))
    assert desk.get(PAGE).status_code == 403
    assert desk.post(PAGE, form()).status_code == 403
    unverified = Client()
    unverified.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    assert unverified.post(PAGE, form()).status_code == 302  # to the second factor first
    assert not ApiClient.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_browser_the_key_is_made_by_keyboard_and_the_page_passes_axe(live_server, page):
    client, _admin = admin_client()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{PAGE}")
    assert page.title().startswith("API-sleutels")
    page.fill("#id_name", "uitmarkt")
    page.fill("#id_organisation", "Uitmarkt Assen")
    page.check("#id_scopes_0")
    page.fill("#id_expires_on", (today() + dt.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    key = page.locator("#issued-key")
    assert KEY.fullmatch(key.input_value())
    assert page.evaluate("document.activeElement.id") == "issued-key"  # ready to copy
    assert axe_findings(page) == []
    page.locator("summary").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("trek de sleutel van uitmarkt in")).click()
    expect(page.locator(".messages")).to_contain_text("ingetrokken")
    assert ApiClient.objects.get().revoked_at is not None
