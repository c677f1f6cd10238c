"""Writes of the website: cookie choices and the portal's actions.

Each service runs in one transaction and leaves one audit entry of its own.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kolk.core.clock import now
from kolk.privacy.audit import audit_log
from kolk.web.cookies import current_version
from kolk.web.models import CookieChoice


@transaction.atomic
def cookie_choice_record(*, visitor_id: str, analytics: bool, social: bool, actor: Any) -> CookieChoice:
    """Store a visitor's answer to the current cookie notice (W01)."""
    choice = CookieChoice.objects.create(
        visitor_id=visitor_id,
        notice_version=current_version(),
        analytics=analytics,
        social=social,
        chosen_at=now(),
    )
    audit_log(
        actor=actor,
        action="cookies.chosen",
        details={"choice": choice.pk, "version": choice.notice_version, "analytics": analytics, "social": social},
    )
    return choice
