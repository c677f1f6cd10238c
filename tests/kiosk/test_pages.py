"""The desk's kiosk pages (administrator), the desk's and the portal's PIN forms (desk, member)."""

from __future__ import annotations

from django.urls import reverse

from kolk.core.roles import Role
from kolk.library.models import Kiosk, KioskPin
from kolk.library.services.kiosks import kiosk_authenticate, pin_check
from kolk.privacy.models import AuditEntry
from tests.factories import UserFactory, staff_login
from tests.web.factories import PASSWORD, member


def test_the_administrator_makes_a_kiosk_and_sees_its_password_once(client, library):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    staff_login(client, admin)
    page = client.post(reverse("desk:kiosks"), {"name": "beilen-1", "branch": "beilen"})
    assert page.status_code == 200
    password = page.context["issued"][1]
    assert password in page.content.decode()
    assert kiosk_authenticate(name="beilen-1", password=password) is not None
    again = client.get(reverse("desk:kiosks"))
    assert password not in again.content.decode()
    assert "beilen-1" in again.content.decode()
    kiosk = Kiosk.objects.get(name="beilen-1")
    rotated = client.post(reverse("desk:kiosk_rotate", args=[kiosk.pk]))
    assert kiosk_authenticate(name="beilen-1", password=password) is None
    assert kiosk_authenticate(name="beilen-1", password=rotated.context["issued"][1]) is not None
    client.post(reverse("desk:kiosk_switch", args=[kiosk.pk]))
    kiosk.refresh_from_db()
    assert kiosk.disabled_at is not None
    client.post(reverse("desk:kiosk_switch", args=[kiosk.pk]), {"on": "1"})
    kiosk.refresh_from_db()
    assert kiosk.disabled_at is None
    assert AuditEntry.objects.filter(action="kiosk.rotated").exists()


def test_a_bad_kiosk_name_is_refused_next_to_the_field(client, library):
    staff_login(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.post(reverse("desk:kiosks"), {"name": "zuil-1", "branch": "assen"})
    assert page.status_code == 200
    assert page.context["form"].errors["name"]
    assert Kiosk.objects.filter(name="zuil-1").count() == 1


def test_the_desk_may_not_manage_kiosks_but_sets_a_members_pin(client, library):
    desk = UserFactory(roles=[Role.DESK])
    staff_login(client, desk)
    assert client.get(reverse("desk:kiosks")).status_code == 403
    url = reverse("desk:library_member_pin", args=[library.member.pk])
    refused = client.post(url, {"pin": "1111"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["pin"]
    done = client.post(url, {"pin": "735912"})
    assert done.status_code == 302
    assert pin_check(person=library.member, pin="735912", actor=None)
    entry = AuditEntry.objects.filter(action="kiosk.pin_set").order_by("-pk").first()
    assert entry is not None
    assert "735912" not in str(entry.details)


def test_a_member_sets_their_pin_in_the_portal(client, library):
    user = member(username="fenna-portal")
    client.post(reverse("web:login"), {"username": "fenna-portal", "password": PASSWORD})
    url = reverse("web:portal_kiosk_pin")
    page = client.get(url)
    assert page.status_code == 200
    assert "nog geen pincode" in page.content.decode()
    mismatch = client.post(url, {"pin": "2468", "again": "2469"})
    assert mismatch.context["form"].errors["again"]
    assert not KioskPin.objects.filter(person=user.person).exists()
    ok = client.post(url, {"pin": "2468", "again": "2468"})
    assert ok.status_code == 302
    assert pin_check(person=user.person, pin="2468", actor=None)
    assert "sinds" in client.get(url).content.decode()
