"""The access package: complete by construction, explained per category."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid

import pytest
from django.apps import apps
from django.db import connection, models

from kolk.billing.services.accounts import bank_account_set
from kolk.people.models import Person
from kolk.people.services import household_create
from kolk.privacy import access, fieldmap
from kolk.privacy.access import access_package, values_of
from kolk.privacy.disclosure import disclose
from kolk.privacy.fieldmap import PrivacyMap, personal_models
from kolk.privacy.ledger import consent_record
from kolk.privacy.models import AuditEntry
from kolk.web.models import PortalEvent
from kolk.web.services import portal_event_record
from tests.factories import PersonFactory


def category(package: dict, key: str) -> dict:
    return next(c for c in package["categories"] if c["category"] == key)


@pytest.mark.django_db
def test_every_kind_of_data_with_purpose_basis_retention_and_recipients(staff, django_assert_max_num_queries):
    person = PersonFactory(emails=["a@example.nl"], phones=["0612345678"], with_pass=True)
    household_create(name="Familie Test", members=[person], actor=staff)
    consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=staff)

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
    assert ("surname", person.surname) in [(field, value) for _s, _r, field, value in values_of(name)]
    assert "Uitvoering overeenkomst" in name["bases"]
    assert "L01" in name["statement_rows"]
    assert any(r["text"] == "5 jaar nadat jouw abonnement is opgezegd" for r in name["retention"])
    family = category(package, "family_relation")
    assert "Familie Test" in [value for *_, value in values_of(family)]
    address = category(package, "address")
    assert [r["recipient"] for r in address["recipients"]] == ["R07"]
    assert category(package, "privacy_choices")["in_statement"] is False
    assert package["choices"]["consents"] == {"notices_advice": True}
    assert AuditEntry.objects.filter(action="access.package").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_personal_field_appears_in_the_package_without_touching_the_package(staff):
    """A model added to an installed app is found by the field map's own discovery: nothing is patched."""

    class LockerRental(models.Model):
        person = models.ForeignKey(Person, on_delete=models.CASCADE)
        locker_code = models.CharField(max_length=10)

        privacy = PrivacyMap(subject="person", personal={"person": "member_number", "locker_code": "log_data"})

        class Meta:
            app_label = "people"

    try:
        assert LockerRental in [model for model, _pmap in personal_models()]
        with connection.schema_editor() as editor:
            editor.create_model(LockerRental)
        try:
            person = PersonFactory()
            LockerRental.objects.create(person=person, locker_code="K-17")
            package = access_package(subject=person, actor=staff)
            assert ("people.LockerRental", "locker_code", "K-17") in [
                (source, field, value) for source, _record, field, value in values_of(category(package, "log_data"))
            ]
            assert {"source": "people.LockerRental", "rows": 1} in package["sources"]
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(LockerRental)
    finally:
        # Out of the app registry and the field map again, so no later test sees it.
        del apps.all_models["people"]["lockerrental"]
        apps.clear_cache()
        fieldmap._registry.pop("people.lockerrental", None)
        for key in [key for key in access._parts if key[-1] is LockerRental]:
            del access._parts[key]


def _as_read(value):
    """A value as the ORM reads it, in the package's JSON form."""
    if isinstance(value, dt.date):  # datetimes too: isoformat() as Python writes it
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


@pytest.mark.django_db
def test_the_data_is_a_table_per_source_with_every_value_as_the_record_holds_it(staff):
    person = PersonFactory(emails=["b@example.nl"], phones=["0687654321"], with_pass=True)
    bank_account_set(person=person, iban="NL91ABNA0417164300", holder_name="B. de Vries", actor=staff)
    portal_event_record(person=person, action="login", ip_address="192.0.2.7", actor=staff)
    whole = portal_event_record(person=person, action="download", ip_address=None, actor=staff)
    PortalEvent.objects.filter(pk=whole.pk).update(at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    package = access_package(subject=person, actor=staff)
    seen = set()
    for category in package["categories"]:
        for table in category["data"]:
            model = apps.get_model(table["source"])
            assert table["fields"][0] == "record"
            records = [row[0] for row in table["rows"]]
            assert len(records) == len(set(records)), "one row per record"
            held = {obj.pk: obj for obj in model._default_manager.filter(pk__in=records)}
            for record, *values in table["rows"]:
                assert len(values) == len(table["fields"]) - 1
                for name, value in zip(table["fields"][1:], values, strict=True):
                    attname = model._meta.get_field(name).attname
                    assert value == _as_read(getattr(held[record], attname)), (table["source"], name)
                    seen.add((table["source"], name, value))
    assert ("billing.BankAccount", "iban", "NL91ABNA0417164300") in seen  # decrypted, as the ORM reads it
    assert ("web.PortalEvent", "at", "2026-03-01T09:30:00+00:00") in seen
    assert any(source == "web.PortalEvent" and name == "at" and "." in str(value) for source, name, value in seen)
