"""Desk pages: who may see them, finding a person, and the logged staff read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.privacy.audit import pseudonym
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory, UserFactory


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_staff_login(client):
    response = client.get(reverse("desk:person_find"))
    assert response.status_code == 302
    assert reverse("desk:login") in response["Location"]


@pytest.mark.django_db
def test_a_member_is_refused(client):
    client.force_login(UserFactory(roles=[Role.MEMBER], is_staff=False))
    assert client.get(reverse("desk:person_find")).status_code == 403


@pytest.mark.django_db
def test_find_by_pass_number_postcode_and_name(client, staff):
    anna = PersonFactory(given_name="Anna", surname="Jansen", postcode="9401 ET", with_pass=True)
    PersonFactory(given_name="Bert", surname="Bakker", postcode="9403 AB")
    client.force_login(staff)
    for query in (anna.pass_number, "9401et", "jans", "anna jan"):
        response = client.post(reverse("desk:person_find"), {"q": query})
        assert list(response.context["people"]) == [anna], query


@pytest.mark.django_db
def test_opening_a_person_is_logged_with_who_whose_and_why(client, staff, django_assert_max_num_queries):
    person = PersonFactory()
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("desk:person", args=[person.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="subject.viewed")
    assert entry.actor == f"user:{staff.pk}"
    assert entry.subject_ref == pseudonym(person)
    assert entry.details == {"purpose": "lending", "roles": ["desk"]}  # the role read in, as held then
    assert person.surname not in str(entry.details)


@pytest.mark.django_db
def test_an_unknown_person_is_a_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("desk:person", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_the_person_pages_have_their_own_title_and_a_birth_date_in_words(client, staff):
    import datetime as dt

    anna = PersonFactory(given_name="Anna", surname="Jansen", date_of_birth=dt.date(1985, 4, 2), with_pass=True)
    client.force_login(staff)
    found = client.post(reverse("desk:person_find"), {"q": "anna"}).content.decode()
    assert "<title>Personen · " in found
    assert "2 apr 1985" in found
    assert "02-04-1985" not in found
    assert "<title>Anna Jansen · " in client.get(reverse("desk:person", args=[anna.pk])).content.decode()
