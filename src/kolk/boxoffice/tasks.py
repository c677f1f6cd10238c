"""The box office's background tasks, each defined beside the service it runs.

The service module enqueues its task and the task calls the service, so no two
modules import each other. They are named here too: the periodic ones are
registered from here (apps.py), and the worker finds a task by the path it was
queued under, so a task queued as `kolk.boxoffice.tasks.…` still runs.
"""

from __future__ import annotations

from kolk.boxoffice.services.payments import refund_mollie_payments
from kolk.boxoffice.services.selling import release_expired_orders
from kolk.boxoffice.services.waitlist import make_waitlist_offers
from kolk.boxoffice.tickets import send_tickets
from kolk.boxoffice.voucher_mail import send_voucher

__all__ = ["make_waitlist_offers", "refund_mollie_payments", "release_expired_orders", "send_tickets", "send_voucher"]
