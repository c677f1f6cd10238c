"""Billing's declarations to the privacy core, its retention event and legal hold, and the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from kolk.billing.models import BankAccount, Invoice, Mandate, Payment
from kolk.billing.privacy import invoice_settled_events, legal_hold_unpaid
from kolk.billing.services import invoice_cancel, payment_record
from kolk.core.clock import today
from kolk.core.demo import DemoContext
from kolk.privacy.checks import field_map_errors, field_map_is_complete
from kolk.privacy.fieldmap import map_for, undeclared
from kolk.privacy.register import get_register
from tests.billing.factories import make_invoice
from tests.factories import PersonFactory


def test_every_billing_model_is_declared_with_register_categories():
    categories = get_register().categories
    for model in apps.get_app_config("billing").get_models():
        assert undeclared(model) == [], model
        pmap = map_for(model)
        assert set(pmap.personal.values()) <= set(categories)
        assert set(pmap.personal.values()) <= {"bank"}


def test_field_map_check_passes_for_billing():
    assert field_map_errors(apps.get_app_config("billing").get_models()) == []
    assert field_map_is_complete() == []


@pytest.mark.django_db
def test_invoice_settled_event_is_the_year_end_of_the_last_closed_invoice():
    paid, cancelled, open_only = PersonFactory(), PersonFactory(), PersonFactory()
    invoice = make_invoice(paid)
    payment_record(invoice=invoice, amount_cents=invoice.total_cents, method="cash", reference="K1", actor=None)
    make_invoice(paid)  # still open: a hold, but the settled one starts the clock
    invoice_cancel(invoice=make_invoice(cancelled), actor=None)
    make_invoice(open_only)
    year_end = dt.date(today().year, 12, 31)
    Invoice.objects.filter(person=cancelled).update(closed_year_end=dt.date(today().year - 1, 12, 31))
    invoice_cancel(invoice=make_invoice(cancelled), actor=None)
    events = {row["person_id"]: row["date"] for row in invoice_settled_events()}
    assert events == {paid.pk: year_end, cancelled.pk: year_end}
    assert set(legal_hold_unpaid()) == {paid.pk, open_only.pk}


@pytest.mark.django_db
def test_demo_data():
    from kolk.billing import demo as billing_demo
    from kolk.people import demo as people_demo

    ctx = DemoContext()
    people_demo.seed_demo(ctx, load=True)
    billing_demo.seed_demo(ctx, load=True)
    people = len(ctx.shared["people"])
    assert BankAccount.objects.count() > people // 2
    assert Mandate.objects.count() > people // 3
    assert Invoice.objects.filter(status="open").exists()
    assert Invoice.objects.filter(status="paid").count() == Payment.objects.count()
    assert Invoice.objects.filter(source="library.fine").exists()
    member = ctx.shared["people"][0]
    assert Invoice.objects.filter(person_id=member).exists()


def test_sepa_creditor_checks(settings):
    from kolk.billing.checks import sepa_creditor

    settings.DEBUG = True
    assert sepa_creditor() == []
    settings.DEBUG = False
    assert [m.id for m in sepa_creditor()] == ["kolk.billing.W001"]
    settings.KOLK_SEPA_CREDITOR_ID = "NL00ZZZ012345670000"
    settings.KOLK_SEPA_CREDITOR_IBAN = "NL20INGB0001234568"
    assert [m.id for m in sepa_creditor()] == ["kolk.billing.E001", "kolk.billing.E002"]


@pytest.mark.django_db
def test_fiscal_retention_end_to_end(settings, tmp_path):
    """Seven years after the year end: payments, invoices and then the person go; before, all stay."""
    from kolk.people.models import Person
    from kolk.privacy.retention import retention_run
    from kolk.privacy.rights import erasure_plan

    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure.jsonl")
    old, recent, owing = PersonFactory(), PersonFactory(), PersonFactory()
    for person, reference in ((old, "OLD"), (recent, "NEW")):
        invoice = make_invoice(person)
        payment_record(
            invoice=invoice, amount_cents=invoice.total_cents, method="cash", reference=reference, actor=None
        )
    make_invoice(owing)
    Invoice.objects.filter(person=old).update(closed_year_end=dt.date(2018, 12, 31))
    Invoice.objects.filter(person=recent).update(closed_year_end=dt.date(2022, 12, 31))
    Invoice.objects.filter(person=owing).update(issued_on=dt.date(2010, 1, 1))
    assert any(k["why"].startswith("Fiscale bewaarplicht") for k in erasure_plan(recent)["kept"])
    report = retention_run(actor=None, on=dt.date(2026, 11, 25))
    assert not Person.objects.filter(pk=old.pk).exists()
    assert not Payment.objects.filter(reference="OLD").exists()
    assert Payment.objects.filter(reference="NEW").exists()
    assert set(Person.objects.values_list("pk", flat=True)) >= {recent.pk, owing.pk}
    assert Invoice.objects.filter(person=owing).exists()
    assert report.rules[-1].done == 1
