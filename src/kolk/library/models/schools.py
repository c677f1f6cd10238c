"""School subscriptions (S01): a school, the library's service to it, its pupils."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class School(models.Model):
    name = models.CharField(_("naam"), max_length=120)
    brin = models.CharField(_("BRIN-code"), max_length=6, unique=True, help_text=_("registratienummer van de school"))
    town = models.CharField(_("plaats"), max_length=80, blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["name", "brin", "town"])

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")

    def __str__(self) -> str:
        return self.name


class SchoolService(models.Model):
    """The library's service to a school; its end date starts the pupils' retention."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="services")
    starts_on = models.DateField(_("ingangsdatum"))
    ends_on = models.DateField(_("einddatum"), null=True, blank=True, db_index=True)

    privacy = PrivacyMap(subject=None, not_personal=["school", "starts_on", "ends_on"])

    class Meta:
        verbose_name = _("schooldienst")
        verbose_name_plural = _("schooldiensten")

    def __str__(self) -> str:
        return f"{self.school} {self.starts_on:%Y}"


class Enrolment(models.Model):
    """A pupil of a school under a service, with class and leerjaar (school year, 1-8 or 1-6)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="school_enrolments", verbose_name=_("leerling")
    )
    service = models.ForeignKey(
        SchoolService, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("schooldienst")
    )
    class_name = models.CharField(_("klas"), max_length=20)
    leerjaar = models.PositiveSmallIntegerField(_("leerjaar"))

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "school_class",
            "service": "school_class",
            "class_name": "school_class",
            "leerjaar": "school_class",
        },
    )

    class Meta:
        verbose_name = _("inschrijving leerling")
        verbose_name_plural = _("inschrijvingen leerlingen")
        constraints = [models.UniqueConstraint(fields=["person", "service"], name="one_enrolment_per_service")]

    def __str__(self) -> str:
        return f"{self.class_name} ({self.leerjaar})"
