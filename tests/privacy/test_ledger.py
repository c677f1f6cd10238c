"""The ledger: immutable records, derived state, a guardian for under-16s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kolk.core.errors import KolkError
from kolk.privacy.ledger import choices_of, consent_record, has_consent, is_objecting, objection_record
from kolk.privacy.models import PrivacyChoice
from kolk.privacy.register import get_register
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def child_and_parent(staff):
    from kolk.people.services import family_relation_add

    parent = PersonFactory()
    child = PersonFactory(date_of_birth=dt.date.today() - dt.timedelta(days=365 * 12))
    family_relation_add(person=child, relative=parent, kind="guardian", actor=staff)
    return child, parent


def test_consent_records_the_exact_text_version_and_how(staff, person):
    record = consent_record(subject=person, purpose="notices_advice", given=True, method="desk", lang="en", actor=staff)
    text = get_register().consent_texts["notices_advice"]
    assert record.text_version == text.version_tag("en")
    assert record.text_version.startswith("notices_advice@2018-07-23/en/")
    assert record.recorded_by == staff
    assert record.method == "desk"
    assert has_consent(person, "notices_advice")


def test_records_are_immutable(staff, person):
    record = consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    record.decision = False
    with pytest.raises(TypeError):
        record.save()


def test_state_is_the_latest_record(staff, person):
    consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    consent_record(subject=person, purpose="notices_advice", given=False, method="web", actor=staff)
    objection_record(subject=person, purpose="offers", channel="email", objects=True, method="link", actor=staff)
    state = choices_of(person)
    assert state["consents"] == {"notices_advice": False}
    assert state["objections"] == {("offers", "email"): True}
    assert not has_consent(person, "notices_advice")
    assert is_objecting(person, "offers", "email")
    assert not is_objecting(person, "offers", "phone")
    assert PrivacyChoice.objects.filter(subject=person).count() == 3


def test_a_child_cannot_consent_alone(staff):
    child, parent = child_and_parent(staff)
    with translation.override("nl"), pytest.raises(KolkError) as caught:
        consent_record(subject=child, purpose="notices_advice", given=True, method="web", actor=staff)
    assert "ouder of voogd" in str(caught.value)
    stranger = PersonFactory()
    with pytest.raises(KolkError):
        consent_record(
            subject=child, purpose="notices_advice", given=True, method="desk", given_by=stranger, actor=staff
        )
    record = consent_record(
        subject=child, purpose="notices_advice", given=True, method="desk", given_by=parent, actor=staff
    )
    assert record.given_by == parent
    assert PrivacyChoice.objects.filter(subject=child).count() == 1


def test_withdrawal_needs_no_guardian(staff):
    child, parent = child_and_parent(staff)
    consent_record(subject=child, purpose="notices_advice", given=True, method="desk", given_by=parent, actor=staff)
    consent_record(subject=child, purpose="notices_advice", given=False, method="web", actor=staff)
    assert not has_consent(child, "notices_advice")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p, s: consent_record(subject=p, purpose="lending", given=True, method="web", actor=s), "toestemming"),
        (lambda p, s: objection_record(subject=p, purpose="invoicing", objects=True, method="web", actor=s), "bezwaar"),
        (
            lambda p, s: objection_record(
                subject=p, purpose="offers", channel="fax", objects=True, method="web", actor=s
            ),
            "kanaal",
        ),
        (
            lambda p, s: consent_record(subject=p, purpose="notices_advice", given=True, method="pigeon", actor=s),
            "manier",
        ),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_written(staff, person, call, message):
    with translation.override("nl"), pytest.raises(KolkError) as caught:
        call(person, staff)
    assert message in str(caught.value).lower()
    assert not PrivacyChoice.objects.exists()
