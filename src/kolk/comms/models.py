"""Models of communications: outbox messages and their attachments, newsletter, contact cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class MessageKind(models.TextChoices):
    # Mail the contract needs (tickets, answers, lending notices): no unsubscribe link.
    SERVICE = "service", _("servicebericht")
    # Notices and advice given on consent (L13): the link withdraws the consent.
    NOTICE = "notice", _("attendering")
    # Newsletter and offers (N01, O01): the link records an objection.
    MARKETING = "marketing", _("marketing")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    SENDING = "sending", _("wordt verzonden")
    SENT = "sent", _("verzonden")
    FAILED = "failed", _("mislukt")
    # Not sent because the person objected or withdrew consent after it was queued.
    CANCELLED = "cancelled", _("niet verzonden (bezwaar)")


class OutboxMessage(models.Model):
    """One outgoing email: to whom, which template, for which purpose, and its delivery."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("persoon"),
    )
    to_address = models.EmailField(_("aan"), max_length=254)
    kind = models.CharField(_("soort"), max_length=10, choices=MessageKind.choices)
    purpose = models.CharField(_("doel"), max_length=64)
    template = models.CharField(_("sjabloon"), max_length=100)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    subject = models.CharField(_("onderwerp"), max_length=255)
    text_body = models.TextField(_("tekst"))
    html_body = models.TextField(_("html"), blank=True)
    unsubscribe_url = models.CharField(_("afmeldlink"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    queued_at = models.DateTimeField(_("in de wachtrij gezet"))
    next_attempt_at = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("opgepakt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("verzonden"), null=True, blank=True, db_index=True)
    error = models.CharField(_("fout"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("sleutel"), max_length=200, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "correspondence",
            "to_address": "email",
            "subject": "correspondence",
            "text_body": "correspondence",
            "html_body": "correspondence",
            "unsubscribe_url": "correspondence",
            # SMTP errors may quote the address.
            "error": "email",
        },
        not_personal=[
            "kind",
            "purpose",
            "template",
            "language",
            "status",
            "attempts",
            "queued_at",
            "next_attempt_at",
            "claimed_at",
            "sent_at",
            "idempotency_key",
            "message_id",
        ],
    )

    class Meta:
        verbose_name = _("uitgaand bericht")
        verbose_name_plural = _("uitgaande berichten")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk} ({self.status})"


class OutboxAttachment(models.Model):
    """A file sent with a message, such as tickets with their QR codes."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("bestandsnaam"), max_length=200)
    mimetype = models.CharField(_("soort bestand"), max_length=100)
    content = models.BinaryField(_("inhoud"))

    privacy = PrivacyMap(
        subject="message__person",
        personal={"message": "correspondence", "filename": "tickets", "content": "tickets"},
        not_personal=["mimetype"],
    )

    class Meta:
        verbose_name = _("bijlage")
        verbose_name_plural = _("bijlagen")

    def __str__(self) -> str:
        return self.filename
