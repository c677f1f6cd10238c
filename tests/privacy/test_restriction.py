"""Restriction of processing (GDPR art. 18): applied and lifted from the person's request, with a reason
and an end date, in effect at once; a restriction request is not done without it."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.core.clock import today
from kolk.core.errors import Invalid, KolkError
from kolk.people.models import Person
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import choices_of, is_restricted, restricted_ids, restriction_apply, restriction_lift
from kolk.privacy.models import AuditEntry, Restriction, RightsRequest
from kolk.privacy.rights import request_close, request_receive, restriction_requests_done_without
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def marketing_ids() -> set[int]:
    read = purpose_read(purpose="marketing_analysis", model=Person, fields=["id", "postcode"], actor=None)
    return {row["id"] for row in read}


def test_a_restriction_from_the_request_takes_effect_at_once_and_is_lifted(staff, person):
    other = PersonFactory()
    request = request_receive(subject=person, kind="restriction", channel="portal", actor=None)
    record = restriction_apply(
        subject=person, reason="juistheid betwist", until=today() + dt.timedelta(days=30), request=request, actor=staff
    )
    assert (record.request, record.recorded_by, record.restricted) == (request, staff, True)
    assert marketing_ids() == {other.pk}
    state = choices_of(person)
    assert state["restricted"]
    assert state["restriction"].until == today() + dt.timedelta(days=30)
    entry = AuditEntry.objects.filter(action="restriction.set").latest("pk")
    assert entry.details["request"] == request.pk
    restriction_lift(subject=person, reason="gegevens gecorrigeerd", request=request, actor=staff)
    assert marketing_ids() == {person.pk, other.pk}
    assert not is_restricted(person)
    with pytest.raises(KolkError, match="niet beperkt"):
        restriction_lift(subject=person, reason="nog eens", actor=staff)


def test_a_restriction_runs_out_after_its_end_date(staff, person):
    Restriction.objects.create(
        subject=person,
        restricted=True,
        reason="tijdelijk",
        until=today() - dt.timedelta(days=1),
        recorded_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert not is_restricted(person)
    assert not restricted_ids().exists()
    restriction_apply(subject=person, reason="tot en met vandaag", until=today(), actor=staff)
    assert list(restricted_ids().values_list("subject_id", flat=True)) == [person.pk]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"reason": "verzoek", "until": dt.date(2001, 1, 1)}, "until"),
    ],
)
def test_a_restriction_needs_a_reason_and_a_date_to_come(staff, person, values, field):
    with pytest.raises(Invalid) as caught:
        restriction_apply(subject=person, actor=staff, **values)
    assert field in caught.value.fields
    assert not Restriction.objects.exists()


def test_a_restriction_answers_only_its_own_persons_restriction_request(staff, person):
    other = PersonFactory()
    access = request_receive(subject=person, kind="explanation", channel="portal", actor=None)
    theirs = request_receive(subject=other, kind="restriction", channel="portal", actor=None)
    for request in (access, theirs):
        with pytest.raises(KolkError):
            restriction_apply(subject=person, reason="verzoek", request=request, actor=staff)
    assert not Restriction.objects.exists()


def test_a_restriction_request_is_not_done_without_its_restriction(staff, person):
    request = request_receive(subject=person, kind="restriction", channel="desk", actor=staff)
    with pytest.raises(KolkError) as caught:
        request_close(request=request, done=True, outcome="beperkt", actor=staff)
    assert caught.value.code == "restriction_required"
    assert RightsRequest.objects.get(pk=request.pk).status == "open"
    # Refusing it needs no restriction; doing it needs the effect.
    restriction_apply(subject=person, reason="onrechtmatig gebruik betwist", request=request, actor=staff)
    request_close(request=request, done=True, outcome="beperkt", actor=staff)
    assert RightsRequest.objects.get(pk=request.pk).status == "done"
    assert not restriction_requests_done_without().exists()
    refused = request_receive(subject=person, kind="restriction", channel="desk", actor=staff)
    request_close(request=refused, done=False, outcome="geen grond", actor=staff)
    assert not restriction_requests_done_without().exists()
