"""School subscriptions (S01): CSV import all-or-nothing with line numbers, the service's end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from kolk.library.models import Enrolment, MemberProfile, Subscription
from kolk.library.services.members import target_groups_refresh
from kolk.library.services.schools import pupils_import, school_create, school_service_end
from kolk.people.models import Person

pytestmark = pytest.mark.django_db

GOOD = """voornaam;tussenvoegsel;achternaam;geboortedatum;klas;leerjaar
Noor;de;Boer;2017-03-04;3b;3
Daan;;Smit;12-11-2016;4a;4
"""
BAD = """voornaam;tussenvoegsel;achternaam;geboortedatum;klas;leerjaar
Noor;de;Boer;2017-03-04;3b;3
;;Smit;2016-11-12;4a;4
Bram;;Kok;31-02-2016;4a;9
"""


@pytest.fixture
def school(staff):
    return school_create(name="obs De Kolk", brin="12AB", town="Assen", actor=staff, starts_on=dt.date(2025, 8, 1))


def test_import_creates_pupils_with_class_leerjaar_and_a_school_subscription(school, staff):
    result = pupils_import(school=school, text=GOOD, actor=staff)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    noor = Person.objects.get(given_name="Noor")
    assert noor.surname_prefix == "de"
    enrolment = Enrolment.objects.get(person=noor)
    assert (enrolment.class_name, enrolment.leerjaar) == ("3b", 3)
    assert Subscription.objects.get(person=noor).type.is_school
    assert MemberProfile.objects.get(person=noor).target_group == "pupil"
    again = pupils_import(school=school, text=GOOD.replace("3b;3", "4b;4"), actor=staff)
    assert (again.created, again.updated) == (0, 1)


def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(school, staff):
    result = pupils_import(school=school, text=BAD, actor=staff)
    assert len(result.errors) == 2
    assert result.errors[0].startswith("regel 3:")
    assert result.errors[1].startswith("regel 4:")
    assert "leerjaar" in result.errors[1]
    assert "geboortedatum" in result.errors[1]
    assert Person.objects.count() == 0  # the good first row was not imported either
    assert Enrolment.objects.count() == 0


def test_the_command_imports_and_refuses_bad_files(school, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text(BAD)
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("library", "import-school", str(bad), "--school", str(school.pk))
    assert Enrolment.objects.count() == 0
    call_command("library", "import-school", str(good), "--school", str(school.pk))
    assert Enrolment.objects.count() == 2


def test_ending_the_service_ends_the_pupils_subscriptions(school, staff):
    pupils_import(school=school, text=GOOD, actor=staff)
    service = school.services.get()
    school_service_end(service=service, ends_on=dt.date(2026, 7, 15), actor=staff)
    assert set(Subscription.objects.values_list("status", "ended_on", "end_reason")) == {
        ("ended", dt.date(2026, 7, 15), "school_ended")
    }
    target_groups_refresh(on=dt.date(2026, 7, 15))
    assert set(MemberProfile.objects.values_list("target_group", flat=True)) == {"pupil"}
    target_groups_refresh(on=dt.date(2026, 7, 16))
    assert set(MemberProfile.objects.values_list("target_group", flat=True)) == {"child"}
