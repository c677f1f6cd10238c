"""The purpose gate: fields by purpose, people by legal basis, every read logged."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.people.models import EmailAddress, Person
from kolk.people.services import family_relation_add
from kolk.privacy.gate import PurposeViolation, purpose_read
from kolk.privacy.ledger import consent_record, objection_record, restriction_record
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def ids(read) -> set[int]:
    return {row["id"] for row in read}


def test_a_field_outside_the_purpose_raises_with_a_clear_message(staff):
    with pytest.raises(PurposeViolation) as caught:
        purpose_read(purpose="fee_determination", model=Person, fields=["id", "surname"], actor=staff)
    assert "people.Person.surname" in str(caught.value)
    assert "fee_determination" in str(caught.value)


def test_fields_inside_the_purpose_are_read(staff):
    person = PersonFactory(date_of_birth=dt.date(2001, 3, 4))
    rows = purpose_read(purpose="fee_determination", model=Person, fields=["id", "date_of_birth"], actor=staff).list()
    assert rows == [{"id": person.pk, "date_of_birth": dt.date(2001, 3, 4)}]


def test_an_unknown_purpose_is_refused(staff):
    with pytest.raises(PurposeViolation):
        purpose_read(purpose="curiosity", model=Person, fields=["id"], actor=staff)


def test_objectors_drop_out_of_legitimate_interest_purposes_at_once(staff):
    keep, objector = PersonFactory(), PersonFactory()
    objection_record(subject=objector, purpose="marketing_analysis", objects=True, method="desk", actor=staff)
    fields = ["id", "surname", "date_of_birth"]
    assert ids(purpose_read(purpose="marketing_analysis", model=Person, fields=fields, actor=staff)) == {keep.pk}
    # Contract purposes still serve the objector.
    assert objector.pk in ids(purpose_read(purpose="lending", model=Person, fields=["id", "surname"], actor=staff))
    objection_record(subject=objector, purpose="marketing_analysis", objects=False, method="web", actor=staff)
    assert ids(purpose_read(purpose="marketing_analysis", model=Person, fields=fields, actor=staff)) == {
        keep.pk,
        objector.pk,
    }


def test_an_objection_per_channel_and_a_general_one(staff):
    phone_no, all_no, keep = PersonFactory(), PersonFactory(), PersonFactory()
    objection_record(subject=phone_no, purpose="offers", channel="phone", objects=True, method="phone", actor=staff)
    objection_record(subject=all_no, purpose="offers", objects=True, method="paper", actor=staff)
    fields = ["id", "surname", "street"]
    calls = ids(purpose_read(purpose="offers", channel="phone", model=Person, fields=fields, actor=staff))
    letters = ids(purpose_read(purpose="offers", channel="post", model=Person, fields=fields, actor=staff))
    assert calls == {keep.pk}
    assert letters == {keep.pk, phone_no.pk}


def test_consent_purposes_need_a_standing_consent(staff):
    """A consent purpose reads only people whose latest consent for that very purpose is yes."""
    yes, never, withdrawn, given_again, elsewhere = (PersonFactory() for _ in range(5))
    consent_record(subject=yes, purpose="notices_advice", given=True, method="web", actor=staff)
    consent_record(subject=withdrawn, purpose="notices_advice", given=True, method="web", actor=staff)
    consent_record(subject=withdrawn, purpose="notices_advice", given=False, method="web", actor=staff)
    for given in (True, False, True):
        consent_record(subject=given_again, purpose="notices_advice", given=given, method="desk", actor=staff)
    consent_record(subject=elsewhere, purpose="website_access", given=True, method="web", actor=staff)
    read = purpose_read(purpose="notices_advice", model=Person, fields=["id"], actor=staff)
    assert ids(read) == {yes.pk, given_again.pk}
    # Consent narrows consent purposes only: the contract purpose still reads all five.
    everyone = {yes.pk, never.pk, withdrawn.pk, given_again.pk, elsewhere.pk}
    assert everyone <= ids(purpose_read(purpose="lending", model=Person, fields=["id", "surname"], actor=staff))


def test_restricted_people_drop_out_of_everything_but_system_purposes(staff):
    restricted, keep = PersonFactory(), PersonFactory()
    restriction_record(subject=restricted, restricted=True, reason="accuracy contested (art. 18(1)(a))", actor=staff)
    assert ids(purpose_read(purpose="lending", model=Person, fields=["id", "surname"], actor=staff)) == {keep.pk}
    assert restricted.pk in ids(purpose_read(purpose="storage", model=Person, fields=["id", "surname"], actor=staff))
    assert restricted.pk in ids(purpose_read(purpose="rights", model=Person, fields=["id", "surname"], actor=staff))
    restriction_record(subject=restricted, restricted=False, reason="corrected", actor=staff)
    assert restricted.pk in ids(purpose_read(purpose="lending", model=Person, fields=["id", "surname"], actor=staff))


def test_related_models_are_narrowed_through_their_subject(staff):
    objector = PersonFactory(emails=["o@example.nl"])
    keep = PersonFactory(emails=["k@example.nl"])
    objection_record(subject=objector, purpose="newsletter", objects=True, method="link", actor=staff)
    rows = purpose_read(purpose="newsletter", model=EmailAddress, fields=["person_id", "address"], actor=staff).list()
    assert rows == [{"person_id": keep.pk, "address": "k@example.nl"}]
    with pytest.raises(PurposeViolation):
        purpose_read(purpose="newsletter", model=EmailAddress, fields=["person__surname"], actor=staff)


def test_each_read_is_logged_without_personal_data(staff):
    PersonFactory(surname="Zwiers")
    PersonFactory()
    list(purpose_read(purpose="lending", model=Person, fields=["id", "surname"], actor=staff))
    entry = AuditEntry.objects.filter(action="privacy.read").get()
    assert entry.actor == f"user:{staff.pk}"
    assert entry.details == {
        "purpose": "lending",
        "model": "people.Person",
        "fields": ["id", "surname"],
        "count": 2,
        "how": "rows",
    }
    assert "Zwiers" not in str(entry.details)


def test_a_gated_read_is_one_query_plus_the_log(staff, django_assert_num_queries):
    for _ in range(5):
        PersonFactory()
    objection_record(subject=PersonFactory(), purpose="marketing_analysis", objects=True, method="desk", actor=staff)
    read = purpose_read(purpose="marketing_analysis", model=Person, fields=["id", "gender"], actor=staff)
    with django_assert_num_queries(2):  # the narrowed select, the audit insert
        assert len(read.list()) == 5


def test_a_guardian_consents_for_a_child(staff):
    parent = PersonFactory()
    child = PersonFactory(date_of_birth=dt.date.today() - dt.timedelta(days=365 * 9))
    family_relation_add(person=child, relative=parent, kind="guardian", actor=staff)
    consent_record(subject=child, purpose="notices_advice", given=True, method="desk", given_by=parent, actor=staff)
    assert ids(purpose_read(purpose="notices_advice", model=Person, fields=["id"], actor=staff)) == {child.pk}
