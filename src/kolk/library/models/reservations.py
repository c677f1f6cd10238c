"""Reservations: a queue per title with a pickup branch; a returned copy serves the first."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolk.library.models.catalogue import Branch, Copy, Title
from kolk.privacy.fieldmap import PrivacyMap


class Reservation(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("in de wachtrij")
        READY = "ready", _("ligt klaar")
        FULFILLED = "fulfilled", _("opgehaald")
        CANCELLED = "cancelled", _("geannuleerd")
        EXPIRED = "expired", _("verlopen")

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("titel"))
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="library_reservations", verbose_name=_("lid")
    )
    pickup_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("afhaalvestiging")
    )
    placed_at = models.DateTimeField(_("geplaatst op"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    copy = models.ForeignKey(
        Copy, null=True, blank=True, on_delete=models.SET_NULL, related_name="holds", verbose_name=_("exemplaar")
    )
    ready_on = models.DateField(_("klaargezet op"), null=True, blank=True)
    expires_on = models.DateField(_("ophalen vóór"), null=True, blank=True)
    # The copy set aside for it still stands on its branch's shelf: it is on that branch's pull list
    # until someone scans it at the desk (into the afhaalkast, or on its way to the pickup branch).
    to_pull = models.BooleanField(_("nog uit de kast halen"), default=False)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "title": "loan_history",
            "person": "loan_history",
            "pickup_branch": "loan_history",
            "placed_at": "loan_history",
            "status": "loan_history",
            "copy": "loan_history",
            "ready_on": "loan_history",
            "expires_on": "loan_history",
            "to_pull": "loan_history",
        },
    )

    class Meta:
        verbose_name = _("reservering")
        verbose_name_plural = _("reserveringen")
        constraints = [
            models.UniqueConstraint(
                fields=["title", "person"], condition=Q(status__in=["waiting", "ready"]), name="one_open_reservation"
            ),
        ]
        indexes = [
            models.Index(fields=["title", "placed_at"], condition=Q(status="waiting"), name="reservation_queue"),
        ]

    def __str__(self) -> str:
        return f"reservation {self.pk}"
