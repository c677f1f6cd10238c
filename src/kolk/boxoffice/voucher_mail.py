"""A gift voucher bought online as the buyer gets it: a printable PDF (WeasyPrint) and the service mail.

The payment enqueues `send_voucher` inside its own transaction (so the task exists
exactly when the voucher does), and the worker renders the PDF and queues the mail,
once per sale.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import VoucherSale
from kolk.comms.models import MessageKind
from kolk.comms.outbox import message_queue
from kolk.privacy.register import get_register


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A voucher loads nothing from anywhere: everything it needs is inline."""
    raise ValueError(f"voucher PDFs load no resources ({url[:40]})")


def voucher_context(sale: VoucherSale) -> dict[str, Any]:
    voucher = sale.voucher
    assert voucher is not None
    return {
        "sale": sale,
        "voucher": voucher,
        "code": code_display(voucher.code),
        "controller": get_register().controller,
        "sale_url": settings.KOLK_SITE_URL.rstrip("/") + reverse("web:shop:voucher_sale", args=[sale.token]),
        "shop_url": settings.KOLK_SITE_URL.rstrip("/") + reverse("web:shop:programme"),
    }


def voucher_pdf(sale: VoucherSale, *, lang: str = "nl") -> bytes:
    """A paid sale's voucher on A4: the value, the code, until when, for whom and the message."""
    from weasyprint import HTML  # loaded when a PDF is made: the site runs without Pango

    with translation.override(lang):
        html = render_to_string("boxoffice/voucher_pdf.html", {**voucher_context(sale), "lang": lang})
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def voucher_mail_send(*, sale_id: int, language: str) -> bool:
    """The worker's half: queue the voucher mail with its PDF, once per sale; False if there is none to send."""
    sale = (
        VoucherSale.objects.select_related("voucher")
        .filter(pk=sale_id, status=VoucherSale.Status.PAID, voucher__isnull=False)
        .exclude(buyer_email="")
        .first()
    )
    if sale is None:  # anonymised since it was paid, or never paid
        return False
    with translation.override(language):
        message_queue(
            template="voucher",
            context=voucher_context(sale),
            purpose="service_mails",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=f"boxoffice.voucher.{sale.pk}",
            language=language,
            to_address=sale.buyer_email,
            attachments=[("cadeaubon.pdf", voucher_pdf(sale, lang=language), "application/pdf")],
        )
    return True


def voucher_mail_later(*, sale_id: int, language: str) -> None:
    """Have the worker mail a paid sale's voucher; enqueued inside the payment's transaction."""
    send_voucher.enqueue(sale_id, language or settings.LANGUAGE_CODE)


@task()
def send_voucher(sale_id: int, language: str) -> bool:
    """Render a gift voucher bought online and queue its mail to the buyer."""
    return voucher_mail_send(sale_id=sale_id, language=language)
