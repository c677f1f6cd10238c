"""Rights requests with deadlines and the D07 identity rule; the compliance check."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.core.errors import KolkError
from kolk.people.models import Person
from kolk.privacy import registry, retention
from kolk.privacy.compliance import BROKEN, run_checks
from kolk.privacy.disclosure import disclose
from kolk.privacy.ledger import objection_record
from kolk.privacy.models import Disclosure, DisclosureItem, RightsRequest
from kolk.privacy.rights import request_close, request_extend, request_identity_seen, request_receive, requests_due
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_access_at_the_desk_needs_the_id_seen_and_records_who_saw_it(staff, person):
    request = request_receive(
        subject=person, kind="access", channel="letter", actor=staff, received_on=dt.date(2026, 1, 31)
    )
    assert request.due_on == dt.date(2026, 2, 28)
    with pytest.raises(KolkError, match="legitimeren"):
        request_close(request=request, done=True, outcome="package handed over", actor=staff)
    request_identity_seen(request=request, method="id_card", actor=staff)
    request.refresh_from_db()
    assert request.identity_seen_by == staff
    assert request.identity_method == "id_card"
    request_close(request=request, done=True, outcome="package handed over", actor=staff)
    assert RightsRequest.objects.get().status == "done"


def test_a_portal_request_needs_no_second_check(staff, person):
    """Signed in to the portal is identified: an access request closes as done with no identity seen."""
    request = request_receive(subject=person, kind="access", channel="portal", actor=None)
    request_close(request=request, done=True, outcome="downloaded", actor=None)
    closed = RightsRequest.objects.get(pk=request.pk)
    assert (closed.status, closed.outcome) == ("done", "downloaded")
    assert closed.closed_at is not None
    assert (closed.identity_seen_by, closed.identity_seen_at, closed.identity_method) == (None, None, "")
    # The same request by letter is refused without the check: the portal is what spares it.
    letter = request_receive(subject=person, kind="access", channel="letter", actor=staff)
    with pytest.raises(KolkError, match="legitimeren"):
        request_close(request=letter, done=True, outcome="package handed over", actor=staff)
    assert RightsRequest.objects.get(pk=letter.pk).status == "open"


def test_identity_is_only_seen_at_the_desk(staff, person):
    with pytest.raises(KolkError):
        request_receive(subject=person, kind="erasure", channel="email", identity_method="passport", actor=staff)
    with pytest.raises(KolkError):
        request_receive(subject=person, kind="erasure", channel="desk", identity_method="photocopy", actor=staff)
    assert not RightsRequest.objects.exists()


def test_one_extension_of_two_months_with_a_reason(staff, person):
    request = request_receive(subject=person, kind="erasure", channel="desk", identity_method="passport", actor=staff)
    with pytest.raises(KolkError):
        request_extend(request=request, reason="  ", actor=staff)
    request_extend(request=request, reason="many partners to inform", actor=staff)
    assert request.deadline == request.extended_to
    assert (request.extended_to - request.due_on).days in range(59, 63)
    with pytest.raises(KolkError):
        request_extend(request=request, reason="again", actor=staff)


def test_requests_due_soonest_first(staff):
    late = request_receive(
        subject=PersonFactory(), kind="access", channel="email", actor=staff, received_on=dt.date(2020, 1, 1)
    )
    request_receive(subject=PersonFactory(), kind="access", channel="email", actor=staff)
    assert list(requests_due(7)) == [late]


def test_an_open_request_holds_retention(staff, person, monkeypatch):
    from django.db.models import F, Max
    from django.db.models.functions import TruncDate

    monkeypatch.setattr(registry.registrations, "events", {})
    registry.register_event(
        "subscription_ended",
        lambda: Person.objects.values(subject_id=F("pk")).annotate(event_date=Max(TruncDate("created_at"))),
    )
    without = PersonFactory()  # the same date, no request: goes in the same run
    request = request_receive(subject=person, kind="access", channel="email", actor=staff)
    retention.retention_run(actor=staff, on=dt.date(2040, 1, 1))
    assert list(Person.objects.values_list("pk", flat=True)) == [person.pk]
    assert not Person.objects.filter(pk=without.pk).exists()
    # The hold is the open request: once it is closed, the next run lets the person go.
    request_close(request=request, done=False, outcome="no longer wanted", actor=staff)
    retention.retention_run(actor=staff, on=dt.date(2040, 1, 1))
    assert not Person.objects.exists()


def test_the_check_passes_on_a_kept_promise_and_fails_on_a_broken_one(staff):
    keep, objector = PersonFactory(), PersonFactory()
    objection_record(subject=objector, purpose="segmentation", objects=True, method="desk", actor=staff)
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=staff)
    assert [f for f in run_checks() if f.level == BROKEN] == []
    out = io.StringIO()
    call_command("privacy", "check", stdout=out)
    assert "every promise of the privacy statement is kept" in out.getvalue()
    # Someone bypasses the disclosure function: an objector's data goes out, to an unlisted party.
    rogue = Disclosure.objects.create(
        recipient="ACME", purpose="segmentation", disclosed_at=keep.created_at.replace(year=2030)
    )
    DisclosureItem.objects.create(disclosure=rogue, subject=objector)
    messages = [f.message for f in run_checks() if f.level == BROKEN]
    assert any("outside the statement" in m for m in messages)
    assert any("while objecting" in m for m in messages)
    with pytest.raises(CommandError, match="broken"):
        call_command("privacy", "check", stdout=io.StringIO())


def test_the_check_names_the_statements_own_gaps():
    gaps = [f.message for f in run_checks() if f.level == "gap"]
    assert any("fiscal" in g and "art. 52 AWR" in g for g in gaps)
    assert any("privacy_choices" in g for g in gaps)


def test_erasure_is_itemised_and_refused_while_a_hold_stands(staff, monkeypatch):
    from kolk.privacy.register import Text
    from kolk.privacy.rights import erasure_execute, erasure_plan

    person = PersonFactory()
    other = PersonFactory()
    monkeypatch.setattr(registry.registrations, "holds", dict(registry.registrations.holds))
    registry.register_hold(
        "unpaid",
        lambda: Person.objects.filter(pk=other.pk).values("pk"),
        Text("onbetaalde factuur", "unpaid invoice"),
        scope=registry.WHOLE,
    )
    request = request_receive(subject=person, kind="erasure", channel="desk", identity_method="passport", actor=staff)
    plan = erasure_plan(person)
    assert "people.Person" in plan["erase_now"]
    assert plan["kept"] == []
    held_request = request_receive(
        subject=other, kind="erasure", channel="desk", identity_method="passport", actor=staff
    )
    assert erasure_plan(other)["kept"][0]["why"] == "onbetaalde factuur"
    with pytest.raises(KolkError, match="onbetaalde factuur"):
        erasure_execute(request=held_request, actor=staff)
    erasure_execute(request=request, actor=staff)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert Person.objects.filter(pk=other.pk).exists()


def test_a_correction_names_the_partners_that_must_hear_of_it(staff, person):
    from kolk.privacy.rights import corrections_to_pass_on

    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode", "date_of_birth"], actor=staff)
    partners = corrections_to_pass_on(person, {"address"})
    assert [(p["recipient"], p["categories"]) for p in partners] == [("R07", ["address"])]
    assert corrections_to_pass_on(person, {"email"}) == []
