"""The access package: complete by construction, explained per category."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from kolk.people.models import Person
from kolk.people.services import household_create
from kolk.privacy.access import access_package
from kolk.privacy.disclosure import disclose
from kolk.privacy.fieldmap import PrivacyMap
from kolk.privacy.ledger import consent_record
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory


def category(package: dict, key: str) -> dict:
    return next(c for c in package["categories"] if c["category"] == key)


@pytest.mark.django_db
def test_every_kind_of_data_with_purpose_basis_retention_and_recipients(staff, django_assert_max_num_queries):
    person = PersonFactory(emails=["a@example.nl"], phones=["0612345678"], with_pass=True)
    household_create(name="Familie Test", members=[person], actor=staff)
    consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=staff)
    from kolk.privacy.fieldmap import personal_models

    sources = sum(1 for _model, pmap in personal_models() if pmap.subject)
    with django_assert_max_num_queries(sources + 12):  # one query per source, a few for the explanations
        package = access_package(subject=person, actor=staff, lang="nl")
    held = {c["category"] for c in package["categories"]}
    assert {
        "name",
        "address",
        "email",
        "phone",
        "member_number",
        "birth_date",
        "family_relation",
        "privacy_choices",
    } <= held
    name = category(package, "name")
    assert {"field": "surname", "value": person.surname} in [
        {k: d[k] for k in ("field", "value")} for d in name["data"]
    ]
    assert "Uitvoering overeenkomst" in name["bases"]
    assert "L01" in name["statement_rows"]
    assert any(r["text"] == "5 jaar nadat jouw abonnement is opgezegd" for r in name["retention"])
    family = category(package, "family_relation")
    assert "Familie Test" in [d["value"] for d in family["data"]]
    address = category(package, "address")
    assert [r["recipient"] for r in address["recipients"]] == ["R07"]
    assert category(package, "privacy_choices")["in_statement"] is False
    assert package["choices"]["consents"] == {"notices_advice": True}
    assert AuditEntry.objects.filter(action="access.package").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_personal_field_appears_in_the_package_without_touching_the_package(staff):
    with isolate_apps("kolk.people"):

        class LockerRental(models.Model):
            person = models.ForeignKey(Person, on_delete=models.CASCADE)
            locker_code = models.CharField(max_length=10)

            privacy = PrivacyMap(subject="person", personal={"person": "member_number", "locker_code": "log_data"})

            class Meta:
                app_label = "people"

        with connection.schema_editor() as editor:
            editor.create_model(LockerRental)
        try:
            person = PersonFactory()
            LockerRental.objects.create(person=person, locker_code="K-17")
            from kolk.privacy import access

            original = access.personal_models
            access.personal_models = lambda: [*original(), (LockerRental, LockerRental.privacy)]
            try:
                package = access_package(subject=person, actor=staff)
            finally:
                access.personal_models = original
            assert {"source": "people.LockerRental", "field": "locker_code", "value": "K-17"} in [
                {k: d[k] for k in ("source", "field", "value")} for d in category(package, "log_data")["data"]
            ]
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(LockerRental)
