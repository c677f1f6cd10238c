"""Letters: a notice a person wants by post goes onto the desk's print list, never silently nowhere.

`letter_queue` renders the mail's own templates (`comms/mail/<template>_subject.txt`
and `.txt`) with the person's name and address as they stand, in their language,
once per idempotency key. Library staff print the list (kolk.desk) and mark what
they printed; a letter stays on the list until then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kolk.comms.models import Letter, MessageKind
from kolk.comms.outbox import render_text, withheld
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.register import get_register


def postal_address(person: Any) -> str:
    """Name and address as an envelope's window shows them; '' when the address is not complete."""
    street = getattr(person, "address_line", "")
    postcode, town = getattr(person, "postcode", ""), getattr(person, "town", "")
    if not (street and postcode and town):
        return ""
    return "\n".join((person.full_name, street, f"{postcode}  {town.upper()}"))


@transaction.atomic
def letter_queue(
    *,
    template: str,
    context: Mapping[str, Any],
    purpose: str,
    actor: Actor,
    idempotency_key: str,
    to_person: Any,
    language: str | None = None,
) -> Letter:
    """Put one letter on the print list; the same key never adds a second."""
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise KolkError(_("Een bericht heeft een sleutel van 1 tot 200 tekens nodig."))
    existing = Letter.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    address = postal_address(to_person)
    if not address:
        raise ValidationError({"address": [_("Geen volledig adres om een brief naar te sturen.")]})
    lang = "en" if str(language or getattr(to_person, "language", "") or "nl")[:2] == "en" else "nl"
    full = {
        **context,
        "person": to_person,
        "centre": get_register().controller,
        "site_url": settings.KOLK_SITE_URL.rstrip("/"),
        "unsubscribe_url": "",
    }
    with translation.override(lang):
        subject = " ".join(render_text(f"comms/mail/{template}_subject.txt", full).split())
        text = render_text(f"comms/mail/{template}.txt", full)
    letter = Letter(
        person=to_person,
        address=address,
        purpose=purpose,
        template=template,
        language=lang,
        subject=subject[:255],
        text_body=text,
        queued_at=now(),
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            letter.save(force_insert=True)
    except IntegrityError:
        return Letter.objects.get(idempotency_key=key)
    audit_log(
        actor=actor,
        action="letter.queued",
        subject=to_person,
        details={"letter": letter.pk, "template": template, "purpose": purpose},
    )
    return letter


@transaction.atomic
def letters_void(*, actor: Actor) -> int:
    """Take off the print list what the ledger no longer allows, as mail is checked right before sending.

    A reminder on consent (L13) whose consent was withdrawn, or for someone whose
    processing is now restricted, is not printed: the letter goes, with an audit entry.
    """
    consent = get_register().consent_purposes()
    pending = list(
        Letter.objects.select_for_update()
        .filter(printed_at__isnull=True, purpose__in=consent)
        .only("pk", "person_id", "purpose")
    )
    for letter in pending:
        letter.kind = MessageKind.NOTICE  # type: ignore[attr-defined]  # what withheld() reads
    void = withheld(pending)
    for letter in pending:
        if letter.pk in void:
            audit_log(actor=actor, action="letter.withheld", subject=letter.person, details={"letter": letter.pk})
    Letter.objects.filter(pk__in=void).delete()
    return len(void)


def letters_to_print() -> models.QuerySet[Letter]:
    """The print list: letters not yet printed, oldest first."""
    return Letter.objects.filter(printed_at__isnull=True).select_related("person").order_by("queued_at", "id")


@transaction.atomic
def letters_mark_printed(*, letter_ids: Iterable[int], actor: Actor) -> int:
    """Take printed letters off the list; a letter printed already stays as it was."""
    ids = [int(i) for i in letter_ids]
    letters = list(Letter.objects.select_for_update().filter(pk__in=ids, printed_at__isnull=True))
    at = now()
    Letter.objects.filter(pk__in=[x.pk for x in letters]).update(printed_at=at, printed_by_id=user_id(actor))
    for letter in letters:
        audit_log(actor=actor, action="letter.printed", subject=letter.person, details={"letter": letter.pk})
    return len(letters)
