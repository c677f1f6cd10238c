"""Tickets as the buyer gets them: a QR code per ticket (segno) and the service mail (T02)."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from kolk.boxoffice.models import Order
from kolk.comms.models import MessageKind
from kolk.comms.outbox import message_queue


def qr_png(code: str, *, scale: int = 6) -> bytes:
    """The QR code of a ticket code as PNG: the door scanner reads the code itself."""
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(code: str, *, scale: int = 5) -> str:
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def order_url(order: Order) -> str:
    return settings.KOLK_SITE_URL.rstrip("/") + reverse("web:shop:order", args=[order.token])


def tickets_mail(*, order: Order, actor: Any) -> None:
    """Queue the tickets of a paid order as a service mail with one QR code per ticket; once per order."""
    tickets = list(order.tickets.select_related("seat", "price").order_by("seat__row", "seat__number", "pk"))
    message_queue(
        template="tickets",
        context={"order": order, "show": order.show, "tickets": tickets, "order_url": order_url(order)},
        purpose="service_mails",
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=f"boxoffice.tickets.{order.pk}",
        to_person=order.person,
        to_address=order.buyer_email,
        language=get_language(),
        attachments=[(f"kaart-{i}.png", qr_png(t.code), "image/png") for i, t in enumerate(tickets, start=1)],
    )
