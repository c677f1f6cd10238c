"""`kolk privacy check` finds each promise broken in the database, names it with a count, and passes
once each is mended: an export or selection that takes an objector to a row it serves, a child in a
marketing export, a consent no guardian gave, a restriction request done without its restriction, a
retention rule that never runs, a person kept whole by a narrow hold."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.billing.models import Invoice
from kolk.billing.services import payment_record
from kolk.boxoffice.marketing import mosaic_export, profile_updated
from kolk.core.clock import now, today
from kolk.library.models import Fee
from kolk.library.services.members import subscription_end, subscription_start
from kolk.people.models import FamilyRelation, Person
from kolk.people.services import family_relation_add
from kolk.privacy import compliance, registry
from kolk.privacy.compliance import BROKEN, NOTE, run_checks
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import consent_record, objection_record, restriction_apply, restriction_record
from kolk.privacy.models import ChoiceKind, Disclosure, DisclosureItem, PrivacyChoice, RightsRequest
from kolk.privacy.retention import retention_run
from kolk.privacy.rights import request_receive
from tests.billing.factories import make_invoice
from tests.boxoffice import factories as f
from tests.boxoffice.test_privacy import buy
from tests.factories import PersonFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
YESTERDAY = today() - dt.timedelta(days=1)


def broken() -> list[str]:
    return [finding.message for finding in run_checks() if finding.level == BROKEN]


def one(messages: list[str], *words: str) -> str:
    found = [m for m in messages if all(word in m for word in words)]
    assert len(found) == 1, (words, messages)
    return found[0]


def old_mosaic_file(people: list[Person]) -> Disclosure:
    """A Mosaic file as kolk made it before exports honoured the rows they serve: everyone went."""
    disclosure = Disclosure.objects.create(
        recipient="R07", purpose="segmentation", model="people.Person", person_count=len(people), disclosed_at=now()
    )
    DisclosureItem.objects.bulk_create([DisclosureItem(disclosure=disclosure, subject=p) for p in people])
    return disclosure


def test_the_check_finds_each_broken_promise_and_passes_once_they_are_mended(staff, monkeypatch):
    show = f.show()
    adult, objector, child, guardian, restricted = (
        PersonFactory(),
        PersonFactory(),
        PersonFactory(date_of_birth=dt.date(2018, 3, 3)),
        PersonFactory(),
        PersonFactory(),
    )
    family_relation_add(person=child, relative=guardian, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
    for person in (adult, objector, child, restricted):
        buy(show, person)
    objection_record(subject=objector, purpose="direct_marketing", objects=True, method="desk", actor=staff)
    restriction_record(subject=restricted, restricted=True, reason="juistheid betwist", actor=staff)
    mosaic_export(actor=staff, since=YESTERDAY)
    out = io.StringIO()
    call_command("privacy", "check", stdout=out)
    assert "every promise of the privacy statement is kept" in out.getvalue()

    # Seeded: what kolk let happen before, or what a query past the gate does.
    old_mosaic_file([adult, objector, child])
    monkeypatch.setitem(
        compliance._selections,
        "a profile list by hand",
        compliance.Selection("a profile list by hand", "direct_marketing", lambda: Person.objects.values("pk")),
    )
    request = request_receive(subject=adult, kind="restriction", channel="desk", actor=staff)
    RightsRequest.objects.filter(pk=request.pk).update(status="done", closed_at=now())
    PrivacyChoice.objects.create(
        subject=child, kind=ChoiceKind.CONSENT, purpose="notices_advice", decision=True, method="web", recorded_at=now()
    )
    events = dict(registry.registrations.events)
    monkeypatch.delitem(registry.registrations.events, "profile_updated")
    kept_whole = former_member_with_one_invoice()

    messages = broken()
    assert "D06" in one(
        messages, "R07 The Alignment House", "serves B03, T03, P01", "1 people went out while objecting"
    )
    assert "2018" not in "".join(messages)  # counts, never a person's data
    one(messages, "R07 The Alignment House", "1 people under 16 are in the latest file")
    selection = [m for m in messages if "a profile list by hand" in m]
    assert any("D06" in m and "would take 1 people who object" in m for m in selection)
    assert any("would take 1 people under 16" in m for m in selection)
    assert any("art. 18" in m and "would take 1 people whose processing is restricted" in m for m in selection)
    one(messages, "art. 18", "1 restriction requests were closed as done with no restriction applied")
    one(messages, "L13 (notices_advice)", "1 people under 16 are processed on a consent no parent or guardian gave")
    one(messages, "rule 'profiling'", "never runs", "profile_updated")
    one(messages, "retention: 1 people are kept whole by a narrow hold", "invoice_settled (fiscal)")
    with pytest.raises(CommandError, match="broken"):
        call_command("privacy", "check", stdout=io.StringIO())

    # Mended, from what the pages and commands do.
    mosaic_export(actor=staff, since=YESTERDAY)  # the next file, which leaves them out
    monkeypatch.setitem(
        compliance._selections,
        "a profile list by hand",
        compliance.Selection(
            "a profile list by hand",
            "direct_marketing",
            lambda: purpose_read(purpose="direct_marketing", model=Person, fields=["pk"], actor=None).narrowed.values(
                "pk"
            ),
        ),
    )
    restriction_apply(subject=adult, reason="verwerking onrechtmatig", request=request, actor=staff)
    consent_record(subject=child, purpose="notices_advice", given=True, method="paper", given_by=guardian, actor=staff)
    monkeypatch.setattr(registry.registrations, "events", events)
    retention_run(actor=staff)  # the daily run: the former member keeps only the invoice, name and address
    assert not kept_whole.emails.exists()
    assert broken() == []
    notes = [finding.message for finding in run_checks() if finding.level == NOTE]
    assert any("went out in earlier files while objecting" in m for m in notes)
    assert any("under 16 were in earlier files" in m for m in notes)
    out = io.StringIO()
    call_command("privacy", "check", stdout=out)
    assert "every promise of the privacy statement is kept" in out.getvalue()


def former_member_with_one_invoice() -> Person:
    """Kept whole as kolk kept them before holds had a scope: past the five years of the library,
    with one invoice of four years ago under the fiscal duty, an email and a phone."""
    person = PersonFactory(emails=["oud@example.nl"], phones=["0612345678"])
    subscription = subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True, started_on=dt.date(2012, 1, 1)
    )
    subscription_end(subscription=subscription, actor=None, on=today() - dt.timedelta(days=6 * 365))
    Fee.objects.filter(person=person).update(status=Fee.Status.PAID)
    invoice = make_invoice(person)
    payment_record(invoice=invoice, amount_cents=invoice.total_cents, method="cash", reference="OUD", actor=None)
    Invoice.objects.filter(pk=invoice.pk).update(closed_year_end=dt.date(today().year - 4, 12, 31))
    return person


def test_a_childs_withdrawn_or_guardian_given_consent_is_no_finding(staff):
    child, guardian = PersonFactory(date_of_birth=dt.date(2017, 1, 1)), PersonFactory()
    family_relation_add(person=child, relative=guardian, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
    PrivacyChoice.objects.create(
        subject=child, kind=ChoiceKind.CONSENT, purpose="website_access", decision=True, method="web", recorded_at=now()
    )
    assert any("website_access" in m for m in broken())
    consent_record(subject=child, purpose="website_access", given=False, method="web", given_by=guardian, actor=None)
    assert broken() == []


def test_the_profiling_rule_starts_on_the_day_a_person_was_last_in_a_profile(staff):
    show = f.show()
    buyer, never = PersonFactory(), PersonFactory()
    buy(show, buyer)
    buy(show, never)
    objection_record(subject=never, purpose="direct_marketing", objects=True, method="web", actor=None)
    mosaic_export(actor=staff, since=YESTERDAY)
    assert list(profile_updated()) == [{"subject_id": buyer.pk, "event_date": today()}]
    assert "profile_updated" in registry.registered_events()


def test_a_selection_for_a_consent_purpose_that_takes_people_without_consent_is_found(monkeypatch):
    consenting, other = PersonFactory(), PersonFactory()
    consent_record(subject=consenting, purpose="notices_advice", given=True, method="desk", actor=None)
    by_hand = compliance.Selection("reading advice by hand", "notices_advice", lambda: Person.objects.values("pk"))
    monkeypatch.setitem(compliance._selections, by_hand.name, by_hand)
    one(broken(), "L13 reading advice by hand (notices_advice)", "would take 1 people without their consent")
    gated = compliance.Selection(
        by_hand.name,
        "notices_advice",
        lambda: purpose_read(purpose="notices_advice", model=Person, fields=["pk"], actor=None).narrowed.values("pk"),
    )
    monkeypatch.setitem(compliance._selections, by_hand.name, gated)
    assert broken() == []
    assert other.pk not in set(gated.subjects().values_list("pk", flat=True))


def test_the_check_names_whom_no_rule_will_ever_erase_by_customer_number():
    from tests.factories import PersonFactory

    nobody = PersonFactory()
    gaps = [f.message for f in run_checks() if f.check == "retention" and "no rule will ever erase" in f.message]
    assert gaps
    assert f"customer number: {nobody.customer_number}" in gaps[0]
