"""A staff read shows the role it was read in, as the reader held it then, not their role today."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kolk.core.roles import Role
from kolk.privacy.audit import audit_log
from kolk.privacy.models import AuditEntry
from kolk.privacy.reads import staff_reads
from tests.factories import UserFactory, staff_login
from tests.web.factories import member

pytestmark = pytest.mark.django_db


def test_a_read_keeps_the_role_it_was_read_in_after_the_reader_changes_role(client, django_assert_max_num_queries):
    user = member()
    person = user.person
    reader = UserFactory(roles=[Role.DESK], username="balie2", first_name="Bram", last_name="Balie")
    client.force_login(reader)
    assert client.get(reverse("desk:person", args=[person.pk])).status_code == 200
    client.logout()
    logged = AuditEntry.objects.get(action="subject.viewed")
    assert logged.details["roles"] == ["desk"]

    # Bram moves to the library; an entry from before roles were logged shows his role now.
    reader.groups.set([Group.objects.get_or_create(name=Role.LIBRARY_STAFF.value)[0]])
    with django_assert_max_num_queries(2):  # the log and the staff: the roles are in the log
        (read,) = staff_reads(person)
    assert read.roles == ("Balie",)
    audit_log(actor=reader, action="subject.viewed", subject=person, details={"purpose": "lending"})
    newest, oldest = staff_reads(person)
    assert newest.roles == ("Bibliotheekmedewerker",)
    assert oldest.roles == ("Balie",)

    officer = UserFactory(roles=[Role.PRIVACY_OFFICER])
    staff_login(client, officer)
    page = client.get(reverse("desk:office_reads", args=[person.pk])).content.decode()
    assert "Bram Balie" in page
    assert "Balie</td>" in page
    assert "Bibliotheekmedewerker</td>" in page
    client.logout()

    client.force_login(user)
    mine = client.get(reverse("web:portal_reads")).content.decode()
    assert "Balie" in mine
    assert "Bibliotheekmedewerker" in mine
    assert "Bram" not in mine
