"""The library's daily job: subscriptions, reservations, overdue loans and notices."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kolk.core.clock import today


@task()
def library_daily() -> dict[str, Any]:
    from kolk.library.services.invoicing import fees_invoice_all, fees_settle, unpaid_blocks_refresh
    from kolk.library.services.joining import joins_unpaid_expire
    from kolk.library.services.members import subscriptions_roll, target_groups_refresh
    from kolk.library.services.notices import notices_overdue, reminders_pre_due
    from kolk.library.services.overdue import fines_accrue, overdue_blocks_refresh
    from kolk.library.services.reservations import reservations_expire

    on = today()
    return {
        "subscriptions": subscriptions_roll(on=on, actor=None),
        "reservations_expired": reservations_expire(on=on, actor=None),
        "fines_updated": fines_accrue(on=on),
        "blocks": overdue_blocks_refresh(on=on, actor=None),
        "reminders": reminders_pre_due(on=on, actor=None),
        "overdue_notices": notices_overdue(on=on, actor=None),
        "invoices": fees_invoice_all(actor=None),
        "fees_settled": fees_settle(),
        "unpaid_blocks": unpaid_blocks_refresh(on=on, actor=None),
        "joins_expired": joins_unpaid_expire(on=on, actor=None),
        "target_groups": target_groups_refresh(on=on),
    }
