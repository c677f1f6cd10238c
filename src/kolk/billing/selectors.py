"""Reads on billing shared by pages, the API, the library and retention."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kolk.billing.models import BankAccount, Collection, Invoice, Mandate, OnlinePayment, Payment
from kolk.people.models import Person


def paid_subquery() -> Coalesce:
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return Coalesce(Subquery(paid, output_field=IntegerField()), Value(0))


def invoices_for(person: Person) -> QuerySet[Invoice]:
    """A person's invoices, newest first, each with `paid_cents`."""
    return Invoice.objects.filter(person=person).annotate(paid_cents=paid_subquery()).order_by("-issued_on", "-number")


def invoice_get(invoice_id: int) -> Invoice | None:
    """One invoice with its person, lines and `paid_cents`; None if there is none."""
    return (
        Invoice.objects.filter(pk=invoice_id)
        .select_related("person")
        .prefetch_related("lines")
        .annotate(paid_cents=paid_subquery())
        .first()
    )


def open_amount_cents(person: Person) -> int:
    """What a person still owes on open invoices, in cents."""
    open_invoices = Invoice.objects.filter(person=person, status=Invoice.Status.OPEN)
    total = open_invoices.aggregate(total=Sum("total_cents"))["total"] or 0
    paid = Payment.objects.filter(invoice__in=open_invoices).aggregate(total=Sum("amount_cents"))["total"] or 0
    return max(total - paid, 0)


def has_unpaid(person: Person) -> bool:
    """True while a person has an open invoice: a library block and a legal hold on erasure."""
    return Invoice.objects.filter(person=person, status=Invoice.Status.OPEN).exists()


def unpaid_person_ids() -> QuerySet[Invoice, int]:
    """The ids of everyone with an open invoice, as a subquery (legal hold for retention)."""
    return Invoice.objects.filter(status=Invoice.Status.OPEN).values_list("person_id", flat=True).distinct()


def bank_account_of(person: Person) -> BankAccount | None:
    return BankAccount.objects.filter(person=person).first()


def active_mandate_of(person: Person) -> Mandate | None:
    return (
        Mandate.objects.filter(bank_account__person=person, revoked_at__isnull=True)
        .select_related("bank_account")
        .first()
    )


@dataclass(frozen=True)
class VatRow:
    percent: int
    gross_cents: int  # including VAT
    vat_cents: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.vat_cents


@dataclass(frozen=True)
class InvoiceTotals:
    total_cents: int
    vat: list[VatRow]
    paid_cents: int

    @property
    def open_cents(self) -> int:
        return max(self.total_cents - self.paid_cents, 0)

    @property
    def net_cents(self) -> int:
        return sum(row.net_cents for row in self.vat)

    @property
    def vat_cents(self) -> int:
        return sum(row.vat_cents for row in self.vat)


def vat_in(gross_cents: int, percent: int) -> int:
    """The VAT contained in an amount including VAT, rounded half up to a cent."""
    return (2 * gross_cents * percent + 100 + percent) // (2 * (100 + percent))


def invoice_totals(invoice: Invoice) -> InvoiceTotals:
    """Total, the VAT per rate (computed on the sum per rate, as on the invoice), and what is paid."""
    gross: dict[int, int] = {}
    for line in invoice.lines.all():
        gross[line.vat_percent] = gross.get(line.vat_percent, 0) + line.amount_cents
    rows = [VatRow(percent=p, gross_cents=g, vat_cents=vat_in(g, p)) for p, g in sorted(gross.items())]
    paid = getattr(invoice, "paid_cents", None)
    if paid is None:
        paid = invoice.payments.aggregate(total=Sum("amount_cents"))["total"] or 0
    return InvoiceTotals(total_cents=invoice.total_cents, vat=rows, paid_cents=paid)


def collections_pending() -> QuerySet[Collection]:
    """Collections whose file was not yet written (a run stopped after recording them)."""
    return Collection.objects.filter(exported_at__isnull=True).order_by("pk")


def online_payment_latest(invoice: Invoice) -> OnlinePayment | None:
    """The iDEAL payment last started for an invoice, if any (the member's return page shows it)."""
    return OnlinePayment.objects.filter(invoice=invoice).order_by("-created_at", "-pk").first()
