"""The workstation chosen at sign-in and remembered by the device; a staff member's own branch."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from kolk.core.otp import current_code, totp_demo_device
from kolk.core.roles import Role
from kolk.desk.workplace import DEVICE_COOKIE, WORKSTATION
from kolk.people.models import User
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory, UserFactory, staff_login
from tests.library.factories import BranchFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
LOGIN = reverse("desk:login")
PICK = reverse("desk:workstation_pick")


@pytest.fixture
def branches(db):
    return BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="emmen", name="DNK Emmen")


def sign_in(client, user, next_url="/balie/bieb/innemen/"):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": next_url})


def test_without_a_remembered_workstation_it_is_chosen_at_sign_in_and_the_device_remembers(client, branches):
    user = UserFactory(username="sanne", roles=[Role.DESK])
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == f"{PICK}?next=%2Fbalie%2Fbieb%2Finnemen%2F"
    page = client.get(response["Location"]).content.decode()
    assert page.index("DNK Assen") < page.index("DNK Emmen")
    assert "autofocus" in page.split('id="workstation-pick"', 1)[1].split("DNK Assen", 1)[0]
    chosen = client.post(PICK, {"branch": "emmen", "next": "/balie/bieb/innemen/"})
    assert chosen["Location"] == "/balie/bieb/innemen/"
    assert client.session[WORKSTATION] == "emmen"
    assert client.cookies[DEVICE_COOKIE].value
    assert client.cookies[DEVICE_COOKIE]["httponly"]
    assert "DNK Emmen" in client.get("/balie/bieb/innemen/").content.decode().split("<h1>", 1)[1].split("</h1>")[0]
    # Signed out and in again on this device: no question, the same workstation.
    client.post(reverse("desk:logout"))
    again = sign_in(client, user)
    assert again["Location"] == "/balie/bieb/innemen/"
    assert client.get("/balie/bieb/innemen/").context["here"].code == "emmen"


def test_a_tampered_device_cookie_counts_as_none(client, branches):
    user = UserFactory(roles=[Role.DESK])
    client.cookies[DEVICE_COOKIE] = "emmen"  # not signed by kolk
    assert sign_in(client, user)["Location"].startswith(PICK)


def test_the_own_branch_comes_first_and_is_the_workstation_until_another_is_chosen(client, branches):
    user = UserFactory(roles=[Role.LIBRARY_STAFF])
    User.objects.filter(pk=user.pk).update(home_branch="emmen")
    page = client.get(sign_in(client, user)["Location"]).content.decode()
    form = page.split('id="workstation-pick"', 1)[1]
    assert form.index("DNK Emmen") < form.index("DNK Assen")
    assert "je eigen vestiging" in form.split("DNK Assen", 1)[0]
    # Not choosing (going straight to a page): the own branch is the workstation.
    assert client.get(reverse("desk:library_pulls")).context["here"].code == "emmen"


def test_box_office_and_one_branch_are_not_asked(client, branches):
    assert sign_in(client, UserFactory(roles=[Role.BOX_OFFICE]), "/balie/")["Location"] == "/balie/"
    branches[1].delete()
    desk = UserFactory(roles=[Role.DESK])
    assert sign_in(client, desk)["Location"] == "/balie/bieb/innemen/"
    assert client.session[WORKSTATION] == "assen"


def test_the_second_factor_comes_first_then_the_workstation(client, branches):
    user = UserFactory(username="henk", roles=[Role.PRIVACY_OFFICER, Role.LIBRARY_STAFF])
    device = totp_demo_device(user)
    to_pick = sign_in(client, user)["Location"]
    assert to_pick.startswith(PICK)
    gate = client.get(to_pick)
    assert gate.status_code == 302
    assert gate["Location"].startswith(reverse("desk:otp_verify"))
    # The verify page carries on to the choice, and the choice to the page asked for.
    carried = parse_qs(urlsplit(gate["Location"]).query)["next"][0]
    verified = client.post(reverse("desk:otp_verify"), {"code": current_code(device), "next": carried})
    assert verified["Location"] == f"{PICK}?next=/balie/bieb/innemen/"
    assert client.get(verified["Location"]).status_code == 200
    assert client.post(PICK, {"branch": "assen", "next": "/balie/bieb/innemen/"})["Location"] == "/balie/bieb/innemen/"


def test_a_branch_that_is_not_there_is_refused_and_nothing_is_kept(client, branches):
    client.force_login(UserFactory(roles=[Role.DESK]))
    response = client.post(PICK, {"branch": "nergens", "next": "/balie/"})
    assert response.status_code == 422
    assert "Kies een vestiging" in response.content.decode()
    assert WORKSTATION not in client.session
    assert DEVICE_COOKIE not in client.cookies
    assert client.post(PICK, {"branch": "assen", "next": "https://elders.example/"})["Location"] == "/balie/"


def test_an_administrator_gives_staff_their_own_branch(client, branches):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    desk = UserFactory(username="sanne", roles=[Role.DESK])
    member_login = UserFactory(username="lid", is_staff=False, person=PersonFactory(), roles=[Role.MEMBER])
    staff_login(client, admin)
    page = client.get(reverse("desk:staff_branches")).content.decode()
    assert "sanne" in page
    assert ">lid<" not in page
    response = client.post(reverse("desk:staff_branches"), {"user": desk.pk, "branch": "emmen"}, follow=True)
    assert "sanne werkt in DNK Emmen." in response.content.decode()
    desk.refresh_from_db()
    assert desk.home_branch == "emmen"
    assert AuditEntry.objects.filter(action="user.home_branch_set").count() == 1
    assert client.post(reverse("desk:staff_branches"), {"user": desk.pk, "branch": "nergens"}).status_code == 422
    assert client.post(reverse("desk:staff_branches"), {"user": member_login.pk, "branch": "emmen"}).status_code == 404
    client.post(reverse("desk:staff_branches"), {"user": desk.pk, "branch": ""})
    desk.refresh_from_db()
    assert desk.home_branch == ""
    # Desk staff do not set branches.
    client.force_login(desk)
    assert client.post(reverse("desk:staff_branches"), {"user": desk.pk, "branch": "emmen"}).status_code == 403
