"""The library's retention events, keep and hold, as the retention engine sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.library.models import Fee
from kolk.library.privacy import school_service_ended, subscription_ended
from kolk.library.services.members import subscription_end, subscription_start
from kolk.library.services.schools import pupils_import, school_create, school_service_end
from kolk.privacy.registry import registered_events
from kolk.privacy.retention import due_subjects
from tests.factories import PersonFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
ENDED = dt.date(2019, 6, 30)


def test_the_library_registers_its_events():
    assert {"subscription_ended", "school_service_ended"} <= registered_events()


def test_subscription_ended_starts_the_five_years(staff):
    gone, staying = PersonFactory(), PersonFactory()
    for person in (gone, staying):
        sub = subscription_start(
            person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, started_on=dt.date(2015, 1, 1)
        )
        subscription_end(subscription=sub, actor=staff, on=ENDED, reason="moved")
    Fee.objects.filter(person__in=[gone, staying]).update(status="paid")
    subscription_start(person=staying, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)  # back again
    assert {(r["subject_id"], r["event_date"]) for r in subscription_ended()} == {(gone.pk, ENDED), (staying.pk, ENDED)}
    due = set(due_subjects(dt.date(2024, 7, 1)).values_list("pk", flat=True))
    assert gone.pk in due
    assert staying.pk not in due  # kept: a subscription runs again
    assert gone.pk not in set(due_subjects(dt.date(2024, 6, 1)).values_list("pk", flat=True))


def test_an_open_fee_holds_the_person(staff):
    person = PersonFactory()
    sub = subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, started_on=dt.date(2015, 1, 1)
    )
    subscription_end(subscription=sub, actor=staff, on=ENDED)
    assert Fee.objects.filter(person=person, status="open").exists()
    assert person.pk not in set(due_subjects(dt.date(2025, 1, 1)).values_list("pk", flat=True))


def test_school_service_ended_starts_three_months(staff):
    school = school_create(name="cbs De Brug", brin="34CD", actor=staff, starts_on=dt.date(2020, 8, 1))
    pupils_import(
        school=school, text="voornaam;achternaam;geboortedatum;klas;leerjaar\nSem;Mulder;2014-02-02;5a;5\n", actor=staff
    )
    school_service_end(service=school.services.get(), ends_on=dt.date(2025, 7, 15), actor=staff)
    rows = list(school_service_ended())
    assert [r["event_date"] for r in rows] == [dt.date(2025, 7, 15)]
    pupil = rows[0]["subject_id"]
    assert pupil in set(due_subjects(dt.date(2025, 10, 16)).values_list("pk", flat=True))
    assert pupil not in set(due_subjects(dt.date(2025, 10, 14)).values_list("pk", flat=True))
