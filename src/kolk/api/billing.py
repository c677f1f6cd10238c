"""Invoices through the API: a person's invoices, one invoice, its PDF; Mollie's webhook for iDEAL.

Who may: the staff roles that serve 'invoicing' in the register see anyone's
invoices (each look is logged as a staff read for that purpose); a member sees
only their own, and someone else's is "not found" (kolk.people.reach).
Authentication: the Django session. Mollie's webhook is open to anyone: it only
makes kolk ask Mollie about a payment kolk started.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Form, Router, Schema

from kolk.api.auth import API_AUTH
from kolk.billing.models import Invoice
from kolk.billing.pdf import invoice_pdf
from kolk.billing.selectors import invoice_get, invoice_totals, invoices_for
from kolk.billing.services import online_payment_update
from kolk.core.errors import NotFound
from kolk.people.reach import person_reach
from kolk.privacy.permits import allow

router = Router(tags=["billing"], auth=API_AUTH)


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


def _invoice_for(request: HttpRequest, invoice_id: int) -> Invoice:
    """The invoice, if the caller may see it; otherwise "not found", as for one that does not exist."""
    invoice = invoice_get(invoice_id)
    if invoice is None:
        raise NotFound()
    person_reach(actor=request.user, person_id=invoice.person_id, purpose="invoicing", record=invoice)
    return invoice


@router.get(
    "/people/{person_id}/invoices",
    response=list[InvoiceSummaryOut],
    summary="A person's invoices, newest first (staff serving invoicing; a member: their own)",
)
@allow(purpose="invoicing", members=True)
def person_invoices(request: HttpRequest, person_id: int) -> list[InvoiceSummaryOut]:
    person = person_reach(actor=request.user, person_id=person_id, purpose="invoicing")
    return [_summary(invoice) for invoice in invoices_for(person)]


@router.get(
    "/invoices/{invoice_id}",
    response=InvoiceOut,
    summary="One invoice with its lines and VAT per rate (roles as above)",
)
@allow(purpose="invoicing", members=True)
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
@allow(purpose="invoicing", members=True)
def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_for(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="factuur-{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/payments/mollie/webhook",
    auth=None,
    url_name="billing_mollie_webhook",
    summary="Mollie's webhook for invoices paid by iDEAL: the status is fetched from Mollie, never taken from the call",
)
@allow(public=True)
def mollie_webhook_view(request: HttpRequest, id: Form[str]) -> dict[str, str]:  # Mollie posts `id`
    return {"result": online_payment_update(payment_id=id)}
