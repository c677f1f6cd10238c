"""Staff reads made visible: the Privacy Officer sees who read a record; the member sees role and purpose."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.people.models import Person
from kolk.privacy.disclosure import disclose
from kolk.privacy.reads import staff_reads
from tests.factories import UserFactory, staff_login
from tests.web.factories import member

pytestmark = pytest.mark.django_db


def test_the_officer_and_the_member_see_who_read_the_record(client, django_assert_max_num_queries):
    user = member()
    person = user.person
    desk = UserFactory(roles=[Role.DESK], username="balie1", first_name="Bea", last_name="Balie")
    client.force_login(desk)
    assert client.get(reverse("desk:person", args=[person.pk])).status_code == 200
    client.logout()
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=None)

    with django_assert_max_num_queries(4):  # the register is cached: the log, the staff and their groups
        reads = staff_reads(person)
    assert [(r.staff, r.roles) for r in reads] == [(desk, ("Balie",))]

    officer = UserFactory(roles=[Role.PRIVACY_OFFICER])
    staff_login(client, officer)
    found = client.post(reverse("desk:office_reads_find"), {"customer_number": person.customer_number})
    assert found["Location"] == reverse("desk:office_reads", args=[person.pk])
    page = client.get(found["Location"]).content.decode()
    assert "Bea Balie" in page
    assert "Balie</td>" in page
    assert "Niets verstrekt." not in page
    missing = client.post(reverse("desk:office_reads_find"), {"customer_number": "nope"}).content.decode()
    assert "Geen persoon met dit klant- of pasnummer." in missing
    client.logout()

    client.force_login(user)
    mine = client.get(reverse("web:portal_reads")).content.decode()
    assert "Balie" in mine
    assert "Bea" not in mine  # the role, never the colleague's name
    assert "balie1" not in mine
    assert "Bezwaar maken" in mine  # segmentation rests on legitimate interest
    assert "Kan niet*" in mine  # the desk's read serves the membership: no objection, and the page says why
    assert "Gaf je er toestemming voor, dan trek je die in bij" in mine
    assert reverse("web:portal_reads") in client.get(reverse("web:portal")).content.decode()
