"""Disclosures: only to listed recipients, only their data, objectors left out, all recorded."""

from __future__ import annotations

import pytest
from django.db import transaction

from kolk.people.models import Person
from kolk.privacy.disclosure import (
    DisclosureRefused,
    disclose,
    disclose_aggregate,
    legal_demand_release,
    recipients_of,
)
from kolk.privacy.ledger import objection_record
from kolk.privacy.models import AuditEntry, Disclosure, DisclosureItem, LegalDemand
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_an_unlisted_recipient_is_refused_and_the_refusal_is_logged(staff):
    PersonFactory()
    with pytest.raises(DisclosureRefused, match="niet in de privacyverklaring"):
        disclose(
            recipient="ACME Data Brokers", purpose="marketing_statistics", model=Person, fields=["id"], actor=staff
        )
    assert not Disclosure.objects.exists()
    assert AuditEntry.objects.filter(action="disclosure.refused").count() == 1


def test_a_recipient_gets_only_its_purposes_and_categories(staff):
    PersonFactory()
    with pytest.raises(DisclosureRefused):
        disclose(recipient="R06", purpose="segmentation", model=Person, fields=["pass_number"], actor=staff)
    with pytest.raises(DisclosureRefused, match="surname"):
        disclose(recipient="R06", purpose="music_film", model=Person, fields=["surname"], actor=staff)
    assert not Disclosure.objects.exists()


def test_mosaic_export_leaves_objectors_out_and_records_each_person(staff):
    keep, objector = PersonFactory(), PersonFactory()
    objection_record(subject=objector, purpose="segmentation", objects=True, method="desk", actor=staff)
    record, rows = disclose(
        recipient="R07", purpose="segmentation", model=Person, fields=["postcode", "date_of_birth"], actor=staff
    )
    assert rows == [{"postcode": keep.postcode, "date_of_birth": keep.date_of_birth}]
    assert list(DisclosureItem.objects.values_list("subject_id", flat=True)) == [keep.pk]
    assert record.person_count == 1
    assert recipients_of(keep) == [record]
    assert recipients_of(objector) == []


def test_aggregate_only_recipients_get_counts_never_people(staff):
    with pytest.raises(DisclosureRefused, match="aantallen"):
        disclose(recipient="R03", purpose="loan_statistics", model=Person, fields=["id"], actor=staff)
    record = disclose_aggregate(recipient="R03", purpose="loan_statistics", counts={"loans_2026_10": 1234}, actor=staff)
    assert record.aggregate == {"loans_2026_10": 1234}
    assert not DisclosureItem.objects.exists()


def test_a_legal_demand_is_recorded_before_anything_is_released(staff):
    suspect = PersonFactory()
    with pytest.raises(DisclosureRefused), transaction.atomic():
        legal_demand_release(
            authority="Politie Drenthe",
            legal_ground="",
            officer_reference="PD-1",
            model=Person,
            fields=["surname"],
            queryset=Person.objects.filter(pk=suspect.pk),
            actor=staff,
        )
    assert not LegalDemand.objects.exists()
    record, rows = legal_demand_release(
        authority="Politie Drenthe",
        legal_ground="art. 126nd Wetboek van Strafvordering",
        officer_reference="PD-2026-0042",
        model=Person,
        fields=["surname", "street"],
        queryset=Person.objects.filter(pk=suspect.pk),
        actor=staff,
    )
    assert rows == [{"surname": suspect.surname, "street": suspect.street}]
    assert record.legal_demand.officer_reference == "PD-2026-0042"
    assert record.recipient == "LEGAL"
