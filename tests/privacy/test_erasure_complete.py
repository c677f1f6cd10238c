"""Erasing a person leaves no copy behind: anonymise rules apply at once, hooks clean the rest."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from kolk.boxoffice.models import Order
from kolk.people.models import Household, Person
from kolk.people.services import household_create
from kolk.privacy.models import ErasureLog
from kolk.privacy.rights import erasure_execute, request_receive
from tests.boxoffice.factories import checked_out, show
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_an_erasure_on_request_leaves_no_copy(staff, settings, tmp_path):
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure.jsonl")
    person = PersonFactory(surname="Vermeulen")
    household_create(name="Familie Vermeulen", members=[person], actor=staff)
    order = checked_out(show(capacity=50))
    Order.objects.filter(pk=order.pk).update(person=person, buyer_name="Piet Vermeulen")
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr="Piet Vermeulen",
        action_flag=CHANGE,
    )
    request = request_receive(subject=person, kind="erasure", channel="desk", identity_method="passport", actor=staff)
    erasure_execute(request=request, actor=staff)
    order.refresh_from_db()
    assert order.person is None
    assert order.anonymised
    assert "Vermeulen" not in f"{order.buyer_name} {order.buyer_email}"
    assert not LogEntry.objects.filter(object_repr__contains="Vermeulen").exists()
    assert not Household.objects.filter(name__contains="Vermeulen").exists()
    assert ErasureLog.objects.filter(subject_pk=person.pk, reason="request").exists()
