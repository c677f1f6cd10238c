"""Bank details, SEPA mandates, invoices, payments and direct-debit collections.

All of it is the statement's "bank details, direct-debit and invoice data"
(L05, T04), kept for processing invoices on the basis of the contract. The IBAN
is stored encrypted, with a keyed hash beside it for lookups. Amounts are whole
cents including VAT; VAT rates are whole percents.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.billing.crypto import EncryptedTextField
from kolk.billing.validation import mask_iban
from kolk.people.models import Person
from kolk.privacy.fieldmap import PrivacyMap

BANK = "bank"


class BankAccount(models.Model):
    """The account a person pays from; one per person, replaced when it changes."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="bank_account", verbose_name=_("persoon")
    )
    iban = EncryptedTextField(_("IBAN"))
    iban_hash = models.CharField(_("sleutelhash van het IBAN"), max_length=64, db_index=True, editable=False)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder_name = models.CharField(_("rekeninghouder"), max_length=70)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    privacy = PrivacyMap(
        subject="person",
        personal={"person": BANK, "iban": BANK, "iban_hash": BANK, "bic": BANK, "holder_name": BANK},
        not_personal=["created_at", "updated_at"],
    )

    class Meta:
        verbose_name = _("bankrekening")
        verbose_name_plural = _("bankrekeningen")

    def __str__(self) -> str:
        return self.masked_iban

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


class Mandate(models.Model):
    """A SEPA direct-debit mandate (machtiging) for recurring collections (CORE)."""

    class Sequence(models.TextChoices):
        FIRST = "FRST", _("eerste incasso")
        RECURRING = "RCUR", _("doorlopende incasso")

    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.CASCADE, related_name="mandates", verbose_name=_("bankrekening")
    )
    reference = models.CharField(_("machtigingskenmerk"), max_length=35, unique=True)
    signed_on = models.DateField(_("getekend op"))
    sequence = models.CharField(_("volgorde"), max_length=4, choices=Sequence.choices, default=Sequence.FIRST)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    privacy = PrivacyMap(
        subject="bank_account__person",
        personal={"bank_account": BANK, "reference": BANK, "signed_on": BANK, "sequence": BANK, "revoked_at": BANK},
        not_personal=["created_at"],
    )

    class Meta:
        verbose_name = _("machtiging")
        verbose_name_plural = _("machtigingen")
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account"], condition=models.Q(revoked_at__isnull=True), name="one_active_mandate"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvoiceCounter(models.Model):
    """The last invoice number given out in a year; locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    privacy = PrivacyMap(subject=None, not_personal=["year", "last"])

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PAID = "paid", _("betaald")
        CANCELLED = "cancelled", _("geannuleerd")

    class Source(models.TextChoices):
        SUBSCRIPTION = "library.subscription", _("abonnement bibliotheek")
        FINE = "library.fine", _("te-laat-geld bibliotheek")
        RESERVATION = "library.reservation", _("reservering bibliotheek")
        ORDER = "boxoffice.order", _("kaartverkoop")

    number = models.CharField(_("factuurnummer"), max_length=11, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("persoon"))
    issued_on = models.DateField(_("factuurdatum"))
    due_on = models.DateField(_("vervaldatum"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("bron"), max_length=32, choices=Source.choices)
    total_cents = models.PositiveIntegerField(_("totaal (centen, incl. btw)"))
    settled_at = models.DateTimeField(_("voldaan op"), null=True, blank=True)
    # The end of the financial year in which the invoice was settled or cancelled:
    # the start of the fiscal retention period (event invoice_settled).
    closed_year_end = models.DateField(_("einde boekjaar van afhandeling"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "number": BANK,
            "person": BANK,
            "issued_on": BANK,
            "due_on": BANK,
            "status": BANK,
            "source": BANK,
            "total_cents": BANK,
            "settled_at": BANK,
            "closed_year_end": BANK,
        },
        not_personal=["created_at"],
    )

    class Meta:
        verbose_name = _("factuur")
        verbose_name_plural = _("facturen")
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["status", "due_on"]),
            # Retention's `invoice_settled` event: each person's latest closed year, from the index alone.
            models.Index(
                fields=["person", "closed_year_end"],
                condition=models.Q(closed_year_end__isnull=False),
                name="invoice_settled_of_person",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("factuur"))
    position = models.PositiveSmallIntegerField(_("regel"))
    description = models.CharField(_("omschrijving"), max_length=200)
    quantity = models.PositiveIntegerField(_("aantal"), default=1)
    unit_amount_cents = models.PositiveIntegerField(_("stukprijs (centen, incl. btw)"))
    vat_percent = models.PositiveSmallIntegerField(_("btw-percentage"))

    privacy = PrivacyMap(
        subject="invoice__person",
        personal={
            "invoice": BANK,
            "description": BANK,
            "quantity": BANK,
            "unit_amount_cents": BANK,
            "vat_percent": BANK,
        },
        not_personal=["position"],
    )

    class Meta:
        verbose_name = _("factuurregel")
        verbose_name_plural = _("factuurregels")
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="line_position_unique")]

    def __str__(self) -> str:
        return self.description

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_amount_cents


class Payment(models.Model):
    class Method(models.TextChoices):
        SEPA = "sepa", _("automatische incasso")
        CASH = "cash", _("contant")
        CARD = "card", _("pin")
        IDEAL = "ideal", _("iDEAL")
        BANK_TRANSFER = "bank_transfer", _("overboeking")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("factuur"))
    amount_cents = models.PositiveIntegerField(_("bedrag (centen)"))
    method = models.CharField(_("betaalwijze"), max_length=16, choices=Method.choices)
    # Unique, so that importing the same bank statement twice records nothing new.
    reference = models.CharField(_("betalingskenmerk"), max_length=64, unique=True)
    received_on = models.DateField(_("ontvangen op"))
    created_at = models.DateTimeField(auto_now_add=True)

    privacy = PrivacyMap(
        subject="invoice__person",
        personal={"invoice": BANK, "amount_cents": BANK, "method": BANK, "reference": BANK, "received_on": BANK},
        not_personal=["created_at"],
    )

    class Meta:
        verbose_name = _("betaling")
        verbose_name_plural = _("betalingen")
        constraints = [models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return self.reference


class Collection(models.Model):
    """One SEPA direct-debit batch (pain.008); its file can be written again from its items."""

    collection_date = models.DateField(_("incassodatum"))
    message_id = models.CharField(_("berichtkenmerk"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"))
    exported_at = models.DateTimeField(_("bestand geschreven op"), null=True, blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["collection_date", "message_id", "created_at", "exported_at"])

    class Meta:
        verbose_name = _("incassobatch")
        verbose_name_plural = _("incassobatches")

    def __str__(self) -> str:
        return self.message_id


class CollectionItem(models.Model):
    """An invoice in a collection; an invoice is collected once (unique)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="collection_item", verbose_name=_("factuur")
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, related_name="collection_items", verbose_name=_("machtiging")
    )
    amount_cents = models.PositiveIntegerField(_("bedrag (centen)"))
    sequence = models.CharField(_("volgorde"), max_length=4, choices=Mandate.Sequence.choices)

    privacy = PrivacyMap(
        subject="invoice__person",
        personal={"invoice": BANK, "mandate": BANK, "amount_cents": BANK, "sequence": BANK},
        not_personal=["collection"],
    )

    class Meta:
        verbose_name = _("incassopost")
        verbose_name_plural = _("incassoposten")

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.invoice_id}"


class OnlinePayment(models.Model):
    """An iDEAL payment (Mollie) a member started for an invoice: what was asked, and what came of it.

    Mollie's id is the reference the payment is booked with (billing.Payment), once:
    the webhook only books a payment kolk started, for the amount it asked.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("wacht op de bank")
        PAID = "paid", _("betaald")
        FAILED = "failed", _("niet gelukt")
        REFUND_DUE = "refund_due", _("terug te betalen")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="online_payments", verbose_name=_("factuur")
    )
    provider_ref = models.CharField(_("kenmerk bij Mollie"), max_length=64, unique=True)
    amount_cents = models.PositiveIntegerField(_("bedrag (centen)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    checkout_url = models.URLField(_("betaalpagina"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("gestart op"))
    settled_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)

    privacy = PrivacyMap(
        subject="invoice__person",
        personal={
            "invoice": BANK,
            "provider_ref": BANK,
            "amount_cents": BANK,
            "status": BANK,
            "created_at": BANK,
            "settled_at": BANK,
        },
        not_personal=["checkout_url"],
    )

    class Meta:
        verbose_name = _("online betaling")
        verbose_name_plural = _("online betalingen")
        constraints = [models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="online_payment_positive")]

    def __str__(self) -> str:
        return self.provider_ref
