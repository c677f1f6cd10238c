"""A hold keeps only what it needs: a former member with one invoice under the fiscal duty keeps the
invoice with the name and address on it; their email, phone, birth date, login, household and loans
go on their own dates. Each hold's scope, and `kolk privacy check` finding a person kept whole."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kolk.billing.models import Invoice, InvoiceLine, Payment
from kolk.billing.services import payment_record
from kolk.library.models import Fee, Loan, LoanCount, MemberProfile, Subscription
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_end, subscription_start
from kolk.people.models import EmailAddress, FamilyRelation, Household, Person, PhoneNumber, User
from kolk.people.services import family_relation_add, household_create, user_create
from kolk.privacy import registry, retention
from kolk.privacy.compliance import BROKEN, run_checks
from kolk.privacy.ledger import consent_record
from kolk.privacy.models import ErasureLog, PrivacyChoice
from kolk.privacy.rights import request_receive
from tests.billing.factories import make_invoice
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
ENDED = dt.date(2020, 6, 30)  # the subscription ended five years before ON
ON = dt.date(2025, 7, 1)
SETTLED = dt.date(2021, 12, 31)  # the invoice of 2021: under the fiscal duty until the end of 2028


@pytest.fixture(autouse=True)
def erasure_log(settings, tmp_path):
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure.jsonl")


def former_member(username: str = "oudlid", *, fee_paid: bool = True) -> Person:
    """A member from 2015 to ENDED with everything a member leaves: email, phone, birth date, a login,
    a household, a child they are guardian of, loans and their monthly counts, a consent."""
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    person = PersonFactory(
        with_pass=True, gender="f", emails=[f"{username}@example.nl"], phones=["0612345678"], surname="Bakker"
    )
    household_create(name=f"Familie {username}", members=[person], actor=None)
    child = PersonFactory(date_of_birth=dt.date(2015, 3, 1))
    family_relation_add(person=child, relative=person, kind=FamilyRelation.Kind.GUARDIAN, actor=None)
    consent_record(
        subject=child, purpose="notices_advice", given=True, method="paper", given_by=person, actor=None
    )  # the proof of a child's consent stays with the guardian who gave it
    user_create(username=username, password="kolk-demo-2026", roles=[], person=person, actor=None)
    consent_record(subject=person, purpose="website_access", given=True, method="web", actor=None)
    subscription = subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True, started_on=dt.date(2015, 1, 1)
    )
    for _ in range(2):
        copy = CopyFactory()
        loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
        loan_checkin(copy_barcode=copy.barcode, actor=None)
    subscription_end(subscription=subscription, actor=None, on=ENDED, reason="moved")
    if fee_paid:
        Fee.objects.filter(person=person).update(status=Fee.Status.PAID)
    return person


def with_invoice(person: Person, *, paid: bool) -> Invoice:
    """One invoice of 2021: paid (the fiscal duty runs until the end of 2028) or still open (a hold)."""
    invoice = make_invoice(person)
    if paid:
        payment_record(
            invoice=invoice, amount_cents=invoice.total_cents, method="cash", reference=f"K{person.pk}", actor=None
        )
        Invoice.objects.filter(pk=invoice.pk).update(closed_year_end=SETTLED)
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=dt.date(2021, 6, 1))
    return invoice


def assert_reduced_to_the_invoice(person: Person, invoice: Invoice, *, before: Person) -> None:
    """What stays: the person with name, address and customer number, the invoice; nothing else of theirs."""
    kept = Person.objects.get(pk=person.pk)
    for name in ("given_name", "surname", "street", "house_number", "postcode", "town", "customer_number"):
        assert getattr(kept, name) == getattr(before, name), name
    assert (kept.date_of_birth, kept.gender, kept.pass_number, kept.household_id) == (None, "", None, None)
    assert Invoice.objects.filter(pk=invoice.pk, person=person).exists()
    assert InvoiceLine.objects.filter(invoice=invoice).exists()
    assert not EmailAddress.objects.filter(person=person).exists()
    assert not PhoneNumber.objects.filter(person=person).exists()
    assert not User.objects.filter(person=person).exists()
    assert not User.objects.filter(username="oudlid").exists()
    assert not Household.objects.filter(name="Familie oudlid").exists()
    assert not FamilyRelation.objects.filter(relative=person).exists()
    assert not Loan.objects.filter(person=person).exists()
    assert Loan.objects.filter(person__isnull=True).count() == 2  # the loans stay for the catalogue, tied to nobody
    assert not LoanCount.objects.filter(person=person).exists()
    assert not Subscription.objects.filter(person=person).exists()
    assert not MemberProfile.objects.filter(person=person).exists()
    assert not Fee.objects.filter(person=person).exists()
    # What they chose stays with what is left: it governs it.
    assert PrivacyChoice.objects.filter(subject=person, purpose="website_access").exists()
    assert PrivacyChoice.objects.filter(given_by=person, purpose="notices_advice").exists()
    assert not ErasureLog.objects.filter(subject_pk=person.pk).exists()


def test_a_paid_invoice_under_the_fiscal_duty_keeps_only_the_invoice_with_name_and_address(staff):
    person = former_member()
    invoice = with_invoice(person, paid=True)
    before = Person.objects.get(pk=person.pk)
    assert person.pk not in set(retention.due_subjects(ON).values_list("pk", flat=True))  # the invoice runs on

    dry = retention.retention_run(actor=staff, on=ON, dry_run=True)
    assert [(r.action, r.due) for r in dry.rules if r.rule == "*"] == [("reduce", 1), ("erase", 0)]
    report = retention.retention_run(actor=staff, on=ON)
    assert [(r.action, r.done) for r in report.rules if r.rule == "*"] == [("reduce", 1), ("erase", 0)]
    assert_reduced_to_the_invoice(person, invoice, before=before)
    assert Payment.objects.filter(invoice=invoice).exists()

    again = retention.retention_run(actor=staff, on=ON)  # nothing left to reduce
    assert [(r.action, r.done) for r in again.rules if r.rule == "*"] == [("reduce", 0), ("erase", 0)]

    # Seven years after the end of 2021 the invoice goes, and the person with it.
    retention.retention_run(actor=staff, on=dt.date(2029, 1, 2))
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not Person.objects.filter(pk=person.pk).exists()


def test_an_open_invoice_holds_the_invoice_with_name_and_address_not_the_whole_person(staff):
    person = former_member()
    invoice = with_invoice(person, paid=False)
    before = Person.objects.get(pk=person.pk)
    retention.retention_run(actor=staff, on=ON)
    assert_reduced_to_the_invoice(person, invoice, before=before)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.OPEN


def test_an_open_fee_holds_the_fee_with_name_and_address(staff):
    person = former_member(fee_paid=False)
    fees = set(Fee.objects.filter(person=person).values_list("pk", flat=True))
    assert fees
    assert Fee.objects.filter(person=person, status=Fee.Status.OPEN).exists()
    retention.retention_run(actor=staff, on=ON)
    kept = Person.objects.get(pk=person.pk)
    assert kept.surname == "Bakker"
    assert (kept.date_of_birth, kept.pass_number) == (None, None)
    assert set(Fee.objects.filter(person=person).values_list("pk", flat=True)) == fees
    assert not EmailAddress.objects.filter(person=person).exists()
    assert not Loan.objects.filter(person=person).exists()
    assert not User.objects.filter(person=person).exists()


def test_an_open_request_holds_the_whole_person(staff):
    """A request may concern any of their data (to see it all): it keeps them whole while it is open."""
    person = former_member()
    with_invoice(person, paid=True)
    request_receive(subject=person, kind="access", channel="desk", actor=staff)
    assert person.pk not in set(retention.due_reductions(ON).values_list("pk", flat=True))
    retention.retention_run(actor=staff, on=ON)
    assert EmailAddress.objects.filter(person=person).exists()
    assert Loan.objects.filter(person=person).count() == 2
    assert Person.objects.get(pk=person.pk).date_of_birth is not None


def test_a_hold_lets_the_rows_it_does_not_need_go_by_their_own_date(staff):
    """The portal log (rule `portal`) of a person with an open invoice is due; the invoice is held."""
    from kolk.web.models import PortalEvent

    person = former_member()
    invoice = with_invoice(person, paid=False)
    event = PortalEvent.objects.create(
        person=person, action="login", ip_address="192.0.2.1", at=dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
    )
    (portal,) = [item for item in registry.retained_data() if item.model_label == "web.PortalEvent"]
    assert list(retention.due_rows(portal, ON).values_list("pk", flat=True)) == [event.pk]
    old = Invoice.objects.filter(pk=invoice.pk)
    old.update(status=Invoice.Status.CANCELLED, closed_year_end=dt.date(2017, 12, 31))
    (invoices,) = [item for item in registry.retained_data() if item.model_label == "billing.Invoice"]
    with_invoice(person, paid=False)  # an open one holds the old one too: the hold keeps invoices
    assert not retention.due_rows(invoices, ON).exists()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.OPEN, closed_year_end=None)
    retention.retention_run(actor=staff, on=ON)
    assert not PortalEvent.objects.filter(person=person).exists()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_every_registered_scope_can_be_applied():
    scopes = [h.scope for h in registry.holds()] + list(registry.event_scopes().values())
    assert any(not s.whole for s in scopes)
    for scope in scopes:
        assert retention.scope_problems(scope) == []
    assert retention.scope_problems(registry.Scope.of(categories=["address"])) == [
        "people.Person.given_name can be neither NULL nor empty: every scope must keep it",
        "people.Person.surname can be neither NULL nor empty: every scope must keep it",
        "people.Person.customer_number can be neither NULL nor empty: every scope must keep it",
    ]
    with pytest.raises(ValueError, match="categories the register lacks: invoices"):
        registry.register_hold(
            "bad", Person.objects.none, registry.Text("x", "x"), scope=registry.Scope.of(categories=["invoices"])
        )


def test_reducing_takes_the_same_statements_for_one_person_as_for_three(staff):
    people = [former_member(f"lid{i}") for i in range(3)]
    for person in people:
        with_invoice(person, paid=True)
    pks = [p.pk for p in people]
    assert set(retention.due_reductions(ON).values_list("pk", flat=True)) == set(pks)
    with CaptureQueriesContext(connection) as one:
        retention.subjects_reduce(pks[:1], on=ON)
    with CaptureQueriesContext(connection) as three:
        retention.subjects_reduce(pks[1:], on=ON)
    assert len(three) == len(one)
    assert not retention.due_reductions(ON).exists()


def kept_whole(on: dt.date) -> list[str]:
    return [f.message for f in run_checks(on) if f.level == BROKEN and "kept whole by a narrow hold" in f.message]


def test_the_check_finds_a_person_kept_whole_by_a_narrow_hold_and_passes_once_retention_ran(staff):
    """Seeded as kolk left them before: past every other date, kept whole for one invoice."""
    person = former_member()
    with_invoice(person, paid=True)
    (finding,) = kept_whole(ON)
    assert finding.startswith("retention: 1 people are kept whole by a narrow hold")
    assert "invoice_settled" in finding
    retention.retention_run(actor=staff, on=ON)
    assert kept_whole(ON) == []
    assert Person.objects.filter(pk=person.pk).exists()


def test_kolk_privacy_check_fails_on_a_person_kept_whole_and_passes_after_the_retention_run(staff):
    person = former_member()
    with_invoice(person, paid=True)
    out = io.StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("privacy", "check", stdout=out)
    assert "1 people are kept whole by a narrow hold" in out.getvalue()
    call_command("retention", "run", stdout=io.StringIO())
    out = io.StringIO()
    call_command("privacy", "check", stdout=out)
    assert "every promise of the privacy statement is kept" in out.getvalue()
    assert not EmailAddress.objects.filter(person=person).exists()


def test_an_erasure_request_with_a_paid_invoice_keeps_the_invoice_with_name_and_address(staff):
    """On request (art. 17) as by date: the fiscal duty keeps the invoice, everything else goes at once."""
    from kolk.privacy.rights import erasure_execute, erasure_plan

    person = former_member()
    invoice = with_invoice(person, paid=True)
    before = Person.objects.get(pk=person.pk)
    request = request_receive(
        subject=person, kind="erasure", channel="desk", identity_method="passport", text="Alles weg", actor=staff
    )
    plan = erasure_plan(person)
    assert "people.EmailAddress" in plan["erase_now"]
    assert "billing.Invoice" not in plan["erase_now"]
    assert "people.Person" not in plan["erase_now"]
    erasure_execute(request=request, actor=staff)
    assert_reduced_to_the_invoice(person, invoice, before=before)
    request.refresh_from_db()
    assert request.status == "done"


def test_an_erasure_request_with_an_open_invoice_is_carried_out_from_the_page_as_far_as_the_hold_allows(client, staff):
    from django.urls import reverse

    from kolk.core.roles import Role
    from tests.factories import UserFactory, staff_login

    person = former_member()
    invoice = with_invoice(person, paid=False)
    before = Person.objects.get(pk=person.pk)
    request = request_receive(
        subject=person, kind="erasure", channel="desk", identity_method="passport", text="Alles weg", actor=staff
    )
    staff_login(client, UserFactory(roles=[Role.PRIVACY_OFFICER]))
    url = reverse("desk:privacy_request", args=[request.pk])
    page = client.get(url).content.decode()
    kept = page[page.index('id="bewaard"') :]
    assert "Bankrekeningen, Facturen, Adres, postcode en woonplaats, Klantnummer, Naam" in kept
    assert "een openstaande factuur (fiscale administratie)" in page
    gone = page[page.index('id="verwijderd"') :]
    assert "E-mailadressen" in gone[: gone.index("</p>")]
    for code in ("people.EmailAddress", "people.Person", "billing.BankAccount", "customer_number"):
        assert code not in page, code
    assert "Nu verwijderen" in page
    assert client.post(url, {"action": "erase"}).status_code == 302
    assert_reduced_to_the_invoice(person, invoice, before=before)
    assert "Verwijderd." in client.get(url).content.decode()


def test_the_privacy_office_shows_who_waits_to_be_reduced_and_what_each_hold_keeps(client):
    from django.urls import reverse

    from kolk.core.roles import Role
    from tests.factories import UserFactory, staff_login

    with_invoice(former_member(), paid=True)
    staff_login(client, UserFactory(roles=[Role.PRIVACY_OFFICER]))
    page = client.get(reverse("desk:privacy_office")).content.decode()
    assert "<td>de persoon inperken tot wat bewaard moet blijven</td><td>1</td>" in page
    assert (
        "Een openstaande factuur (fiscale administratie): 0 personen"
        " (bewaart bankrekeningen, facturen, adres, postcode en woonplaats, naam)" in page
    )
    assert "Een open verzoek van de persoon zelf: 0 personen (bewaart alles)" in page
    for code in ("billing.BankAccount", "(reduce)", "address, name"):
        assert code not in page, code


def test_a_person_reduced_on_request_is_reduced_again_after_a_restore(
    staff, settings, django_capture_on_commit_callbacks
):
    """The erasure log file names them, so `kolk retention replay` reduces them again: their invoice stays."""
    import json
    from pathlib import Path

    from kolk.privacy.rights import erasure_execute

    person = former_member()
    invoice = with_invoice(person, paid=True)
    request = request_receive(
        subject=person, kind="erasure", channel="desk", identity_method="passport", text="Alles weg", actor=staff
    )
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(request=request, actor=staff)
    lines = [json.loads(line) for line in Path(settings.KOLK_ERASURE_LOG).read_text().splitlines()]
    assert [(line["subject_pk"], line["reason"]) for line in lines] == [(person.pk, "request")]

    # As restored from a backup made before the request: their email is back.
    EmailAddress.objects.create(person=person, address="terug@example.nl", is_primary=True)
    with pytest.raises(CommandError, match="1 could not be erased again yet"):
        call_command("retention", "replay", stdout=io.StringIO())
    assert not EmailAddress.objects.filter(person=person).exists()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_the_profiling_rule_keeps_name_and_address_not_the_buyers_email_and_phone(staff):
    """B01/B02 go two years after the last ticket; P01 (name and address) five years after the profile."""
    from kolk.boxoffice.marketing import mosaic_export
    from kolk.boxoffice.models import Order, Show
    from kolk.privacy.models import Disclosure
    from tests.boxoffice import factories as f
    from tests.boxoffice.test_privacy import buy

    buyer = PersonFactory(emails=["koper@example.nl"], phones=["0687654321"], surname="Visser")
    order = buy(f.show(), buyer)
    disclosure, _file = mosaic_export(actor=staff, since=dt.date(2000, 1, 1))
    three_years_ago = dt.datetime(2022, 7, 1, 12, tzinfo=dt.UTC)
    Order.objects.filter(pk=order.pk).update(paid_at=three_years_ago, created_at=three_years_ago)
    Disclosure.objects.filter(pk=disclosure.pk).update(disclosed_at=three_years_ago)
    Show.objects.filter(pk=order.show_id).update(starts_at=three_years_ago)  # seen, not still to come
    retention.retention_run(actor=staff, on=ON)
    kept = Person.objects.get(pk=buyer.pk)
    assert (kept.surname, kept.street, kept.town) == ("Visser", "Weiersstraat", "Assen")
    assert kept.date_of_birth is None
    assert not EmailAddress.objects.filter(person=buyer).exists()
    assert not PhoneNumber.objects.filter(person=buyer).exists()
    assert Order.objects.get(pk=order.pk).person_id is None
    retention.retention_run(actor=staff, on=dt.date(2027, 7, 2))
    assert not Person.objects.filter(pk=buyer.pk).exists()


def test_the_desk_still_serves_a_reduced_former_member_who_comes_to_pay(client, staff):
    """The person page and the invoice PDF work on what is kept: name, address, customer number."""
    from django.urls import reverse

    from kolk.billing.pdf import invoice_pdf

    person = former_member()
    invoice = with_invoice(person, paid=False)
    retention.retention_run(actor=staff, on=ON)
    client.force_login(staff)
    page = client.get(reverse("desk:person", args=[person.pk]))
    assert page.status_code == 200
    assert "Bakker" in page.content.decode()
    assert invoice_pdf(Invoice.objects.get(pk=invoice.pk)).startswith(b"%PDF")
