"""The data subject and what belongs to a person directly.

NAW (naam, adres, woonplaats: name, address, town) follows Dutch conventions:
a surname prefix (tussenvoegsel) apart from the surname, house number and
addition apart from the street, a postcode of four digits and two letters.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class Gender(models.TextChoices):
    FEMALE = "f", _("vrouw")
    MALE = "m", _("man")
    OTHER = "x", _("anders")
    UNKNOWN = "", _("onbekend")


class Household(models.Model):
    """People at one address who share a family subscription."""

    name = models.CharField(_("naam"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    privacy = PrivacyMap(subject="members", personal={"name": "family_relation"}, not_personal=["created_at"])

    class Meta:
        verbose_name = _("huishouden")
        verbose_name_plural = _("huishoudens")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A data subject: member, pupil, ticket buyer, correspondent or subscriber."""

    given_name = models.CharField(_("voornaam"), max_length=80)
    surname_prefix = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    surname = models.CharField(_("achternaam"), max_length=120)
    street = models.CharField(_("straat"), max_length=120, blank=True)
    house_number = models.PositiveIntegerField(_("huisnummer"), null=True, blank=True)
    house_number_suffix = models.CharField(_("toevoeging"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True, db_index=True)
    town = models.CharField(_("woonplaats"), max_length=80, blank=True)
    gender = models.CharField(_("geslacht"), max_length=1, choices=Gender.choices, blank=True)
    date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)
    pass_number = models.CharField(_("pasnummer"), max_length=14, unique=True, null=True, blank=True)
    customer_number = models.CharField(_("klantnummer"), max_length=12, unique=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("huishouden"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    privacy = PrivacyMap(
        subject="self",
        personal={
            "given_name": "name",
            "surname_prefix": "name",
            "surname": "name",
            "street": "address",
            "house_number": "address",
            "house_number_suffix": "address",
            "postcode": "address",
            "town": "address",
            "gender": "gender",
            "date_of_birth": "birth_date",
            "pass_number": "member_number",
            "customer_number": "member_number",
            "household": "family_relation",
        },
        not_personal=["created_at", "updated_at"],
    )

    class Meta:
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")
        indexes = [models.Index(fields=["surname", "given_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.surname_prefix, self.surname) if part)

    @property
    def address_line(self) -> str:
        number = f"{self.house_number or ''}{self.house_number_suffix}".strip()
        return " ".join(part for part in (self.street, number) if part)

    def privacy_age(self, on: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def privacy_guardian_ids(self) -> set[int]:
        return set(
            FamilyRelation.objects.filter(person=self, kind=FamilyRelation.Kind.GUARDIAN).values_list(
                "relative_id", flat=True
            )
        )


class EmailAddress(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails", verbose_name=_("persoon"))
    address = models.EmailField(_("e-mailadres"), max_length=254, db_index=True)
    is_primary = models.BooleanField(_("hoofdadres"), default=False)

    privacy = PrivacyMap(
        subject="person", personal={"person": "email", "address": "email"}, not_personal=["is_primary"]
    )

    class Meta:
        verbose_name = _("e-mailadres")
        verbose_name_plural = _("e-mailadressen")
        constraints = [
            models.UniqueConstraint(fields=["person", "address"], name="email_unique_per_person"),
            models.UniqueConstraint(fields=["person"], condition=models.Q(is_primary=True), name="one_primary_email"),
        ]

    def __str__(self) -> str:
        return self.address


class PhoneNumber(models.Model):
    class Label(models.TextChoices):
        MOBILE = "mobile", _("mobiel")
        HOME = "home", _("thuis")
        WORK = "work", _("werk")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones", verbose_name=_("persoon"))
    number = models.CharField(_("telefoonnummer"), max_length=20, help_text=_("in internationale vorm, +31…"))
    label = models.CharField(_("soort"), max_length=8, choices=Label.choices, default=Label.MOBILE)

    privacy = PrivacyMap(subject="person", personal={"person": "phone", "number": "phone"}, not_personal=["label"])

    class Meta:
        verbose_name = _("telefoonnummer")
        verbose_name_plural = _("telefoonnummers")
        constraints = [models.UniqueConstraint(fields=["person", "number"], name="phone_unique_per_person")]

    def __str__(self) -> str:
        return self.number


class FamilyRelation(models.Model):
    """A relation between two persons; a guardian may consent for a child under 16."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("ouder of voogd")
        PARTNER = "partner", _("partner")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations", verbose_name=_("persoon"))
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("familielid"))
    kind = models.CharField(_("relatie"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    privacy = PrivacyMap(
        subject="person",
        personal={"person": "family_relation", "relative": "family_relation", "kind": "family_relation"},
        not_personal=["created_at"],
    )

    class Meta:
        verbose_name = _("familierelatie")
        verbose_name_plural = _("familierelaties")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("relative")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.relative_id} {self.kind} of {self.person_id}"


class User(AbstractUser):
    """A login: staff, or a member using the portal (then linked to their Person)."""

    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="user", verbose_name=_("persoon")
    )
    # A staff member's own branch (a library branch's code): their workstation after sign-in until a
    # device remembers another. A code, not a key: people sits below the library and knows no branches.
    home_branch = models.SlugField(_("eigen vestiging"), max_length=20, blank=True, db_index=False)

    privacy = PrivacyMap(
        subject="person",
        personal={
            # Staff data: part of the staff member's account, like their second factor (login data).
            "home_branch": "login_data",
            "person": "username",
            "username": "username",
            "first_name": "name",
            "last_name": "name",
            "email": "email",
            "password": "login_data",
            "last_login": "login_data",
            "date_joined": "login_data",
        },
        not_personal=["is_superuser", "is_staff", "is_active", "groups", "user_permissions"],
    )


# A machine client's login, in a module of its own; imported here so Django registers the model.
from kolk.people.api_clients import ApiClient  # noqa: E402, F401
