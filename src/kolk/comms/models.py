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


# What every outgoing message has for its delivery, whether mail or text: what it is,
# why it is sent, and the outbox's bookkeeping (kolk.comms.outbox.claim_due claims either).
DELIVERY_NOT_PERSONAL = [
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
]


class Delivery(models.Model):
    """The fields of an outgoing message's delivery, shared by mail and text messages."""

    kind = models.CharField(_("soort"), max_length=10, choices=MessageKind.choices)
    purpose = models.CharField(_("doel"), max_length=64)
    template = models.CharField(_("sjabloon"), max_length=100)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    queued_at = models.DateTimeField(_("in de wachtrij gezet"))
    next_attempt_at = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("opgepakt"), null=True, blank=True)
    error = models.CharField(_("fout"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("sleutel"), max_length=200, unique=True)

    class Meta:
        abstract = True


class OutboxMessage(Delivery):
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
    subject = models.CharField(_("onderwerp"), max_length=255)
    text_body = models.TextField(_("tekst"))
    html_body = models.TextField(_("html"), blank=True)
    unsubscribe_url = models.CharField(_("afmeldlink"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("verzonden"), null=True, blank=True, db_index=True)
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
        not_personal=[*DELIVERY_NOT_PERSONAL, "message_id"],
    )

    class Meta:
        verbose_name = _("uitgaand bericht")
        verbose_name_plural = _("uitgaande berichten")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # Retention (rule `outbox`) finds the messages a year past their queuing by this date.
            models.Index(fields=["queued_at"], name="outbox_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk} ({self.status})"


class OutboxAttachment(models.Model):
    """A file sent with a message, such as tickets with their QR codes."""

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("bericht")
    )
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


class SubscriptionSource(models.TextChoices):
    MEMBER_REGISTRATION = "member_registration", _("bij inschrijving als lid")
    SITE_SIGNUP = "site_signup", _("aangemeld op de website")
    DESK = "desk", _("aan de balie")
    PORTAL = "portal", _("aangemeld in Mijn DNK")


# Sign-ups that wait for the person to confirm by the link in a mail (double opt-in);
# a member added at registration or by staff at the desk is on the list at once.
CONFIRMED_BY_LINK = (SubscriptionSource.SITE_SIGNUP, SubscriptionSource.PORTAL)


class NewsletterSubscription(models.Model):
    """One person (or a bare address) on the newsletter list, from sign-up to its end (N01)."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletter_subscriptions",
        verbose_name=_("persoon"),
    )
    # Only for someone who is not a person in kolk; a person's mail goes to their primary address.
    email = models.EmailField(_("e-mailadres"), max_length=254, blank=True)
    source = models.CharField(_("bron"), max_length=24, choices=SubscriptionSource.choices)
    # The statement adds members automatically; the opt-out must be offered at that moment.
    offered_opt_out = models.BooleanField(_("afmelden aangeboden"), default=False)
    # The last sign-up: a pending one asked again gets a new mail and starts its retention anew.
    subscribed_at = models.DateTimeField(_("aangemeld"))
    # Empty while the sign-up waits for its confirmation link (double opt-in): nobody
    # sends a newsletter to it, and retention (`newsletter_pending`) removes it.
    confirmed_at = models.DateTimeField(_("bevestigd"), null=True, blank=True)
    # The language of the confirmation mail to a bare address (a person's own language otherwise).
    language = models.CharField(_("taal"), max_length=8, default="nl")
    ended_at = models.DateTimeField(_("beëindigd"), null=True, blank=True, db_index=True)

    privacy = PrivacyMap(
        subject="person",
        personal={"person": "email", "email": "email"},
        not_personal=["source", "offered_opt_out", "subscribed_at", "confirmed_at", "language", "ended_at"],
    )

    class Meta:
        verbose_name = _("nieuwsbriefabonnement")
        verbose_name_plural = _("nieuwsbriefabonnementen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(email=""), name="subscription_has_recipient"
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_at__isnull=True, person__isnull=False),
                name="one_active_subscription_per_person",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(ended_at__isnull=True) & ~models.Q(email=""),
                name="one_active_subscription_per_email",
            ),
        ]
        indexes = [
            # Retention (rule `newsletter_pending`) finds unconfirmed sign-ups by this date.
            models.Index(
                fields=["subscribed_at"], condition=models.Q(confirmed_at__isnull=True), name="newsletter_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"subscription #{self.pk}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("concept")
    SENDING = "sending", _("wordt verzonden")
    SENT = "sent", _("verzonden")


class CampaignPurpose(models.TextChoices):
    NEWSLETTER = "newsletter", _("nieuwsbrief")
    OFFERS = "offers", _("aanbiedingen per e-mail")


class Campaign(models.Model):
    """A newsletter or an email offer written by staff, sent to everyone the gate allows."""

    purpose = models.CharField(
        _("soort"), max_length=16, choices=CampaignPurpose.choices, default=CampaignPurpose.NEWSLETTER
    )
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("tekst"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("gemaakt"))
    sent_at = models.DateTimeField(_("verzonden"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("ontvangers"), default=0)

    privacy = PrivacyMap(
        subject=None,
        not_personal=["purpose", "subject", "body", "status", "created_by", "created_at", "sent_at", "recipients"],
    )

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")

    def __str__(self) -> str:
        return self.subject


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("beantwoord")
    CLOSED = "closed", _("gesloten")


class ContactCase(models.Model):
    """A question sent with the contact form (K01, K02), kept until a year after it is closed."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_cases",
        verbose_name=_("persoon"),
    )
    email = models.EmailField(_("e-mailadres"), max_length=254)
    name = models.CharField(_("naam"), max_length=160)
    # The pass or customer number exactly as the person typed it.
    number_given = models.CharField(_("pas- of klantnummer"), max_length=20, blank=True)
    question = models.TextField(_("vraag"))
    language = models.CharField(_("taal"), max_length=8, default="nl")
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(_("geopend"), db_index=True)
    answered_at = models.DateTimeField(_("beantwoord"), null=True, blank=True)
    # When the person is satisfied with the answer: the retention period starts here.
    closed_at = models.DateTimeField(_("gesloten"), null=True, blank=True, db_index=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "member_number",
            "email": "email",
            "name": "name",
            "number_given": "member_number",
            "question": "correspondence",
        },
        not_personal=["language", "status", "opened_at", "answered_at", "closed_at"],
    )

    class Meta:
        verbose_name = _("contactvraag")
        verbose_name_plural = _("contactvragen")
        indexes = [models.Index(fields=["status", "opened_at"], name="case_status_opened")]

    def __str__(self) -> str:
        return f"case #{self.pk}"


class CaseMessage(models.Model):
    """An answer from staff (sent by email through the outbox) or a note on a case."""

    class Direction(models.TextChoices):
        OUT = "out", _("antwoord")
        NOTE = "note", _("interne notitie")

    case = models.ForeignKey(
        ContactCase, on_delete=models.CASCADE, related_name="messages", verbose_name=_("contactvraag")
    )
    direction = models.CharField(_("soort"), max_length=4, choices=Direction.choices)
    body = models.TextField(_("tekst"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tijd"))
    outbox_message = models.ForeignKey(
        OutboxMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verstuurd bericht"),
    )

    privacy = PrivacyMap(
        subject="case__person",
        personal={"case": "correspondence", "body": "correspondence", "outbox_message": "correspondence"},
        not_personal=["direction", "author", "created_at"],
    )

    class Meta:
        verbose_name = _("bericht bij een contactvraag")
        verbose_name_plural = _("berichten bij contactvragen")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"


class NoticeKind(models.TextChoices):
    """The notices a member chooses a channel for (kolk.comms.notices)."""

    DUE_SOON = "due_soon", _("binnenkort inleveren")
    OVERDUE = "overdue", _("te laat")
    HOLD_READY = "hold_ready", _("reservering ligt klaar")
    TICKETS = "tickets", _("kaartjes")


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("sms")
    POST = "post", _("post")
    NONE = "none", _("niet")


class NoticePreference(models.Model):
    """How one person wants one kind of notice (M01); no row is e-mail, as before anyone chose."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preferences",
        verbose_name=_("persoon"),
    )
    kind = models.CharField(_("soort bericht"), max_length=12, choices=NoticeKind.choices)
    channel = models.CharField(_("hoe"), max_length=8, choices=NoticeChannel.choices)
    updated_at = models.DateTimeField(_("gewijzigd"))

    privacy = PrivacyMap(
        subject="person",
        personal={"person": "notice_choices", "channel": "notice_choices"},
        not_personal=["kind", "updated_at"],
    )

    class Meta:
        verbose_name = _("berichtvoorkeur")
        verbose_name_plural = _("berichtvoorkeuren")
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="one_notice_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.channel}"


class SmsMessage(Delivery):
    """One outgoing text message (M02), delivered like mail (kolk.comms.sms)."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sms_messages",
        verbose_name=_("persoon"),
    )
    # In international form, +316…; as the provider got it.
    to_number = models.CharField(_("aan"), max_length=20)
    text = models.TextField(_("tekst"))
    sent_at = models.DateTimeField(_("verzonden"), null=True, blank=True)
    # Our reference with the provider: the same on a resend, so its reports name one message.
    reference = models.CharField(_("referentie"), max_length=64, unique=True)
    provider = models.CharField(_("sms-dienst"), max_length=20, blank=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "correspondence",
            "to_number": "phone",
            "text": "correspondence",
            # A provider's refusal may quote the number.
            "error": "phone",
        },
        not_personal=[*DELIVERY_NOT_PERSONAL, "reference", "provider"],
    )

    class Meta:
        verbose_name = _("sms-bericht")
        verbose_name_plural = _("sms-berichten")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due"),
            # Retention (rule `outbox`) finds them a year after queuing, as mail.
            models.Index(fields=["queued_at"], name="sms_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.template} sms #{self.pk} ({self.status})"


class Letter(models.Model):
    """A notice to go by post (M03): on the desk's print list until staff print it."""

    person = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        on_delete=models.CASCADE,
        related_name="letters",
        verbose_name=_("persoon"),
    )
    # Name and address as they stood when the letter was queued: the envelope's window.
    address = models.TextField(_("adres"))
    purpose = models.CharField(_("doel"), max_length=64)
    template = models.CharField(_("sjabloon"), max_length=100)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    subject = models.CharField(_("onderwerp"), max_length=255)
    text_body = models.TextField(_("tekst"))
    queued_at = models.DateTimeField(_("in de wachtrij gezet"))
    printed_at = models.DateTimeField(_("afgedrukt"), null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(_("sleutel"), max_length=200, unique=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "correspondence",
            "address": "address",
            "subject": "correspondence",
            "text_body": "correspondence",
        },
        not_personal=["purpose", "template", "language", "queued_at", "printed_at", "printed_by", "idempotency_key"],
    )

    class Meta:
        verbose_name = _("brief")
        verbose_name_plural = _("brieven")
        indexes = [
            models.Index(fields=["queued_at"], name="letter_queued"),
            models.Index(fields=["queued_at"], condition=models.Q(printed_at__isnull=True), name="letter_to_print"),
        ]

    def __str__(self) -> str:
        return f"{self.template} letter #{self.pk}"
