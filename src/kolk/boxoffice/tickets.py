"""Tickets as the buyer gets them: a QR code per ticket (segno) and the service mail (T02).

The QR codes are drawn where a ticket is shown or mailed, never inside a sale:
a payment enqueues `send_tickets` inside the payment's transaction (so the task
exists exactly when the payment is committed), and the worker draws the codes
and queues the mail.
"""

from __future__ import annotations

import io
import secrets

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django_tasks import task

from kolk.boxoffice.models import Order
from kolk.boxoffice.pdf import tickets_pdf
from kolk.comms.models import MessageKind, NoticeChannel, NoticeKind
from kolk.comms.notices import notice_send
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor
from kolk.privacy.audit import audit_log


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


def tickets_mail(*, order: Order, actor: Actor, language: str | None = None, again: str = "") -> str:
    """Queue the tickets of a paid order, once per order (and once per `again`: a resend the box office
    asked for); returns the channel.

    By mail with one QR code per ticket, or, when the buyer is a person who chose SMS for
    tickets, as a text message with the link to the order page that shows the codes.
    """
    # Show by show: a theaterabonnement or a basket holds several, and then each ticket names its show.
    tickets = list(
        order.tickets.select_related("seat", "price", "show__film", "show__production").order_by(
            "show__starts_at", "show_id", "seat__row", "seat__number", "pk"
        )
    )
    lang = language or get_language()
    context = {
        "order": order,
        "show": order.show,
        "tickets": tickets,
        "order_url": order_url(order),
        "series": len({t.show_id for t in tickets}) > 1,
        # The text message names the order's show and counts the others (a basket, a theaterabonnement).
        "more_shows": len({t.show_id for t in tickets} - {order.show_id}),
    }
    key = f"boxoffice.tickets.{order.pk}" + (f".again.{again}" if again else "")
    attachments = [
        ("kaartjes.pdf", tickets_pdf(order, tickets, paper="a4", lang=language or "nl"), "application/pdf"),
        *[(f"kaart-{i}.png", qr_png(t.code), "image/png") for i, t in enumerate(tickets, start=1)],
    ]
    if order.person_id is None:
        message_queue(
            template="tickets",
            context=context,
            purpose="service_mails",
            kind=MessageKind.SERVICE,
            actor=actor,
            idempotency_key=key,
            language=lang,
            to_address=order.buyer_email,
            attachments=attachments,
        )
        return NoticeChannel.EMAIL
    return notice_send(
        person=order.person,
        notice=NoticeKind.TICKETS,
        template="tickets",
        context=context,
        purpose="service_mails",
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=key,
        language=lang,
        email={"to_address": order.buyer_email, "attachments": attachments},
    )


def tickets_mail_later(*, order: Order) -> None:
    """Have the worker mail a paid order's tickets, in the buyer's language of now.

    Enqueued inside the caller's transaction: the task exists exactly when the
    payment is committed, so a ticket mail is never lost nor sent for a sale
    that rolled back.
    """
    send_tickets.enqueue(order.pk, get_language() or settings.LANGUAGE_CODE)


def tickets_resend(*, order: Order, actor: Actor) -> None:
    """Have the worker mail a paid order's tickets once more (the box office's "opnieuw sturen")."""
    audit_log(
        actor=actor,
        action="order.tickets_resent",
        **({"subject": order.person} if order.person_id else {"subject": order}),
        details={"order": order.pk},
    )
    send_tickets_again.enqueue(order.pk, get_language() or settings.LANGUAGE_CODE, secrets.token_hex(8))


def tickets_mail_send(*, order_id: int, language: str, again: str = "") -> bool:
    """The worker's half: queue the mail if the order is still paid and has an address; once per order."""
    order = (
        Order.objects.select_related("show__hall__venue", "show__film", "show__production", "person")
        .filter(pk=order_id, status=Order.Status.PAID)
        .exclude(buyer_email="")
        .first()
    )
    if order is None:  # cancelled, refunded or anonymised since it was paid: no tickets to send
        return False
    with translation.override(language):
        tickets_mail(order=order, actor=None, language=language, again=again)
    return True


@task()
def send_tickets(order_id: int, language: str) -> bool:
    """Draw the QR codes of a paid order and queue its ticket mail (T02)."""
    return tickets_mail_send(order_id=order_id, language=language)


@task()
def send_tickets_again(order_id: int, language: str, again: str) -> bool:
    """Queue a paid order's ticket mail once more, as the box office asked (once per request)."""
    return tickets_mail_send(order_id=order_id, language=language, again=again)
