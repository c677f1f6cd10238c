"""The newsletter (N01): the subscriber list, and campaigns written by staff.

New members are added automatically, with the opt-out offered at that moment
(`offered_opt_out`); others sign up at the desk, or on the site, in the portal or
through the API, where the sign-up waits for its confirmation link (double opt-in,
kolk.comms.confirmation). Leaving the list
is an objection in the ledger, so the purpose gate drops the person at once.
A campaign goes to the people `purpose_read(purpose="newsletter")` yields, one
outbox message each under the key campaign:<id>:<subscription>; a run killed
halfway is finished by running it again, and nobody gets the campaign twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks import task

from kolk.comms.confirmation import confirmation_mail_queue
from kolk.comms.models import (
    CONFIRMED_BY_LINK,
    Campaign,
    CampaignPurpose,
    CampaignStatus,
    MessageKind,
    NewsletterSubscription,
    OutboxMessage,
    SubscriptionSource,
)
from kolk.comms.outbox import message_build, messages_queue_bulk
from kolk.comms.unsubscribe import newsletter_subscriptions_end
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.validators import no_control_characters
from kolk.privacy.audit import audit_log
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import is_objecting, objection_record

CAMPAIGN_CHUNK = 500
METHOD_OF_SOURCE: dict[str, str] = {
    SubscriptionSource.MEMBER_REGISTRATION: "desk",
    SubscriptionSource.SITE_SIGNUP: "web",
    SubscriptionSource.DESK: "desk",
    SubscriptionSource.PORTAL: "web",
}


def _clean_address(email: str) -> str:
    local, _sep, domain = email.strip().rpartition("@")
    address = f"{local}@{domain.lower()}" if local else email.strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Vul een geldig e-mailadres in.")]}) from exc
    return address


@transaction.atomic
def newsletter_subscribe(
    *,
    source: str,
    actor: Actor,
    person: Any = None,
    email: str = "",
    offered_opt_out: bool = False,
    language: str | None = None,
) -> NewsletterSubscription:
    """Put a person (or, for someone not in kolk, a bare address) on the list.

    A sign-up on the site, in the portal or through the API (CONFIRMED_BY_LINK) is
    pending: it gets a mail with a confirmation link (kolk.comms.confirmation), and
    nothing else is sent to it until the link is used. Asking again for a pending
    sign-up sends the link again (at most once an hour); for an address on the
    list already nothing is sent, so a stranger's attempts never reach its inbox,
    and the caller answers the same either way.

    A member added at registration must have been offered the opt-out
    (`offered_opt_out=True`); a member who opted out then is not added at all.
    Staff record a sign-up at the desk, and it counts at once: the ledger keeps
    who recorded it. An explicit sign-up by someone who objected before
    withdraws that objection when it counts (at the desk now, by link once confirmed).
    """
    if source not in SubscriptionSource.values:
        raise KolkError(_("Onbekende bron van een aanmelding."))
    if source == SubscriptionSource.MEMBER_REGISTRATION and not offered_opt_out:
        raise KolkError(_("Bij inschrijving moet afmelden voor de nieuwsbrief worden aangeboden."))
    if source == SubscriptionSource.DESK and user_id(actor, staff_only=True) is None:
        raise KolkError(_("Een aanmelding aan de balie legt een medewerker vast."), code="staff_only")
    if source == SubscriptionSource.PORTAL and person is None:
        raise KolkError(_("Een aanmelding in Mijn DNK is van een lid."))
    if person is None and not email.strip():
        raise ValidationError({"email": [_("Vul een e-mailadres in.")]})
    by_link = source in CONFIRMED_BY_LINK
    active = NewsletterSubscription.objects.filter(ended_at__isnull=True)
    if person is not None:
        existing = active.filter(person=person).first()
        values: dict[str, Any] = {"person": person}
    else:
        address = _clean_address(email)
        existing = active.filter(email__iexact=address).first()
        values = {"email": address}
    lang = "en" if (language or "nl")[:2] == "en" else "nl"
    if existing is not None:
        if existing.confirmed_at is None:
            if by_link:
                _ask_again(existing, language=lang, actor=actor)
            else:  # staff at the desk, or registration: it counts now
                _confirm_now(existing, source=source, actor=actor)
        return existing
    if person is not None and source == SubscriptionSource.DESK:
        _no_objection(person, method=METHOD_OF_SOURCE[source], actor=actor)
    at = now()
    try:
        with transaction.atomic():
            subscription = NewsletterSubscription.objects.create(
                **values,
                source=source,
                offered_opt_out=offered_opt_out,
                subscribed_at=at,
                confirmed_at=None if by_link else at,
                language=lang,
            )
    except IntegrityError:  # signed up twice at the same moment
        return active.get(**values)
    audit_log(
        actor=actor,
        action="newsletter.subscribed",
        subject=person,
        details={
            "subscription": subscription.pk,
            "source": source,
            "offered_opt_out": offered_opt_out,
            "pending": by_link,
        },
    )
    if by_link:
        confirmation_mail_queue(subscription=subscription, actor=actor)
    return subscription


def _no_objection(person: Any, *, method: str, actor: Actor) -> None:
    """The person's "yes" on record in the ledger, with who recorded it (an earlier objection ends)."""
    objection_record(subject=person, purpose="newsletter", objects=False, method=method, actor=actor)


def _ask_again(subscription: NewsletterSubscription, *, language: str, actor: Actor) -> None:
    """A pending sign-up asked for again: a new link, and its retention starts anew."""
    subscription.language = language
    if confirmation_mail_queue(subscription=subscription, actor=actor):
        NewsletterSubscription.objects.filter(pk=subscription.pk).update(subscribed_at=now(), language=language)


def _confirm_now(subscription: NewsletterSubscription, *, source: str, actor: Actor) -> None:
    at = now()
    NewsletterSubscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(confirmed_at=at)
    subscription.confirmed_at = at
    if subscription.person is not None and source == SubscriptionSource.DESK:
        _no_objection(subscription.person, method=METHOD_OF_SOURCE[source], actor=actor)
    audit_log(
        actor=actor,
        action="newsletter.confirmed",
        subject=subscription.person,
        details={"subscription": subscription.pk, "source": source, "method": METHOD_OF_SOURCE[source]},
    )


@transaction.atomic
def newsletter_unsubscribe(*, subscription: NewsletterSubscription, actor: Actor, method: str = "web") -> None:
    """End a subscription; for a person this is an objection, so it holds at once."""
    newsletter_subscriptions_end(ids=[subscription.pk], actor=actor)
    person = subscription.person
    if person is not None and not is_objecting(person, "newsletter"):
        objection_record(subject=person, purpose="newsletter", objects=True, method=method, actor=actor)


# Campaigns.


def _clean_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = " ".join(subject.split()), body.strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Vul een onderwerp in.")]
    if not body:
        errors["body"] = [_("Vul een tekst in.")]
    if errors:
        raise ValidationError(errors)
    no_control_characters(subject)
    return subject[:200], body


@transaction.atomic
def campaign_create(*, subject: str, body: str, actor: Actor, purpose: str = CampaignPurpose.NEWSLETTER) -> Campaign:
    """A draft newsletter or email offer."""
    if purpose not in CampaignPurpose.values:
        raise KolkError(_("Onbekende soort campagne."))
    subject, body = _clean_text(subject, body)
    campaign = Campaign.objects.create(
        purpose=purpose,
        subject=subject,
        body=body,
        created_by_id=user_id(actor),
        created_at=now(),
    )
    audit_log(actor=actor, action="campaign.created", details={"campaign": campaign.pk, "purpose": purpose})
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, subject: str, body: str, actor: Actor) -> Campaign:
    if campaign.status != CampaignStatus.DRAFT:
        raise KolkError(_("Een verzonden campagne kan niet meer worden gewijzigd."))
    campaign.subject, campaign.body = _clean_text(subject, body)
    campaign.save(update_fields=["subject", "body"])
    audit_log(actor=actor, action="campaign.updated", details={"campaign": campaign.pk})
    return campaign


def newsletter_recipients(*, actor: Actor) -> Iterator[dict[str, Any]]:
    """Confirmed, running subscriptions the gate allows, one row each: id, person, address to send to.

    A pending sign-up (double opt-in) gets nothing but its confirmation mail.
    """
    qs = NewsletterSubscription.objects.filter(ended_at__isnull=True, confirmed_at__isnull=False).filter(
        Q(person__isnull=True) | Q(person__emails__is_primary=True)
    )
    rows = purpose_read(
        purpose="newsletter",
        model=NewsletterSubscription,
        fields=["id", "person", "email", "person__emails__address"],
        queryset=qs.order_by("id"),
        actor=actor,
    )
    for row in rows:
        yield {
            "key": f"s{row['id']}",
            "subscription_id": row["id"],
            "person_id": row["person"],
            "address": row["person__emails__address"] or row["email"],
        }


def _recipients(campaign: Campaign, actor: Actor) -> Iterator[dict[str, Any]]:
    if campaign.purpose == CampaignPurpose.OFFERS:
        from kolk.comms.offers import offers_email_selection

        for row in offers_email_selection(actor=actor):
            yield {"key": f"p{row['id']}", "subscription_id": None, "person_id": row["id"], "address": row["address"]}
    else:
        yield from newsletter_recipients(actor=actor)


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def campaign_send(*, campaign: Campaign, actor: Actor) -> int:
    """Queue the campaign for everyone the purpose gate allows; returns how many are queued in all.

    Not one transaction on purpose: chunks commit as they go, each message under
    the key campaign:<id>:<recipient>, so a run killed halfway is finished by
    calling this again and nobody is queued twice.
    """
    from kolk.privacy.subjects import subject_model

    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == CampaignStatus.SENT:
            raise KolkError(_("Deze campagne is al verzonden."))
        if locked.status == CampaignStatus.DRAFT:
            locked.status = CampaignStatus.SENDING
            locked.save(update_fields=["status"])
            audit_log(actor=actor, action="campaign.started", details={"campaign": campaign.pk})
    prefix = f"campaign:{campaign.pk}:"
    people = subject_model()._default_manager
    # The selection is read to the end first, so that its read is one gated read.
    selection = list(_recipients(locked, actor))
    for chunk in _chunks(iter(selection), CAMPAIGN_CHUNK):
        keys = [prefix + row["key"] for row in chunk]
        done = set(OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
        todo = [row for row in chunk if prefix + row["key"] not in done]
        persons = people.in_bulk([row["person_id"] for row in todo if row["person_id"]])
        messages = [
            message_build(
                template=locked.purpose,
                context={
                    "subject": locked.subject,
                    "body": locked.body,
                    "campaign_id": locked.pk,
                    "subscription_id": row["subscription_id"],
                },
                purpose=locked.purpose,
                kind=MessageKind.MARKETING,
                idempotency_key=prefix + row["key"],
                to_person=persons.get(row["person_id"]),
                to_address=row["address"],
            )
            for row in todo
        ]
        with transaction.atomic():
            messages_queue_bulk(messages)
    queued = OutboxMessage.objects.filter(idempotency_key__startswith=prefix).count()
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENT, sent_at=now(), recipients=queued)
        audit_log(actor=actor, action="campaign.sent", details={"campaign": campaign.pk, "recipients": queued})
    campaign.refresh_from_db()
    return queued


@task()
def send_campaign(campaign_id: int, actor_id: int | None) -> int:
    """Queue a campaign for all its recipients (can take a while: run by the worker)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return campaign_send(campaign=Campaign.objects.get(pk=campaign_id), actor=actor)


@transaction.atomic
def campaign_start(*, campaign: Campaign, actor: Actor) -> None:
    """Hand a campaign to the worker, which runs campaign_send (safe to press twice)."""
    if campaign.status == CampaignStatus.SENT:
        raise KolkError(_("Deze campagne is al verzonden."))
    audit_log(actor=actor, action="campaign.requested", details={"campaign": campaign.pk})
    campaign_id, actor_id = campaign.pk, getattr(actor, "pk", None)

    def enqueue() -> None:
        send_campaign.enqueue(campaign_id, actor_id)

    transaction.on_commit(enqueue)


def campaigns(*, purpose: str | None = None) -> models.QuerySet[Campaign]:
    qs = Campaign.objects.order_by("-created_at", "-pk")
    return qs.filter(purpose=purpose) if purpose else qs
