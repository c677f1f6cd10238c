"""Invoices through the API: a person's invoices, one invoice, its PDF.

Roles: desk, library_staff, box_office and administrator see anyone's invoices
(each look is logged as a staff read for the purpose 'invoicing'); a member
sees only their own (request.user.person). Authentication: the Django session.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.security import django_auth

from kolk.api.access import person_or_refused
from kolk.billing.models import Invoice
from kolk.billing.pdf import invoice_pdf
from kolk.billing.selectors import invoice_get, invoice_totals, invoices_for
from kolk.core.roles import Role
from kolk.people.models import Person
from kolk.privacy.gate import subject_viewed

router = Router(tags=["billing"], auth=django_auth)

STAFF_ROLES = (Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.ADMINISTRATOR)


class InvoiceSummaryOut(Schema):
    id: int
    number: str
    issued_on: dt.date
    due_on: dt.date
    status: str
    source: str
    total_cents: int
    paid_cents: int
    open_cents: int


class InvoiceLineOut(Schema):
    description: str
    quantity: int
    unit_amount_cents: int
    vat_percent: int
    amount_cents: int


class VatRowOut(Schema):
    percent: int
    gross_cents: int
    net_cents: int
    vat_cents: int


class InvoiceOut(InvoiceSummaryOut):
    person_id: int
    settled_at: dt.datetime | None
    lines: list[InvoiceLineOut]
    vat: list[VatRowOut]


def _summary(invoice: Invoice) -> InvoiceSummaryOut:
    paid = int(getattr(invoice, "paid_cents", 0))
    return InvoiceSummaryOut(
        id=invoice.pk,
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        status=invoice.status,
        source=invoice.source,
        total_cents=invoice.total_cents,
        paid_cents=paid,
        open_cents=max(invoice.total_cents - paid, 0) if invoice.status == Invoice.Status.OPEN else 0,
    )


def _person_for(request: HttpRequest, person_id: int, record: Invoice | None = None) -> Person:
    """Staff with a billing role, or the person themself; staff reads are logged, refusals too.

    A member asking for someone else's invoice learns nothing, not even that it exists (404).
    """
    status = 403 if record is None or getattr(request.user, "is_staff", False) else 404
    person = person_or_refused(
        request, person_id, staff=STAFF_ROLES, record=record, status=status, message="Geen toegang."
    )
    if getattr(request.user, "person_id", None) != person.pk:
        subject_viewed(subject=person, purpose="invoicing", actor=request.user)
    return person


def _invoice_for(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = invoice_get(invoice_id)
    if invoice is None:
        raise Http404
    _person_for(request, invoice.person_id, invoice)
    return invoice


@router.get(
    "/people/{person_id}/invoices",
    response=list[InvoiceSummaryOut],
    summary="A person's invoices, newest first (roles: desk, library_staff, box_office, administrator; member: own)",
)
def person_invoices(request: HttpRequest, person_id: int) -> list[InvoiceSummaryOut]:
    person = _person_for(request, person_id)
    return [_summary(invoice) for invoice in invoices_for(person)]


@router.get(
    "/invoices/{invoice_id}",
    response=InvoiceOut,
    summary="One invoice with its lines and VAT per rate (roles as above)",
)
def invoice_detail(request: HttpRequest, invoice_id: int) -> InvoiceOut:
    invoice = _invoice_for(request, invoice_id)
    totals = invoice_totals(invoice)
    return InvoiceOut(
        **_summary(invoice).dict(),
        person_id=invoice.person_id,
        settled_at=invoice.settled_at,
        lines=[
            InvoiceLineOut(
                description=line.description,
                quantity=line.quantity,
                unit_amount_cents=line.unit_amount_cents,
                vat_percent=line.vat_percent,
                amount_cents=line.amount_cents,
            )
            for line in invoice.lines.all()
        ],
        vat=[
            VatRowOut(percent=r.percent, gross_cents=r.gross_cents, net_cents=r.net_cents, vat_cents=r.vat_cents)
            for r in totals.vat
        ],
    )


@router.get(
    "/invoices/{invoice_id}/pdf",
    summary="The invoice as PDF (roles as above)",
    openapi_extra={
        "responses": {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
    },
)
def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_for(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="factuur-{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
