"""A machine client of the API (a partner's script): its key, and the login it acts through.

A client acts through a service account of its own: a User with no usable
password whose roles are the client's scopes, so every `allow(...)` declaration
and role check applies to it unchanged, and the audit log names it like any
user (`user:<id>`). The client row is what marks that login as a machine.

Only the key's hash is kept (kolk.people.api_keys says why a keyed HMAC). The
row holds no personal data: `organisation` names the partner organisation,
never a person (the staff page and the command say so).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class ApiClient(models.Model):
    name = models.CharField(_("naam"), max_length=40, unique=True, help_text=_("kleine letters, cijfers en -"))
    organisation = models.CharField(_("organisatie"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", verbose_name=_("account")
    )
    prefix = models.CharField(_("begin van de sleutel"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("gemaakt op"))
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "name",
            "organisation",
            "user",
            "prefix",
            "key_hash",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ],
    )

    class Meta:
        app_label = "people"
        verbose_name = _("API-client")
        verbose_name_plural = _("API-clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
