"""A newsletter sign-up as a reader makes it: on the site, then confirmed by the link in the mail."""

from __future__ import annotations

import re
from typing import Any

from django.core.mail import get_connection

from kolk.comms.confirmation import newsletter_confirm
from kolk.comms.models import NewsletterSubscription, OutboxMessage
from kolk.comms.newsletter import newsletter_subscribe
from kolk.comms.outbox import outbox_flush

LINK = re.compile(r"/nieuwsbrief/bevestigen/([^\s/]+)")


def confirm_link_token(message: OutboxMessage) -> str:
    found = LINK.search(message.text_body)
    assert found, message.text_body
    return found.group(1)


def signed_up_and_confirmed(email: str = "", person: Any = None) -> NewsletterSubscription:
    """Sign up, read the token from the queued mail, confirm; the mail is delivered to memory, not to SMTP."""
    source = "portal" if person is not None else "site_signup"
    subscription = newsletter_subscribe(email=email, person=person, source=source, actor=None)
    mail = OutboxMessage.objects.filter(template="newsletter_confirm").latest("pk")
    newsletter_confirm(token=confirm_link_token(mail), actor=None)
    outbox_flush(connection=get_connection("django.core.mail.backends.locmem.EmailBackend"))
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    return subscription
