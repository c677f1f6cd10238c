"""Background tasks of the box office."""

from __future__ import annotations

from django_tasks import task

from kolk.boxoffice.services.selling import orders_expire


@task()
def release_expired_orders() -> int:
    """Free the seats of holds and unpaid orders past their time."""
    return orders_expire()


@task()
def refund_mollie_payments() -> int:
    """Pay back, through Mollie, iDEAL payments of cancelled or too-late orders."""
    from kolk.boxoffice.services.payments import mollie_refunds_due

    return mollie_refunds_due()


@task()
def send_tickets(order_id: int, language: str) -> bool:
    """Draw the QR codes of a paid order and queue its ticket mail (T02)."""
    from kolk.boxoffice.tickets import tickets_mail_send

    return tickets_mail_send(order_id=order_id, language=language)
