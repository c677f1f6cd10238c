"""Fees and fines become invoices through billing; payment settles them; overdue invoices block."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.billing.models import Invoice
from kolk.billing.services import invoice_cancel, payment_record
from kolk.core.errors import KolkError
from kolk.library.models import Block, Fee, Loan
from kolk.library.services.invoicing import fees_invoice, fees_invoice_all, fees_settle, unpaid_blocks_refresh
from kolk.library.services.loans import loan_checkin, loan_checkout
from tests.library.factories import CopyFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def test_open_fees_are_invoiced_per_kind(member, staff):
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY - dt.timedelta(days=2))
    loan_checkin(copy_barcode=copy.barcode, actor=staff)
    invoices = fees_invoice(person=member, actor=staff)
    assert sorted((i.source, i.total_cents) for i in invoices) == [("library.fine", 50), ("library.subscription", 4950)]
    assert set(Fee.objects.values_list("status", flat=True)) == {"invoiced"}
    assert fees_invoice(person=member, actor=staff) == []
    assert fees_invoice_all(actor=None) == 0


def test_payment_settles_and_cancelling_waives(member, staff):
    (invoice,) = fees_invoice(person=member, actor=staff)
    payment_record(
        invoice=invoice, amount_cents=invoice.total_cents, method="card", reference=f"pin-{invoice.pk}", actor=staff
    )
    assert fees_settle() == {"paid": 1, "waived": 0}
    assert Fee.objects.get().status == "paid"


def test_cancelled_invoice_waives(member, staff):
    (invoice,) = fees_invoice(person=member, actor=staff)
    invoice_cancel(invoice=invoice, actor=staff)
    assert fees_settle() == {"paid": 0, "waived": 1}


def test_an_overdue_invoice_blocks_until_paid(member, staff):
    (invoice,) = fees_invoice(person=member, actor=staff)
    Invoice.objects.filter(pk=invoice.pk).update(due_on=TODAY - dt.timedelta(days=1))
    assert unpaid_blocks_refresh(on=TODAY, actor=None) == {"blocked": 1, "lifted": 0}
    with pytest.raises(KolkError, match="openstaande betaling"):
        loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    invoice.refresh_from_db()
    payment_record(
        invoice=invoice, amount_cents=invoice.total_cents, method="card", reference=f"pin-{invoice.pk}", actor=staff
    )
    assert unpaid_blocks_refresh(on=TODAY, actor=None) == {"blocked": 0, "lifted": 1}
    assert not Block.objects.filter(lifted_at__isnull=True).exists()


def test_a_fee_already_billed_on_an_invoice_is_not_billed_again(member, staff):
    """The desk's 'Factureren' billed a subscription fee a second time when an invoice for it existed."""
    from kolk.billing.services import InvoiceLineIn, invoice_create

    fee = Fee.objects.get(kind="subscription")
    made_elsewhere = invoice_create(
        person=member,
        lines=[InvoiceLineIn(description="Abonnement (jaar)", unit_amount_cents=fee.amount_cents, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    assert fees_invoice(person=member, actor=staff) == []
    assert Invoice.objects.filter(person=member).count() == 1
    fee.refresh_from_db()
    assert (fee.status, fee.invoice_id) == ("invoiced", made_elsewhere.pk)
    # A fine is not a subscription: that invoice does not cover it; a later fee is billed on its own.
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY - dt.timedelta(days=2))
    loan_checkin(copy_barcode=copy.barcode, actor=staff)
    (fine_invoice,) = fees_invoice(person=member, actor=staff)
    assert fine_invoice.source == "library.fine"
    assert fees_invoice(person=member, actor=staff) == []


def test_a_fee_on_an_invoice_is_never_invoiced_even_if_marked_open(member, staff):
    assert len(fees_invoice(person=member, actor=staff)) == 1
    Fee.objects.update(status="open")  # e.g. a status set back by hand: the invoice link still stands
    assert fees_invoice(person=member, actor=staff) == []
    assert Invoice.objects.filter(person=member).count() == 1


def test_an_invoice_of_the_kind_for_another_amount_is_another_bill(member, staff):
    """Only a bill for exactly the fee's amount takes the fee over; another year's subscription does not."""
    from kolk.billing.services import InvoiceLineIn, invoice_create

    fee = Fee.objects.get(kind="subscription")
    invoice_create(
        person=member,
        lines=[
            InvoiceLineIn(
                description="Abonnement (vorig jaar)", unit_amount_cents=fee.amount_cents + 500, vat_percent=9
            )
        ],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    (billed,) = fees_invoice(person=member, actor=staff)
    fee.refresh_from_db()
    assert fee.invoice_id == billed.pk
    assert billed.total_cents == fee.amount_cents
