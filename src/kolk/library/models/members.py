"""Members: subscription types and their fees, subscriptions, blocks, the member profile.

A subscription type's fee depends on the holder's age (L04, from the date of
birth): under 18 free by the Dutch library law (Wet stelsel openbare
bibliotheekvoorzieningen), a young-adult tier from 18 to 25, the adult fee after.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap

FREE_UNDER = 18  # by law, youth membership of a public library is free
YOUNG_ADULT_UNTIL = 25  # inclusive


class Period(models.TextChoices):
    YEARLY = "yearly", _("per jaar")
    MONTHLY = "monthly", _("per maand")


class SubscriptionType(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("naam"), max_length=80)
    period = models.CharField(_("periode"), max_length=8, choices=Period.choices, default=Period.YEARLY)
    fee_young_adult_cents = models.PositiveIntegerField(_("contributie 18 t/m 25 (cent)"), default=0)
    fee_adult_cents = models.PositiveIntegerField(_("contributie volwassene (cent)"), default=0)
    max_loans = models.PositiveSmallIntegerField(_("maximaal aantal uitleningen"), default=20)
    reservation_fee_cents = models.PositiveIntegerField(_("reserveringskosten (cent)"), default=0)
    is_family = models.BooleanField(_("gezinsabonnement"), default=False)
    is_school = models.BooleanField(_("schoolabonnement"), default=False)
    active = models.BooleanField(_("actief"), default=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "code",
            "name",
            "period",
            "fee_young_adult_cents",
            "fee_adult_cents",
            "max_loans",
            "reservation_fee_cents",
            "is_family",
            "is_school",
            "active",
        ],
    )

    class Meta:
        verbose_name = _("abonnementsvorm")
        verbose_name_plural = _("abonnementsvormen")

    def __str__(self) -> str:
        return self.name

    def fee_for_age(self, age: int | None) -> int:
        """The fee in cents for a holder of `age` (unknown age pays the adult fee)."""
        if age is not None and age < FREE_UNDER:
            return 0
        if age is not None and age <= YOUNG_ADULT_UNTIL:
            return self.fee_young_adult_cents
        return self.fee_adult_cents


class EndReason(models.TextChoices):
    MOVED = "moved", _("verhuisd")
    NOT_USED = "not_used", _("gebruik te weinig")
    PRICE = "price", _("te duur")
    DIGITAL = "digital", _("leest digitaal")
    DECEASED = "deceased", _("overleden")
    SCHOOL_ENDED = "school_ended", _("einde schooldienst")
    OTHER = "other", _("anders")


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("actief")
        CANCELLED = "cancelled", _("opgezegd, loopt af")
        ENDED = "ended", _("beëindigd")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="library_subscriptions", verbose_name=_("lid")
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_subscriptions",
        verbose_name=_("huishouden"),
    )
    type = models.ForeignKey(
        SubscriptionType, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("abonnementsvorm")
    )
    fee_cents = models.PositiveIntegerField(_("contributie (cent)"))
    started_on = models.DateField(_("ingangsdatum"))
    renews_on = models.DateField(_("verlengdatum"))
    auto_renew = models.BooleanField(_("automatisch verlengen"), default=True)
    cancelled_on = models.DateField(_("opgezegd op"), null=True, blank=True)
    ended_on = models.DateField(_("einddatum"), null=True, blank=True, db_index=True)
    end_reason = models.CharField(_("reden uitschrijving"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("toelichting"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # The ID was seen at the desk: who saw it and when, never the document or its number.
    id_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("legitimatie gezien door"),
    )
    id_seen_at = models.DateTimeField(_("legitimatie gezien op"), null=True, blank=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "membership_dates",
            "household": "family_relation",
            "type": "membership_dates",
            "fee_cents": "bank",
            "started_on": "membership_dates",
            "renews_on": "membership_dates",
            "auto_renew": "membership_dates",
            "cancelled_on": "membership_dates",
            "ended_on": "membership_dates",
            "end_reason": "deregistration_reason",
            "end_note": "deregistration_reason",
            "status": "status_block",
            "id_seen_by": "log_data",
            "id_seen_at": "log_data",
        },
    )

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnementen")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=~Q(status="ended"), name="one_running_subscription"),
        ]
        indexes = [models.Index(fields=["renews_on"], condition=~Q(status="ended"), name="subscription_due")]

    def __str__(self) -> str:
        return f"{self.type} ({self.get_status_display()})"


class Block(models.Model):
    """A block (L16): while it stands, no checkout and no reservation."""

    class Reason(models.TextChoices):
        MANUAL = "manual", _("handmatig")
        OVERDUE = "overdue", _("te laat")
        UNPAID = "unpaid", _("onbetaald")
        # Joined online: lending waits until the desk has seen an ID on the first visit.
        CONFIRM = "confirm", _("bevestigen aan de balie")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="library_blocks", verbose_name=_("lid")
    )
    reason = models.CharField(_("reden"), max_length=8, choices=Reason.choices)
    note = models.CharField(_("toelichting"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("geblokkeerd op"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("geblokkeerd door"),
    )
    lifted_at = models.DateTimeField(_("opgeheven op"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opgeheven door"),
    )

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "status_block",
            "reason": "status_block",
            "note": "status_block",
            "created_at": "status_block",
            "created_by": "log_data",
            "lifted_at": "status_block",
            "lifted_by": "log_data",
        },
    )

    class Meta:
        verbose_name = _("blokkering")
        verbose_name_plural = _("blokkeringen")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reason"], condition=Q(lifted_at__isnull=True), name="one_standing_block_per_reason"
            )
        ]

    def __str__(self) -> str:
        return self.get_reason_display()


class TargetGroup(models.TextChoices):
    """Doelgroep (L17), derived from age and school."""

    CHILD = "child", _("jeugd 0-11")
    TEEN = "teen", _("jongeren 12-17")
    PUPIL = "pupil", _("leerling")
    YOUNG_ADULT = "young_adult", _("jongvolwassene 18-25")
    ADULT = "adult", _("volwassene 26-64")
    SENIOR = "senior", _("senior 65+")
    UNKNOWN = "unknown", _("onbekend")


class MemberProfile(models.Model):
    """What the library keeps current about a member: target group (L17), last activity (L10)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="library_profile", verbose_name=_("lid")
    )
    target_group = models.CharField(
        _("doelgroep"), max_length=12, choices=TargetGroup.choices, default=TargetGroup.UNKNOWN
    )
    last_activity_on = models.DateField(_("laatste activiteit"), null=True, blank=True, db_index=True)

    privacy = PrivacyMap(
        subject="person",
        personal={"person": "target_group", "target_group": "target_group", "last_activity_on": "last_activity"},
    )

    class Meta:
        verbose_name = _("ledenprofiel")
        verbose_name_plural = _("ledenprofielen")

    def __str__(self) -> str:
        return self.get_target_group_display()
