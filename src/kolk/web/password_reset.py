"""A new password by mail (A01, X01): the request queues it, the worker finds the accounts and mails them.

The request does the same work whatever the address: it counts the try (per
address and per client, kolk.web.throttle), stores the request and queues the
task, and looks nothing up. So a known and an unknown address take the same
queries and the same time, and the answer is the same page. The worker
(`send_password_reset`) reads the request, mails a one-time link to every
account the address belongs to, records that on the member's activity, and
deletes the request.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from kolk.core.clock import now
from kolk.web.models import PasswordResetRequest
from kolk.web.services import portal_event_record
from kolk.web.throttle import throttle_key, throttle_take

logger = logging.getLogger(__name__)

RESET_WINDOW = dt.timedelta(hours=1)
RESETS_PER_ADDRESS = 5  # in RESET_WINDOW; the sixth is refused
RESETS_PER_CLIENT = 20  # a library's public PCs share one address
SUBJECT_TEMPLATE = "web/portal/email/password_reset_subject.txt"
BODY_TEMPLATE = "web/portal/email/password_reset.txt"


def _folded(address: str) -> str:
    return unicodedata.normalize("NFKC", address).casefold()


@transaction.atomic
def password_reset_request(*, address: str, ip_address: str | None, language: str) -> bool:
    """Queue a reset mail for `address`; False (and nothing queued) once the address or the client asked too often."""
    limits = {
        throttle_key("password_reset.address", _folded(address.strip())): RESETS_PER_ADDRESS,
        throttle_key("password_reset.client", ip_address or "unknown"): RESETS_PER_CLIENT,
    }
    if not throttle_take(limits=limits, window=RESET_WINDOW):
        return False
    reset = PasswordResetRequest.objects.create(
        address=address.strip(), ip_address=ip_address, language=language, requested_at=now()
    )
    # In this transaction: the task exists exactly when the request does.
    send_password_reset.enqueue(reset.pk)
    return True


def _accounts(address: str) -> list[tuple[Any, str]]:
    """Each active account with a password that `address` belongs to, with the address as kolk keeps it.

    The database compares case-insensitively in its own way (PostgreSQL folds
    the dotless i, U+0131, to 'I'), so each match is checked again with Unicode's folding, and the
    mail goes to the stored address, never to the one typed: a look-alike
    domain cannot receive another member's link.
    """
    users = (
        get_user_model()
        ._default_manager.filter(Q(email__iexact=address) | Q(person__emails__address__iexact=address), is_active=True)
        .select_related("person")
        .distinct()
    )
    wanted = _folded(address)
    found = []
    for user in users:
        if not user.has_usable_password():
            continue
        person = getattr(user, "person", None)
        stored = [user.email, *(person.emails.values_list("address", flat=True) if person else [])]
        match = next((a for a in stored if a and _folded(a) == wanted), None)
        if match is not None:
            found.append((user, match))
    return found


def _mail(user: Any, to: str) -> None:
    site = urlsplit(settings.KOLK_SITE_URL)
    context = {
        "email": to,
        "protocol": site.scheme,
        "domain": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    try:
        EmailMessage(subject, render_to_string(BODY_TEMPLATE, context), None, [to]).send()
    except OSError as exc:  # SMTP errors too; one failed mail must not stop the others, the member can ask again
        logger.error("password reset mail for user %s not sent: %s", user.pk, type(exc).__name__)


def password_reset_send(*, request_id: int) -> int:
    """The worker's half: mail every account of the request's address, then delete the request; how many mailed."""
    reset = PasswordResetRequest.objects.filter(pk=request_id).first()
    if reset is None:  # mailed already, or gone with its retention
        return 0
    accounts = []
    # A link mailed long after it was asked for would surprise; it would also outlive its purpose.
    if reset.requested_at > now() - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        accounts = _accounts(reset.address)
        with translation.override(reset.language):
            for user, to in accounts:
                _mail(user, to)
    with transaction.atomic():
        for user, _to in accounts:
            if user.person is not None:
                portal_event_record(
                    person=user.person, action="password_reset_requested", ip_address=reset.ip_address, actor=None
                )
        reset.delete()
    return len(accounts)


@task()
def send_password_reset(request_id: int) -> int:
    """Mail a requested password reset (A01, X01); the argument is the request's id, never the address."""
    return password_reset_send(request_id=request_id)
