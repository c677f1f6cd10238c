"""Every field of every model declares a category; an undeclared one fails the check."""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from kolk.privacy.checks import field_map_errors
from kolk.privacy.fieldmap import NOT_PERSONAL, PrivacyMap, category_of, personal_models


def test_the_whole_project_is_declared():
    assert field_map_errors(apps.get_models()) == []
    assert [e for e in checks.run_checks() if e.id and e.id.startswith("kolk.privacy")] == []


def test_person_fields_carry_their_categories():
    person = apps.get_model("people", "Person")
    assert category_of(person, "surname") == "name"
    assert category_of(person, "postcode") == "address"
    assert category_of(person, "date_of_birth") == "birth_date"
    assert category_of(person, "created_at") == NOT_PERSONAL
    assert person in [m for m, _ in personal_models()]


@isolate_apps("kolk.people")
def test_a_model_with_an_undeclared_field_fails_the_check():
    class Locker(models.Model):
        number = models.IntegerField()
        holder_name = models.CharField(max_length=50)

        privacy = PrivacyMap(subject=None, not_personal=["number"])

        class Meta:
            app_label = "people"

    errors = field_map_errors([Locker])
    assert [e.id for e in errors] == ["kolk.privacy.E002"]
    assert "people.Locker.holder_name" in errors[0].msg


@isolate_apps("kolk.people")
def test_a_model_without_a_map_fails_and_lists_its_fields():
    class Note(models.Model):
        text = models.TextField()

        class Meta:
            app_label = "people"

    (error,) = field_map_errors([Note])
    assert "no privacy map" in error.msg
    assert "text" in error.msg


@isolate_apps("kolk.people")
def test_an_unknown_category_and_a_stale_name_fail():
    class Card(models.Model):
        colour = models.CharField(max_length=10)

        privacy = PrivacyMap(subject=None, personal={"colour": "favourite_colour", "gone": "name"})

        class Meta:
            app_label = "people"

    messages = [e.msg for e in field_map_errors([Card])]
    assert any("unknown category 'favourite_colour'" in m for m in messages)
    assert any("'gone', which is not one of its fields" in m for m in messages)
