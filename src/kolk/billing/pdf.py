"""The invoice as a PDF (WeasyPrint), in Dutch, with the VAT per rate and DNK's address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from schwifty import IBAN

from kolk.billing.models import Invoice
from kolk.billing.selectors import active_mandate_of, invoice_totals
from kolk.core.money import euros as format_euros
from kolk.privacy.register import get_register


def euros(cents: int) -> str:
    """Dutch notation: € 1.234,56 (kolk.core.money)."""
    return format_euros(cents)


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The invoice loads nothing from anywhere: everything it needs is inline."""
    raise ValueError(f"invoice PDFs load no resources ({url[:40]})")


def invoice_html(invoice: Invoice, *, lang: str = "nl") -> str:
    totals = invoice_totals(invoice)
    mandate = active_mandate_of(invoice.person) if invoice.status == Invoice.Status.OPEN else None
    lines = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit": euros(line.unit_amount_cents),
            "vat": line.vat_percent,
            "amount": euros(line.amount_cents),
        }
        for line in invoice.lines.all()
    ]
    context = {
        "invoice": invoice,
        "person": invoice.person,
        "controller": get_register().controller,
        "lines": lines,
        "vat_rows": [
            {"percent": r.percent, "net": euros(r.net_cents), "vat": euros(r.vat_cents), "gross": euros(r.gross_cents)}
            for r in totals.vat
        ],
        "net": euros(totals.net_cents),
        "vat": euros(totals.vat_cents),
        "total": euros(totals.total_cents),
        "paid": euros(totals.paid_cents) if totals.paid_cents else "",
        "open": euros(totals.open_cents),
        "mandate_iban": mandate.bank_account.masked_iban if mandate else "",
        "mandate_reference": mandate.reference if mandate else "",
        "creditor_iban": IBAN(settings.KOLK_SEPA_CREDITOR_IBAN).formatted,
        "creditor_id": settings.KOLK_SEPA_CREDITOR_ID,
        "lang": lang,
    }
    with translation.override(lang):
        return render_to_string("billing/invoice.html", context)


def invoice_pdf(invoice: Invoice, *, lang: str = "nl") -> bytes:
    """The invoice as PDF bytes (A4)."""
    from weasyprint import HTML  # loaded when a PDF is made: the site runs without Pango

    pdf = HTML(string=invoice_html(invoice, lang=lang), url_fetcher=_refuse).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
