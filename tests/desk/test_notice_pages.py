"""The desk sets a member's notice channels on the person page, and library staff print the letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.comms.models import Letter, MessageKind, NoticeKind, NoticePreference
from kolk.comms.notices import notice_choices_of, notice_choices_set, notice_send
from kolk.core.roles import Role
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def choices(**changes):
    return {**dict.fromkeys(NoticeKind.values, "email"), **changes}


def a_letter(person, key="letter-1"):
    notice_choices_set(person=person, choices={NoticeKind.OVERDUE: "post"}, actor=None)
    notice_send(
        person=person,
        notice=NoticeKind.OVERDUE,
        template="library_overdue",
        context={"title": "De avonden", "due_on": dt.date(2026, 12, 1)},
        purpose="lending",
        kind=MessageKind.SERVICE,
        actor=None,
        idempotency_key=key,
    )
    return Letter.objects.get(idempotency_key=key)


def test_the_desk_sets_how_a_member_gets_notices(client, staff):
    anna = PersonFactory(given_name="Anna")
    client.force_login(staff)
    page = client.get(reverse("desk:person", args=[anna.pk])).content.decode()
    assert 'id="berichten"' in page
    assert 'name="overdue" value="none"' not in page
    response = client.post(reverse("desk:person_notices", args=[anna.pk]), choices(due_soon="post", hold_ready="none"))
    assert response.status_code == 302
    assert response["Location"].endswith("?berichten=opgeslagen#berichten")
    assert notice_choices_of(anna)["due_soon"] == "post"
    page = client.get(response["Location"]).content.decode()
    assert "Opgeslagen: de volgende berichten gaan zo." in page


def test_a_refusal_is_shown_at_its_group_and_nothing_is_saved(client, staff):
    anna = PersonFactory(given_name="Anna", street="", postcode="", town="")
    client.force_login(staff)
    response = client.post(reverse("desk:person_notices", args=[anna.pk]), choices(overdue="post"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Voor post hebben we je volledige adres nodig" in page
    assert 'aria-describedby="id_overdue_error id_overdue_helptext"' in page
    assert not NoticePreference.objects.exists()


def test_the_box_office_neither_sets_choices_nor_prints_letters(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    anna = PersonFactory()
    assert client.post(reverse("desk:person_notices", args=[anna.pk]), choices()).status_code == 403
    assert client.get(reverse("desk:library_letters")).status_code == 403


def test_library_staff_print_the_letters_and_take_them_off_the_list(client):
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    anna = PersonFactory(given_name="Anna", surname="Jansen")
    letter = a_letter(anna)
    page = client.get(reverse("desk:library_letters")).content.decode()
    assert "1 brief om af te drukken." in page
    assert "Anna Jansen" in page
    assert "Je hebt materialen te laat" in page
    response = client.post(reverse("desk:library_letters_printed"), {"letter": [letter.pk]})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.printed_at is not None
    assert "Geen brieven om af te drukken." in client.get(reverse("desk:library_letters")).content.decode()


def test_bad_letter_ids_are_a_400_and_change_nothing(client):
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    letter = a_letter(PersonFactory())
    for bad in (["x"], [], ["1" * 40]):
        assert client.post(reverse("desk:library_letters_printed"), {"letter": bad}).status_code == 400
    letter.refresh_from_db()
    assert letter.printed_at is None


def test_a_reminder_letter_whose_consent_was_withdrawn_is_not_printed(client):
    from kolk.privacy.ledger import consent_record

    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    anna, bert = PersonFactory(given_name="Anna"), PersonFactory(given_name="Bert")
    for person in (anna, bert):
        consent_record(subject=person, purpose="notices_advice", given=True, method="desk", actor=None)
        notice_choices_set(person=person, choices={NoticeKind.DUE_SOON: "post"}, actor=None)
        notice_send(
            person=person,
            notice=NoticeKind.DUE_SOON,
            template="library_pre_due",
            context={"title": "De avonden", "due_on": dt.date(2026, 12, 1)},
            purpose="notices_advice",
            kind=MessageKind.NOTICE,
            actor=None,
            idempotency_key=f"pre-due-{person.pk}",
        )
    consent_record(subject=anna, purpose="notices_advice", given=False, method="web", actor=None)
    page = client.get(reverse("desk:library_letters")).content.decode()
    assert "1 brief om af te drukken." in page
    assert list(Letter.objects.values_list("person_id", flat=True)) == [bert.pk]
