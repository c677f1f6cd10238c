"""Paying an open invoice or open fines by iDEAL from the portal, and the page Mollie sends the member back to.

Role: member (kolk.web.portal.member_required); an invoice is reached through
owned_or_404. "Betalen" starts a Mollie payment of what is open and sends the
member to Mollie's checkout; back on the invoice's payment page, kolk asks
Mollie for the status and the page refreshes itself until the bank has
answered. Mollie's webhook books the payment too (kolk.api.billing), once.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.billing.models import Invoice, OnlinePayment
from kolk.billing.selectors import invoices_for, online_payment_latest
from kolk.billing.services import invoice_pay_online, online_payment_update
from kolk.core.errors import KolkError
from kolk.library.services.invoicing import fees_invoice
from kolk.web.portal import client_ip, member_required, owned_or_404
from kolk.web.services import portal_event_record
from kolk.web.shop_views import allow_mollie_checkout


def _start(request: HttpRequest, person: Any, invoice: Invoice) -> HttpResponse:
    try:
        online = invoice_pay_online(
            invoice=invoice,
            return_url=request.build_absolute_uri(reverse("web:portal_invoice_paying", args=[invoice.pk])),
            webhook_url=settings.KOLK_SITE_URL.rstrip("/") + reverse("api:billing_mollie_webhook"),
            actor=request.user,
        )
    except KolkError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:portal_invoices")
    portal_event_record(
        person=person,
        action="payment_started",
        ip_address=client_ip(request),
        actor=request.user,
        details={"invoice": invoice.pk, "online_payment": online.pk},
    )
    if not online.checkout_url.startswith("https://"):
        return redirect("web:portal_invoice_paying", invoice_id=invoice.pk)
    return redirect(online.checkout_url)


@require_POST
@member_required
def invoice_pay(request: HttpRequest, person: Any, invoice_id: int) -> HttpResponse:
    """Betalen: pay what is open on one of my invoices by iDEAL."""
    invoice = owned_or_404(request, person, invoices_for(person).filter(status=Invoice.Status.OPEN), invoice_id)
    return _start(request, person, invoice)


@require_POST
@member_required
def fines_pay(request: HttpRequest, person: Any) -> HttpResponse:
    """Betalen for open fines: they go on an invoice first (as at the desk), and that invoice is paid."""
    new = fees_invoice(person=person, actor=request.user)
    fines = [i for i in new if i.source == Invoice.Source.FINE]
    if not fines:
        messages.info(request, _("Er staat geen te-laat-geld meer open zonder factuur."))
        return redirect("web:portal_invoices")
    return _start(request, person, fines[0])


@member_required
def invoice_paying(request: HttpRequest, person: Any, invoice_id: int) -> HttpResponse:
    """Back from Mollie: paid, failed, or still waiting for the bank (the status part refreshes itself)."""
    invoice = owned_or_404(request, person, invoices_for(person), invoice_id)
    online = online_payment_latest(invoice)
    if online is not None and online.status == OnlinePayment.Status.OPEN:
        with contextlib.suppress(KolkError):  # Mollie not reachable now: the page asks again on its next refresh
            online_payment_update(payment_id=online.provider_ref)
        online.refresh_from_db()
        invoice = invoices_for(person).get(pk=invoice.pk)
    context = {"person": person, "invoice": invoice, "online": online, "Status": OnlinePayment.Status}
    template = "web/portal/_paying.html" if request.headers.get("HX-Request") else "web/portal/paying.html"
    response = render(request, template, context)
    allow_mollie_checkout(request, response)  # its "Betalen" (after a failed payment) goes to Mollie
    return response
