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
