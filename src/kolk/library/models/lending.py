"""Lending: loan rules, loans, loan counts per month (L06/L11) and fees and fines.

Loan counts live apart from loans: anonymising a loan (person set to NULL)
leaves the count per person per month intact.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolk.library.models.catalogue import Copy, MediaType
from kolk.library.models.members import Subscription, SubscriptionType
from kolk.privacy.fieldmap import PrivacyMap


class LoanRule(models.Model):
    """Loan period, renewals and fine per media type, for one subscription type or all (NULL)."""

    media_type = models.CharField(_("soort"), max_length=10, choices=MediaType.choices)
    subscription_type = models.ForeignKey(
        SubscriptionType, null=True, blank=True, on_delete=models.CASCADE, related_name="loan_rules"
    )
    loan_days = models.PositiveSmallIntegerField(_("uitleentermijn (dagen)"), default=21)
    renewals = models.PositiveSmallIntegerField(_("verlengingen"), default=2)
    max_loans = models.PositiveSmallIntegerField(_("maximaal van deze soort"), default=10)
    fine_per_day_cents = models.PositiveIntegerField(_("te-laat-geld per dag (cent)"), default=0)

    privacy = PrivacyMap(
        subject=None,
        not_personal=["media_type", "subscription_type", "loan_days", "renewals", "max_loans", "fine_per_day_cents"],
    )

    class Meta:
        verbose_name = _("uitleenregel")
        verbose_name_plural = _("uitleenregels")
        constraints = [
            models.UniqueConstraint(fields=["media_type", "subscription_type"], name="one_rule_per_type"),
            models.UniqueConstraint(
                fields=["media_type"], condition=Q(subscription_type__isnull=True), name="one_default_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.media_type}/{self.subscription_type_id or '*'}"


class Loan(models.Model):
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_loans",
        verbose_name=_("lid"),
    )
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loans",
        verbose_name=_("abonnement"),
    )
    checked_out_at = models.DateTimeField(_("uitgeleend op"))
    due_on = models.DateField(_("inleverdatum"))
    returned_at = models.DateTimeField(_("ingeleverd op"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("verlengd"), default=0)
    fine_cents = models.PositiveIntegerField(_("te-laat-geld (cent)"), default=0)
    # When the pre-due reminder (L13, with consent only) went out.
    reminded_on = models.DateField(_("herinnering verstuurd"), null=True, blank=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "loan_history",
            "subscription": "loan_history",
            "checked_out_at": "loan_history",
            "due_on": "loan_history",
            "returned_at": "loan_history",
            "renewals": "loan_history",
            "fine_cents": "bank",
            "reminded_on": "reading_advice",
        },
        not_personal=["copy"],
        shows={
            "copy__title__title": "loan_history",
            "copy__title__authors": "loan_history",
            "copy__barcode": "loan_history",
        },
    )

    class Meta:
        verbose_name = _("uitlening")
        verbose_name_plural = _("uitleningen")
        constraints = [
            # The last line of defence of "exactly one loan per copy"; the copy's row lock is the first.
            models.UniqueConstraint(
                fields=["copy"], condition=Q(returned_at__isnull=True), name="one_open_loan_per_copy"
            )
        ]
        indexes = [
            models.Index(fields=["person"], condition=Q(returned_at__isnull=True), name="open_loans_of_person"),
            models.Index(fields=["due_on"], condition=Q(returned_at__isnull=True), name="open_loans_by_due"),
        ]

    def __str__(self) -> str:
        return f"loan {self.pk}"


class LoanCount(models.Model):
    """Number of loans per person per month (L06, L11); upserted at checkout."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="library_loan_counts", verbose_name=_("lid")
    )
    month = models.DateField(_("maand"))
    count = models.PositiveIntegerField(_("aantal"), default=0)

    privacy = PrivacyMap(
        subject="person", personal={"person": "loan_counts", "month": "loan_counts", "count": "loan_counts"}
    )

    class Meta:
        verbose_name = _("aantal uitleningen")
        verbose_name_plural = _("aantallen uitleningen")
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="one_count_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.count}"


class Fee(models.Model):
    """A fine, reservation fee or subscription fee owed by a member, until billing invoices it."""

    class Kind(models.TextChoices):
        FINE = "fine", _("te-laat-geld")
        RESERVATION = "reservation", _("reserveringskosten")
        SUBSCRIPTION = "subscription", _("contributie")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        INVOICED = "invoiced", _("gefactureerd")
        PAID = "paid", _("betaald")
        WAIVED = "waived", _("kwijtgescholden")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="library_fees", verbose_name=_("lid")
    )
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    amount_cents = models.PositiveIntegerField(_("bedrag (cent)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_on = models.DateField(_("datum"))
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="fees", verbose_name=_("uitlening")
    )
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fees",
        verbose_name=_("abonnement"),
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_fees",
        verbose_name=_("factuur"),
    )

    privacy = PrivacyMap(
        subject="person",
        personal={
            "invoice": "bank",
            "person": "bank",
            "kind": "bank",
            "amount_cents": "bank",
            "status": "bank",
            "created_on": "bank",
            "loan": "bank",
            "subscription": "bank",
        },
    )

    class Meta:
        verbose_name = _("te betalen bedrag")
        verbose_name_plural = _("te betalen bedragen")
        indexes = [models.Index(fields=["person"], condition=Q(status="open"), name="open_fees_of_person")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"
