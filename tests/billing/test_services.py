"""Bank accounts, mandates, invoices and payments through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kolk.billing.models import BankAccount, Invoice, InvoiceCounter, InvoiceLine, Mandate, Payment
from kolk.billing.selectors import (
    has_unpaid,
    invoice_totals,
    invoices_for,
    open_amount_cents,
    unpaid_person_ids,
    vat_in,
)
from kolk.billing.services import (
    InvoiceLineIn,
    bank_account_set,
    invoice_cancel,
    invoice_create,
    mandate_revoke,
    mandate_sign,
    payment_record,
)
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.billing.factories import IBANS, make_invoice, make_mandate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# bank accounts and mandates


def test_bank_account_set_normalises_and_derives_bic(person):
    account = bank_account_set(person=person, iban="nl91 abna 0417 1643 00", holder_name=" A. de  Vries", actor=None)
    account.refresh_from_db()
    assert account.iban == "NL91ABNA0417164300"
    assert account.bic == "ABNANL2A"
    assert account.holder_name == "A. de Vries"
    assert account.masked_iban == "NL91 ABNA **** **43 00"
    assert audits("bank_account.set") == 1


def test_bad_iban_writes_nothing(person):
    with pytest.raises(ValidationError) as info:
        bank_account_set(person=person, iban="NL91ABNA0417164301", holder_name="A. de Vries", actor=None)
    assert "geen geldig IBAN" in info.value.message_dict["iban"][0]
    assert not BankAccount.objects.exists()
    assert audits("bank_account.set") == 0


def test_same_account_twice_changes_nothing(person):
    first = bank_account_set(person=person, iban=IBANS[0], holder_name="A. de Vries", actor=None)
    again = bank_account_set(person=person, iban=IBANS[0].lower(), holder_name="A. de Vries", actor=None)
    assert again.pk == first.pk
    assert audits("bank_account.set") == 1


def test_new_iban_revokes_the_mandate(person):
    mandate = make_mandate(person)
    account = bank_account_set(person=person, iban=IBANS[1], holder_name="A. de Vries", actor=None)
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert BankAccount.objects.get(pk=account.pk).iban == IBANS[1]
    assert BankAccount.objects.count() == 1
    second = mandate_sign(person=person, actor=None)
    assert second.reference == f"DNK-{person.customer_number}-2"


def test_holder_only_change_keeps_the_mandate(person):
    mandate = make_mandate(person)
    bank_account_set(person=person, iban=IBANS[0], holder_name="Fam. de Vries", actor=None)
    mandate.refresh_from_db()
    assert mandate.revoked_at is None


def test_mandate_without_account_is_refused(person):
    with pytest.raises(ValidationError) as info:
        mandate_sign(person=person, actor=None)
    assert "Leg eerst een bankrekening vast" in info.value.message_dict["bank_account"][0]
    assert not Mandate.objects.exists()
    assert audits("mandate.signed") == 0


def test_mandate_sign_and_revoke(person):
    mandate = make_mandate(person)
    assert mandate.reference == f"DNK-{person.customer_number}-1"
    assert mandate.sequence == Mandate.Sequence.FIRST
    assert mandate.signed_on == today()
    with pytest.raises(KolkError, match="al een geldige machtiging"):
        mandate_sign(person=person, actor=None)
    with pytest.raises(ValidationError, match="toekomst"):
        mandate_sign(person=PersonFactory(), signed_on=today() + dt.timedelta(days=1), actor=None)
    mandate_revoke(mandate=mandate, actor=None)
    mandate_revoke(mandate=mandate, actor=None)  # twice: no second entry
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert audits("mandate.revoked") == 1


# invoices


def test_invoice_numbers_are_sequential_per_year(person):
    first, second = make_invoice(person), make_invoice(person)
    year = today().year
    assert (first.number, second.number) == (f"{year}-000001", f"{year}-000002")
    assert InvoiceCounter.objects.get(year=year).last == 2


def test_invoice_create_takes_a_bounded_number_of_queries(person, django_assert_max_num_queries):
    make_invoice(person)  # the year's counter exists, as it does all year
    lines = [InvoiceLineIn(description=f"Regel {n}", unit_amount_cents=100, vat_percent=21) for n in range(25)]
    with django_assert_max_num_queries(8):  # exists, lock, update, insert, lines, audit, savepoints
        invoice_create(person=person, lines=lines, source="boxoffice.order", actor=None)


def test_invoice_create_stores_lines_and_total(person):
    invoice = invoice_create(
        person=person,
        lines=[
            InvoiceLineIn(description="Abonnement Compleet", unit_amount_cents=6400, vat_percent=9),
            InvoiceLineIn(description="Reserveringskosten", unit_amount_cents=100, quantity=3, vat_percent=21),
        ],
        source="library.subscription",
        actor=None,
    )
    assert invoice.total_cents == 6700
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.due_on == today() + dt.timedelta(days=14)
    assert [line.position for line in invoice.lines.all()] == [1, 2]
    assert audits("invoice.created") == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (InvoiceLineIn(description="Boete", unit_amount_cents=-100, vat_percent=0), "unit_amount_cents"),
        (InvoiceLineIn(description="Boete", unit_amount_cents=0, vat_percent=0), "unit_amount_cents"),
        (InvoiceLineIn(description="Boete", unit_amount_cents=100, quantity=0, vat_percent=0), "quantity"),
        (InvoiceLineIn(description="Boete", unit_amount_cents=100, vat_percent=19), "vat_percent"),
        (InvoiceLineIn(description="  ", unit_amount_cents=100, vat_percent=0), "description"),
        (InvoiceLineIn(description="Boete\x07", unit_amount_cents=100, vat_percent=0), "description"),
    ],
)
def test_bad_lines_write_nothing_and_take_no_number(person, line, field):
    with pytest.raises(ValidationError) as info:
        invoice_create(person=person, lines=[line], source="library.fine", actor=None)
    assert field in info.value.message_dict
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()
    assert InvoiceCounter.objects.filter(last__gt=0).count() == 0
    assert audits("invoice.created") == 0
    assert make_invoice(person).number.endswith("-000001")  # no gap after a refusal


def test_bad_source_no_lines_and_past_due_date(person):
    line = InvoiceLineIn(description="Boete", unit_amount_cents=100, vat_percent=0)
    with pytest.raises(ValidationError, match="Onbekende bron"):
        invoice_create(person=person, lines=[line], source="library.cake", actor=None)
    with pytest.raises(ValidationError, match="ten minste één regel"):
        invoice_create(person=person, lines=[], source="library.fine", actor=None)
    with pytest.raises(ValidationError, match="vervaldatum"):
        invoice_create(
            person=person, lines=[line], source="library.fine", due_date=today() - dt.timedelta(days=1), actor=None
        )
    assert not Invoice.objects.exists()


def test_invoice_cancel(person):
    invoice = make_invoice(person)
    invoice_cancel(invoice=invoice, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED
    assert invoice.closed_year_end == dt.date(today().year, 12, 31)
    with pytest.raises(KolkError, match="Alleen een openstaande"):
        invoice_cancel(invoice=invoice, actor=None)
    paid_on = make_invoice(person)
    payment_record(invoice=paid_on, amount_cents=100, method="cash", reference="KAS-1", actor=None)
    with pytest.raises(KolkError, match="creditfactuur"):
        invoice_cancel(invoice=paid_on, actor=None)
    assert audits("invoice.cancelled") == 1


# payments


def test_partial_then_full_payment_settles(person):
    invoice = make_invoice(person, cents=2500)
    payment_record(invoice=invoice, amount_cents=1000, method="cash", reference="KAS-1", actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.settled_at is None
    assert open_amount_cents(person) == 1500
    payment_record(invoice=invoice, amount_cents=1500, method="card", reference="PIN-7", actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.settled_at is not None
    assert invoice.closed_year_end == dt.date(today().year, 12, 31)
    assert open_amount_cents(person) == 0
    assert not has_unpaid(person)


def test_payment_is_idempotent_by_reference(person):
    invoice = make_invoice(person)
    first = payment_record(invoice=invoice, amount_cents=2500, method="ideal", reference="tr_abc", actor=None)
    again = payment_record(invoice=invoice, amount_cents=2500, method="ideal", reference="tr_abc", actor=None)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert audits("payment.recorded") == 1
    with pytest.raises(KolkError, match="al gebruikt"):
        payment_record(invoice=invoice, amount_cents=999, method="ideal", reference="tr_abc", actor=None)


def test_bad_payments_write_nothing(person):
    invoice = make_invoice(person)
    with pytest.raises(ValidationError):
        payment_record(invoice=invoice, amount_cents=-5, method="cash", reference="X", actor=None)
    with pytest.raises(ValidationError, match="betaalwijze"):
        payment_record(invoice=invoice, amount_cents=5, method="bitcoin", reference="X", actor=None)
    with pytest.raises(ValidationError, match="kenmerk"):
        payment_record(invoice=invoice, amount_cents=5, method="cash", reference=" ", actor=None)
    invoice_cancel(invoice=invoice, actor=None)
    with pytest.raises(KolkError, match="geannuleerd"):
        payment_record(invoice=invoice, amount_cents=5, method="cash", reference="X", actor=None)
    assert not Payment.objects.exists()


# selectors


def test_selectors(person):
    other = PersonFactory()
    a, b = make_invoice(person, cents=1000), make_invoice(person, cents=2000)
    make_invoice(other, cents=500)
    payment_record(invoice=a, amount_cents=1000, method="cash", reference="K1", actor=None)
    payment_record(invoice=b, amount_cents=500, method="cash", reference="K2", actor=None)
    listed = list(invoices_for(person))
    assert [i.number for i in listed] == [b.number, a.number]
    assert [i.paid_cents for i in listed] == [500, 1000]
    assert open_amount_cents(person) == 1500
    assert has_unpaid(person)
    assert set(unpaid_person_ids()) == {person.pk, other.pk}
    assert not has_unpaid(PersonFactory())


def test_invoice_totals_vat_breakdown(person):
    invoice = invoice_create(
        person=person,
        lines=[
            InvoiceLineIn(description="Voorstelling", unit_amount_cents=2450, quantity=2, vat_percent=9),
            InvoiceLineIn(description="Garderobe", unit_amount_cents=121, vat_percent=21),
            InvoiceLineIn(description="Contributie", unit_amount_cents=5200, vat_percent=0),
        ],
        source="boxoffice.order",
        actor=None,
    )
    totals = invoice_totals(invoice)
    assert totals.total_cents == 4900 + 121 + 5200
    assert [(r.percent, r.gross_cents, r.vat_cents, r.net_cents) for r in totals.vat] == [
        (0, 5200, 0, 5200),
        (9, 4900, 405, 4495),
        (21, 121, 21, 100),
    ]
    assert totals.net_cents + totals.vat_cents == totals.total_cents
    assert totals.open_cents == totals.total_cents


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([0, 9, 21]))
def test_vat_in_is_rounded_half_up(gross: int, percent: int):
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(gross) * percent / (100 + percent)
    assert vat_in(gross, percent) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class TestAmountsProperty(HypothesisTestCase):
    """Any line either becomes an invoice with the exact total, or is refused and writes nothing."""

    @settings(max_examples=40, deadline=None)
    @given(
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=-3, max_value=20_000),
        st.sampled_from([0, 6, 9, 19, 21]),
    )
    def test_amounts(self, cents: int, quantity: int, vat: int):
        person = PersonFactory()
        line = InvoiceLineIn(description="Regel", unit_amount_cents=cents, quantity=quantity, vat_percent=vat)
        valid = cents > 0 and 1 <= quantity <= 10_000 and vat in (0, 9, 21) and cents * quantity <= 100_000_000
        before = Invoice.objects.count()
        if valid:
            invoice = invoice_create(person=person, lines=[line], source="library.fine", actor=None)
            assert invoice.total_cents == cents * quantity
            totals = invoice_totals(invoice)
            assert totals.net_cents + totals.vat_cents == invoice.total_cents
        else:
            with pytest.raises(ValidationError):
                invoice_create(person=person, lines=[line], source="library.fine", actor=None)
            assert Invoice.objects.count() == before
