"""Models of the privacy core: the consent/objection ledger, restrictions, audit log.

Ledger and restriction records are immutable: a change of mind is a new record,
and the current state is derived from the latest record. Audit entries are
append-only and hash-chained after commit (see kolk.privacy.audit).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolk.core.clock import now
from kolk.privacy.fieldmap import PrivacyMap


class ImmutableModel(models.Model):
    """A record that is written once and never changed by the application."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError(f"{type(self).__name__} records are immutable")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ChoiceKind(models.TextChoices):
    CONSENT = "consent", _("toestemming")
    OBJECTION = "objection", _("bezwaar")


class ChoiceMethod(models.TextChoices):
    WEB = "web", _("website of portaal")
    DESK = "desk", _("aan de balie")
    PAPER = "paper", _("op papier")
    PHONE = "phone", _("telefonisch")
    EMAIL = "email", _("per e-mail")
    LINK = "link", _("afmeldlink")


class PrivacyChoice(ImmutableModel):
    """One consent, withdrawal, objection or withdrawal of an objection."""

    subject = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        on_delete=models.CASCADE,
        related_name="privacy_choices",
        verbose_name=_("persoon"),
    )
    kind = models.CharField(_("soort"), max_length=16, choices=ChoiceKind.choices)
    purpose = models.CharField(_("doel"), max_length=64)
    channel = models.CharField(_("kanaal"), max_length=8, blank=True, default="")
    # consent: True = given, False = withdrawn; objection: True = objects, False = withdrawn.
    decision = models.BooleanField(_("ja of nee"))
    text_version = models.CharField(_("versie van de tekst"), max_length=128, blank=True, default="")
    method = models.CharField(_("hoe"), max_length=8, choices=ChoiceMethod.choices)
    given_by = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("gegeven door"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), db_index=True)

    privacy = PrivacyMap(
        subject="subject",
        personal={
            "subject": "privacy_choices",
            "kind": "privacy_choices",
            "purpose": "privacy_choices",
            "channel": "privacy_choices",
            "decision": "privacy_choices",
            "text_version": "privacy_choices",
            "method": "privacy_choices",
            "given_by": "family_relation",
            "recorded_at": "privacy_choices",
        },
        not_personal=["recorded_by"],
    )

    class Meta:
        indexes = [models.Index(fields=["kind", "purpose", "subject", "channel", "id"])]
        verbose_name = _("keuze (toestemming of bezwaar)")
        verbose_name_plural = _("keuzes (toestemmingen en bezwaren)")

    def __str__(self) -> str:
        return f"{self.kind}:{self.purpose}:{self.channel or '*'}={self.decision}"


class Restriction(ImmutableModel):
    """Restriction of processing (GDPR art. 18): set or lifted, with the reason.

    A restriction stands until it is lifted, or through `until` when it was set
    for a while (e.g. while the accuracy of the data is checked). `request` is
    the person's request it answers, if any.
    """

    subject = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL, on_delete=models.CASCADE, related_name="restrictions", verbose_name=_("persoon")
    )
    restricted = models.BooleanField(_("beperkt"))
    reason = models.CharField(_("reden"), max_length=200)
    until = models.DateField(_("tot en met"), null=True, blank=True)
    request = models.ForeignKey(
        "RightsRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restrictions",
        verbose_name=_("verzoek"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), db_index=True)

    privacy = PrivacyMap(
        subject="subject",
        personal={
            "subject": "privacy_choices",
            "restricted": "privacy_choices",
            "reason": "privacy_choices",
            "until": "privacy_choices",
            "request": "privacy_choices",
            "recorded_at": "privacy_choices",
        },
        not_personal=["recorded_by"],
    )

    class Meta:
        indexes = [models.Index(fields=["subject", "id"])]
        verbose_name = _("beperking van verwerking")
        verbose_name_plural = _("beperkingen van verwerking")

    def __str__(self) -> str:
        return f"{'restricted' if self.restricted else 'lifted'} @ {self.recorded_at:%Y-%m-%d}"


class AuditEntry(models.Model):
    """One thing that happened. No personal data: the subject is a keyed pseudonym.

    Written inside the business transaction with `seq` empty; sealed after commit,
    in batches, into a hash chain ordered by `seq`.
    """

    created_at = models.DateTimeField()
    actor = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    subject_ref = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    privacy = PrivacyMap(
        subject=None,
        not_personal=["created_at", "actor", "action", "subject_ref", "details", "seq", "prev_hash", "hash"],
    )

    class Meta:
        # Plain indexes in Meta rather than db_index=True, which on PostgreSQL adds a
        # pattern index beside each: nobody searches these by prefix, and every entry is
        # written twice (at the business write and when sealed) into all its indexes.
        indexes = [
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed"),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["subject_ref"], name="audit_subject"),
        ]
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlog")

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.action}"


class AuditChainHead(models.Model):
    """The single row that holds the end of the sealed chain; sealers lock it."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["seq", "hash", "sealed_at"])

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


class ErasureLog(models.Model):
    """Who is to be or was erased (by id only).

    A retention run first queues the people it decided to erase (erased_at
    empty), so that the decision survives the rows it deletes next and a kill;
    erased rows let a restore from backup erase them again. `filed`: the
    erasure is in the erasure log file too (kept apart from the backups).
    """

    subject_pk = models.BigIntegerField(unique=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=32)
    filed = models.BooleanField(default=False)

    privacy = PrivacyMap(subject=None, not_personal=["subject_pk", "queued_at", "erased_at", "reason", "filed"])

    class Meta:
        indexes = [
            # The queue, and the erasures not yet in the file: each run reads them, not the history.
            models.Index(fields=["subject_pk"], condition=Q(erased_at__isnull=True), name="erasure_queue"),
            models.Index(
                fields=["subject_pk"], condition=Q(erased_at__isnull=False, filed=False), name="erasure_not_filed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_pk} ({self.reason})"


class LegalDemand(ImmutableModel):
    """A demand by law (e.g. the police on suspicion of a crime), recorded before release."""

    authority = models.CharField(max_length=120)
    legal_ground = models.CharField(max_length=200)
    officer_reference = models.CharField(max_length=120)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    privacy = PrivacyMap(
        subject=None,
        not_personal=["authority", "legal_ground", "officer_reference", "recorded_by", "recorded_at"],
    )

    def __str__(self) -> str:
        return f"{self.authority} {self.officer_reference}"


class Disclosure(ImmutableModel):
    """One release of data to a recipient of the register (or on a legal demand)."""

    recipient = models.CharField(max_length=16, db_index=True)  # R01..R07, or LEGAL
    purpose = models.CharField(max_length=64)
    model = models.CharField(max_length=100, blank=True, default="")  # the model whose fields went
    fields = models.JSONField(default=list)
    person_count = models.PositiveIntegerField(default=0)
    aggregate = models.JSONField(null=True, blank=True)  # counts only, for aggregate-only recipients
    legal_demand = models.ForeignKey(LegalDemand, null=True, blank=True, on_delete=models.PROTECT)
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    disclosed_at = models.DateTimeField(db_index=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "recipient",
            "purpose",
            "model",
            "fields",
            "person_count",
            "aggregate",
            "legal_demand",
            "disclosed_by",
            "disclosed_at",
        ],
    )

    def __str__(self) -> str:
        return f"{self.recipient} {self.purpose} {self.disclosed_at:%Y-%m-%d}"


class DisclosureItem(models.Model):
    """That one person's data went out in a disclosure: what went where, and when."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="items")
    subject = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL, on_delete=models.CASCADE, related_name="disclosures", verbose_name=_("persoon")
    )

    privacy = PrivacyMap(subject="subject", personal={"subject": "privacy_choices"}, not_personal=["disclosure"])

    class Meta:
        verbose_name = _("verstrekking van gegevens")
        verbose_name_plural = _("verstrekkingen van gegevens")
        constraints = [models.UniqueConstraint(fields=["disclosure", "subject"], name="disclosed_once")]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.subject_id}"


class RightsRequest(models.Model):
    """A person's request under the statement's rights (D01-D08) or the GDPR (art. 18, 20)."""

    class Kind(models.TextChoices):
        EXPLANATION = "explanation", _("uitleg")
        ACCESS = "access", _("inzage")
        CORRECTION = "correction", _("correctie")
        ERASURE = "erasure", _("verwijdering")
        WITHDRAWAL = "withdrawal", _("intrekken toestemming")
        OBJECTION = "objection", _("bezwaar")
        RESTRICTION = "restriction", _("beperking")
        PORTABILITY = "portability", _("overdraagbaarheid")
        COMPLAINT = "complaint", _("klacht")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("portaal")
        DESK = "desk", _("balie")
        LETTER = "letter", _("brief")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("afgehandeld")
        REFUSED = "refused", _("afgewezen")

    subject = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        on_delete=models.CASCADE,
        related_name="rights_requests",
        verbose_name=_("persoon"),
    )
    kind = models.CharField(_("soort verzoek"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("ontvangen via"), max_length=8, choices=Channel.choices)
    # "Waar gaat het over?": the person's own words (which data is wrong, what the complaint is).
    text = models.TextField(_("waar het over gaat"), blank=True, default="")
    received_at = models.DateTimeField(_("ontvangen op"))
    due_on = models.DateField(db_index=True)
    extended_to = models.DateField(null=True, blank=True)
    extension_reason = models.CharField(_("reden voor meer tijd"), max_length=300, blank=True)
    # D07: that identity was proven at the desk (who saw it, how, when); never the document.
    identity_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity_seen_at = models.DateTimeField(_("legitimatie gezien op"), null=True, blank=True)
    identity_method = models.CharField(_("legitimatie"), max_length=40, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("uitkomst"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    privacy = PrivacyMap(
        subject="subject",
        personal={
            "subject": "privacy_choices",
            "kind": "privacy_choices",
            "channel": "privacy_choices",
            "text": "correspondence",
            "received_at": "privacy_choices",
            "extension_reason": "privacy_choices",
            "identity_seen_at": "privacy_choices",
            "identity_method": "privacy_choices",
            "outcome": "privacy_choices",
            "closed_at": "privacy_choices",
        },
        not_personal=["due_on", "extended_to", "identity_seen_by", "status", "received_by"],
    )

    class Meta:
        verbose_name = _("verzoek")
        verbose_name_plural = _("verzoeken")

    def __str__(self) -> str:
        return f"{self.kind} {self.received_at:%Y-%m-%d}"

    @property
    def deadline(self) -> dt.date:
        return self.extended_to or self.due_on


class Breach(models.Model):
    """A personal data breach: the 72-hour clock to the Autoriteit Persoonsgegevens (art. 33)."""

    discovered_at = models.DateTimeField()
    summary = models.CharField(max_length=300)
    categories = models.JSONField(default=list)  # data category keys
    people_affected = models.PositiveIntegerField(default=0)
    reported_at = models.DateTimeField(null=True, blank=True)
    not_reported_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The follow-through: the AP's reference for the report, when the people were told (art. 34), closed.
    ap_reference = models.CharField(max_length=80, blank=True)
    people_informed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.CharField(max_length=500, blank=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "discovered_at",
            "summary",
            "categories",
            "people_affected",
            "reported_at",
            "not_reported_reason",
            "recorded_by",
            "ap_reference",
            "people_informed_at",
            "closed_at",
            "closing_note",
        ],
    )

    def __str__(self) -> str:
        return self.summary

    @property
    def report_deadline(self) -> dt.datetime:
        return self.discovered_at + dt.timedelta(hours=72)

    @property
    def overdue(self) -> bool:
        """Not reported (nor a reason recorded why not) while the 72 hours are past."""
        return self.reported_at is None and not self.not_reported_reason and self.report_deadline < now()
