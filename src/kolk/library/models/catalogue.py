"""The catalogue: titles of every media type the statement names, and their copies.

`search_text` holds what search matches (title, authors, ISBN, subjects); the
database keeps the index over it: a generated tsvector with a GIN index on
PostgreSQL ('dutch' configuration), an FTS5 table kept by triggers on SQLite
(migration 0002). Services write search_text; nothing else needs to.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class MediaType(models.TextChoices):
    BOOK = "book", _("boek")
    MAGAZINE = "magazine", _("tijdschrift")
    CD = "cd", _("cd")
    DVD = "dvd", _("dvd")
    FILM = "film", _("film")
    AUDIOBOOK = "audiobook", _("luisterboek")


class Branch(models.Model):
    """A library branch (vestiging): where copies live and reservations are picked up."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("naam"), max_length=80)

    privacy = PrivacyMap(subject=None, not_personal=["code", "name"])

    class Meta:
        verbose_name = _("vestiging")
        verbose_name_plural = _("vestigingen")

    def __str__(self) -> str:
        return self.name


class Title(models.Model):
    media_type = models.CharField(_("soort"), max_length=10, choices=MediaType.choices, default=MediaType.BOOK)
    title = models.CharField(_("titel"), max_length=300)
    authors = models.CharField(_("makers"), max_length=300, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True, db_index=True)
    subjects = models.CharField(_("onderwerpen"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True)
    control_number = models.CharField(_("MARC-controlenummer"), max_length=40, unique=True, null=True, blank=True)
    search_text = models.TextField(editable=False, default="")

    privacy = PrivacyMap(
        subject=None,
        not_personal=["media_type", "title", "authors", "isbn", "subjects", "year", "control_number", "search_text"],
    )

    class Meta:
        verbose_name = _("titel")
        verbose_name_plural = _("titels")

    def __str__(self) -> str:
        return self.title


class Copy(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("aanwezig")
        ON_LOAN = "on_loan", _("uitgeleend")
        ON_HOLD = "on_hold", _("ligt klaar")
        LOST = "lost", _("vermist")
        WITHDRAWN = "withdrawn", _("afgeschreven")
        DAMAGED = "damaged", _("beschadigd")
        IN_TRANSIT = "in_transit", _("onderweg")

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="copies")
    barcode = models.CharField(_("barcode"), max_length=20, unique=True)
    # The copy's own branch: where it goes back to when nobody waits for it elsewhere.
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="copies")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    # Where a copy in transit goes: a reservation's pickup branch, or its own branch.
    transit_to = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("onderweg naar")
    )

    privacy = PrivacyMap(subject=None, not_personal=["title", "barcode", "branch", "status", "transit_to"])

    class Meta:
        verbose_name = _("exemplaar")
        verbose_name_plural = _("exemplaren")

    def __str__(self) -> str:
        return self.barcode

    def status_words(self) -> str:
        """The status as the desk says it: "onderweg naar Emmen" for a copy in transit."""
        if self.status == Copy.Status.IN_TRANSIT and self.transit_to is not None:
            return _("onderweg naar %(branch)s") % {"branch": self.transit_to.name}
        return str(self.get_status_display())


# Copies that are not lent at all: they count nowhere in the catalogue's availability.
OUT_OF_CIRCULATION = (Copy.Status.LOST, Copy.Status.WITHDRAWN, Copy.Status.DAMAGED)
