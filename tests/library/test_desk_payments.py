"""Paying the library at the desk: cash or PIN, all or part, once per form or terminal reference; write-off."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kolk.billing.models import Invoice, Payment
from kolk.core.errors import Invalid, KolkError
from kolk.library.models import Fee, Loan
from kolk.library.services.invoicing import fees_invoice
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.payments import desk_payment, library_owed, library_write_off, receipt_of
from kolk.privacy.models import AuditEntry
from tests.library.factories import CopyFactory

pytestmark = pytest.mark.django_db


def fined(member, staff, days: int = 4) -> None:
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.filter(pk=loan.pk).update(due_on=dt.date.today() - dt.timedelta(days=days))
    loan_checkin(copy_barcode=copy.barcode, actor=staff)


def test_cash_pays_everything_open_oldest_first_with_a_receipt(member, staff):
    fined(member, staff)  # € 1,00 fine, with the € 49,50 subscription fee
    assert library_owed(member) == 5050
    receipt = desk_payment(person=member, amount_cents=5050, method="cash", key=uuid.uuid4().hex, actor=staff)
    assert receipt.owed_after_cents == 0
    assert sum(c for _n, c in receipt.lines) == 5050
    assert set(Invoice.objects.values_list("status", flat=True)) == {"paid"}
    assert set(Fee.objects.values_list("status", flat=True)) == {"paid"}
    assert set(Payment.objects.values_list("method", flat=True)) == {"cash"}
    again = receipt_of(member, receipt.reference)
    assert (again.amount_cents, again.owed_after_cents) == (5050, 0)
    assert AuditEntry.objects.filter(action="library.paid_at_desk").count() == 1


def test_pay_part_by_pin_with_the_terminals_reference_and_never_twice(member, staff):
    receipt = desk_payment(person=member, amount_cents=2000, method="card", key="T1234-5678", actor=staff)
    assert receipt.reference == "PIN-T1234-5678"
    assert library_owed(member) == 2950
    assert Invoice.objects.get().status == "open"
    with pytest.raises(KolkError, match="al geboekt"):
        desk_payment(person=member, amount_cents=2000, method="card", key="T1234-5678", actor=staff)
    assert Payment.objects.count() == 1


# Fixed keys, not uuid4(): parameters must be the same in every process that collects them (pytest-xdist).
@pytest.mark.parametrize(
    ("amount", "method", "key", "field"),
    [
        (100, "card", "", "reference"),  # a PIN payment needs the terminal's reference
        (100, "ideal", "1" * 32, "method"),  # the desk takes cash or PIN
        (0, "cash", "2" * 32, "amount"),
        (999_999, "cash", "3" * 32, "amount"),  # more than is open
    ],
)
def test_bad_payments_are_refused_next_to_the_field_and_nothing_is_written(member, staff, amount, method, key, field):
    with pytest.raises(Invalid) as refused:
        desk_payment(person=member, amount_cents=amount, method=method, key=key, actor=staff)
    assert field in refused.value.fields
    assert Payment.objects.count() == 0


def test_write_off_waives_fees_and_cancels_unpaid_invoices_but_not_a_part_paid_one(member, staff):
    fined(member, staff)  # € 1,00 fine and the € 49,50 subscription fee, invoiced when paying
    desk_payment(person=member, amount_cents=1000, method="cash", key=uuid.uuid4().hex, actor=staff)
    part_paid = Invoice.objects.get(source="library.subscription")
    fined(member, staff, days=8)  # € 2,00: invoiced, unpaid
    (unpaid,) = fees_invoice(person=member, actor=staff)
    fined(member, staff, days=12)  # € 3,00: an open fee
    with pytest.raises(Invalid):
        library_write_off(person=member, reason="", actor=staff)
    total = library_write_off(person=member, reason="Ziek geweest, coulance", actor=staff)
    assert total == 200 + 300
    unpaid.refresh_from_db()
    part_paid.refresh_from_db()
    assert (unpaid.status, part_paid.status) == ("cancelled", "open")
    assert library_owed(member) == 4950 + 100 - 1000
    assert AuditEntry.objects.filter(action="library.written_off").count() == 1
    with pytest.raises(KolkError, match="niets open"):
        library_write_off(person=member, reason="nog eens", actor=staff)


def test_a_fee_billed_on_an_invoice_made_elsewhere_is_owed_once_and_can_be_paid_as_shown(member, staff):
    """The seeded or imported subscription invoice bills the € 49,50 fee: the desk shows € 49,50, not € 99,00."""
    from kolk.billing.services import InvoiceLineIn, invoice_create

    invoice_create(
        person=member,
        lines=[InvoiceLineIn(description="Contributie", unit_amount_cents=4950, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    assert Fee.objects.get().invoice_id is None  # not linked yet
    assert library_owed(member) == 4950
    receipt = desk_payment(person=member, amount_cents=4950, method="cash", key=uuid.uuid4().hex, actor=staff)
    assert receipt.owed_after_cents == 0
    assert library_owed(member) == 0


def test_a_write_off_of_a_fee_billed_elsewhere_counts_it_once(member, staff):
    from kolk.billing.services import InvoiceLineIn, invoice_create

    invoice = invoice_create(
        person=member,
        lines=[InvoiceLineIn(description="Contributie", unit_amount_cents=4950, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    assert library_write_off(person=member, reason="coulance", actor=staff) == 4950
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    assert Fee.objects.get().status == "waived"
    assert library_owed(member) == 0
