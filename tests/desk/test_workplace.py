"""The staff workplace: its own layout, a menu read from the pages' declarations, the workstation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.desk import sounds
from kolk.desk.workplace import WORKSTATION
from tests.factories import UserFactory
from tests.library.factories import BranchFactory

pytestmark = pytest.mark.django_db


def menu_of(client, role: Role) -> list[str]:
    client.force_login(UserFactory(roles=[role]))
    html = client.get(reverse("desk:home")).content.decode()
    nav = html.split('class="desk-menu"', 1)[1].split("</nav>", 1)[0] if 'class="desk-menu"' in html else ""
    return [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<a ")[1:]]


def test_the_menu_shows_what_the_role_may_open_and_nothing_else(client):
    assert menu_of(client, Role.DESK) == [
        "Bibliotheek",
        "Innemen",
        "Klaarleggen",
        "Brieven",
        "Inschrijven",
        "Contact",
        "Personen",
    ]
    assert menu_of(client, Role.LIBRARY_STAFF)[:6] == [
        "Bibliotheek",
        "Innemen",
        "Klaarleggen",
        "Brieven",
        "Inschrijven",
        "Catalogus",
    ]
    box = menu_of(client, Role.BOX_OFFICE)
    assert "Kassa" in box
    assert "Bibliotheek" not in box
    assert menu_of(client, Role.MARKETING) == ["Nieuwsbrief", "Aanbiedingen"]


def test_every_tool_in_a_menu_opens_for_that_role(client):
    for role in (Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.MARKETING):
        user = UserFactory(roles=[role])
        client.force_login(user)
        html = client.get(reverse("desk:home")).content.decode()
        nav = html.split('class="desk-menu"', 1)[1].split("</nav>", 1)[0]
        for href in [p.split('"', 1)[0] for p in nav.split('href="')[1:]]:
            assert client.get(href).status_code == 200, (role, href)


def test_staff_pages_have_no_public_menu_cookie_banner_or_portal(client):
    client.force_login(UserFactory(roles=[Role.DESK]))
    for name in ("desk:home", "desk:library_find", "desk:library_checkin", "desk:library_register"):
        html = client.get(reverse(name)).content.decode()
        for public in ("Mijn DNK", "cookie-notice", "Hoofdmenu"):
            assert public not in html, (name, public)
        assert 'class="desk-menu"' in html
        assert 'id="desk-who"' in html
        assert 'src="/static/desk/desk.js"' in html
        assert 'id="sound-error"' in html
    titles = {
        client.get(reverse(n)).content.decode().split("<title>")[1].split("·")[0].strip()
        for n in ("desk:home", "desk:library_find", "desk:library_checkin", "desk:library_register")
    }
    assert len(titles) == 4  # every page its own title


def test_the_sign_in_page_is_the_desks_too(client):
    html = client.get(reverse("desk:login")).content.decode()
    assert "Mijn DNK" not in html
    assert "cookie-notice" not in html


def test_the_workstation_is_chosen_in_the_menu_and_kept(client):
    assen = BranchFactory(code="assen", name="DNK Assen")
    client.force_login(UserFactory(roles=[Role.DESK]))
    assert "no-workstation" in client.get(reverse("desk:home")).content.decode()
    response = client.post(reverse("desk:workstation"), {"branch": "assen", "next": reverse("desk:library_checkin")})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:library_checkin")
    assert client.session[WORKSTATION] == assen.code
    html = client.get(reverse("desk:home")).content.decode()
    assert "no-workstation" not in html
    assert '<option value="assen" selected>' in html
    # Somewhere else is not a place to go back to; an unknown branch is refused, nothing kept.
    away = client.post(reverse("desk:workstation"), {"branch": "assen", "next": "https://example.org/"})
    assert away["Location"] == reverse("desk:home")
    assert client.post(reverse("desk:workstation"), {"branch": "nergens"}).status_code == 422
    assert client.session[WORKSTATION] == "assen"


def test_the_committed_sounds_are_what_the_generator_makes():
    for name in sounds.SOUNDS:
        assert (sounds.STATIC / f"{name}.wav").read_bytes() == sounds.wav(name), name


def test_a_title_page_and_a_label_are_under_catalogus_in_the_menu(client):
    from kolk.desk.workplace import tools_for
    from tests.library.factories import CopyFactory

    user = UserFactory(roles=[Role.LIBRARY_STAFF])
    copy = CopyFactory()
    for path in (
        reverse("desk:library_title", args=[copy.title_id]),
        reverse("desk:library_label", args=[copy.pk]),
        reverse("desk:library_marc"),
    ):
        assert [i.label for i in tools_for(user, path) if i.current] == ["Catalogus"], path
    assert [i.label for i in tools_for(user, reverse("desk:library_member", args=[1])) if i.current] == ["Bibliotheek"]
    assert [i.label for i in tools_for(user, "/nergens/") if i.current] == []
