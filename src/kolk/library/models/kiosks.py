"""Self-service: the kiosks (zelfbedieningszuilen) that speak SIP2, and a member's kiosk PIN.

A kiosk signs in with an account of its own (a User with the kiosk role) and a
secret kept here, hashed: the secret opens SIP2 only, so a kiosk's account
cannot sign in on any web page. A member proves themself at a kiosk with pass
number and PIN; the PIN is hashed like a password and throttled like a login
(failures counted per pass, a lock for a while after too many).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.library.models.catalogue import Branch
from kolk.privacy.fieldmap import PrivacyMap


class Kiosk(models.Model):
    """A self-service kiosk: its name, its branch, its SIP2 login."""

    name = models.SlugField(_("naam"), max_length=40, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kiosk")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="kiosks", verbose_name=_("vestiging"))
    secret = models.CharField(_("wachtwoord (hash)"), max_length=128)
    secret_set_at = models.DateTimeField(_("wachtwoord gezet op"))
    disabled_at = models.DateTimeField(_("uitgeschakeld op"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("mislukte aanmeldingen"), default=0)
    locked_until = models.DateTimeField(_("geblokkeerd tot"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # A kiosk is a machine: nothing here is about a person.
    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "name",
            "user",
            "branch",
            "secret",
            "secret_set_at",
            "disabled_at",
            "failures",
            "locked_until",
            "created_at",
        ],
    )

    class Meta:
        verbose_name = _("zelfbedieningszuil")
        verbose_name_plural = _("zelfbedieningszuilen")

    def __str__(self) -> str:
        return self.name


class KioskPin(models.Model):
    """A member's PIN at the kiosks (L18), hashed with Django's password hashers."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="kiosk_pin", verbose_name=_("lid")
    )
    pin = models.CharField(_("pincode (hash)"), max_length=128)
    set_at = models.DateTimeField(_("pincode gezet op"))
    failures = models.PositiveSmallIntegerField(_("foute pogingen"), default=0)
    locked_until = models.DateTimeField(_("geblokkeerd tot"), null=True, blank=True)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "login_data",
            "pin": "login_data",
            "set_at": "login_data",
            "failures": "login_data",
            "locked_until": "login_data",
        },
    )

    class Meta:
        verbose_name = _("pincode zelfbediening")
        verbose_name_plural = _("pincodes zelfbediening")

    def __str__(self) -> str:
        return f"pin {self.person_id}"
