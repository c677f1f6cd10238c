"""API keys of machine clients: issue one (shown once), revoke it, and know the client by its key.

A key reads `kolk_<prefix>_<secret>`: the prefix (12 hex digits) finds the row by
a unique index, the secret (32 random bytes) proves it. Only a keyed HMAC-SHA256
of the whole key is kept (kolk.privacy.audit.pseudonym, under the audit key that
is never rotated), compared in constant time. A fast hash is right here, unlike
for a password: a key has 256 bits of chance, so no list of likely keys and no
amount of guessing finds one, and a slow hash (Argon2's tens of milliseconds)
would only make every API call, and every flood of wrong keys, that much
dearer. Being keyed, the hashes in a stolen copy of the database do not even let
anyone test a guess.

A client's scopes are roles of kolk.core.roles, given to its service account:
the staff roles a partner system may act in. The member role is none (a client
is nobody's own account), nor are the roles that need a second factor (the
privacy officer's and the administrator's): a key cannot pass that step.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import Invalid, KolkError, NotSignedIn
from kolk.core.roles import Role
from kolk.core.validators import no_control_characters
from kolk.people.api_clients import ApiClient
from kolk.privacy.audit import audit_log, pseudonym

security_log = logging.getLogger("kolk.security")

SCOPES = (Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.MARKETING)
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
KEY = re.compile(r"kolk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
ID = re.compile(r"[0-9]{1,18}")
KEY_MAX_LENGTH = 80  # a longer header is no key of ours: refused before any pattern or query
USERNAME_PREFIX = "api-"
# last_used_at is written at most this often per client: one UPDATE a minute, not one a call.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class Status(models.TextChoices):
    ACTIVE = "active", gettext_lazy("actief")
    EXPIRED = "expired", gettext_lazy("verlopen")
    REVOKED = "revoked", gettext_lazy("ingetrokken")


@dataclass(frozen=True)
class IssuedKey:
    """A new client and its key: the key exists only here, it is shown once and never stored."""

    client: ApiClient
    key: str


def key_hash(key: str) -> str:
    return pseudonym(label="people.apiclient", pk=key)


def client_status(client: ApiClient, at: dt.datetime | None = None) -> Status:
    if client.revoked_at is not None:
        return Status.REVOKED
    if client.expires_at <= (at or now()):
        return Status.EXPIRED
    return Status.ACTIVE


def client_last_day(client: ApiClient) -> dt.date:
    """The last day the key works, in the centre's time zone (it expires at the start of the next)."""
    return timezone.localtime(client.expires_at).date() - dt.timedelta(days=1)


def client_scopes(client: ApiClient) -> list[str]:
    """The client's scopes: its service account's roles (prefetch `user__groups` for a list)."""
    names = {group.name for group in client.user.groups.all()}
    return [role.value for role in SCOPES if role.value in names]


# Selectors


def api_clients_list() -> models.QuerySet[ApiClient]:
    return ApiClient.objects.select_related("user").prefetch_related("user__groups").order_by("name")


def api_client_named(name: str) -> ApiClient | None:
    return ApiClient.objects.select_related("user").filter(name=name[:40]).first()


def api_client_get(pk: str) -> ApiClient | None:
    """The client with this id, as a form sends it; None for anything else."""
    return ApiClient.objects.select_related("user").filter(pk=int(pk)).first() if ID.fullmatch(pk) else None


# Services


def _cleaned(*, name: str, organisation: str, scopes: Iterable[str], expires_on: dt.date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not NAME.fullmatch(name):
        errors["name"] = [_("Gebruik 1 tot 40 kleine letters, cijfers en streepjes, zoals 'uitmarkt-assen'.")]
    organisation = organisation.strip()
    try:
        no_control_characters(organisation)
    except ValidationError as exc:
        errors["organisation"] = list(exc.messages)
    if len(organisation) > 100:
        errors.setdefault("organisation", []).append(_("Hoogstens 100 tekens."))
    chosen = set(scopes)
    known = {role.value for role in SCOPES}
    if not chosen or chosen - known:
        errors["scopes"] = [
            _("Kies een of meer van: %(scopes)s.") % {"scopes": ", ".join(role.value for role in SCOPES)}
        ]
    if expires_on <= today():
        errors["expires_on"] = [_("Kies een datum na vandaag: elke sleutel verloopt.")]
    if errors:
        raise Invalid(" ".join(m for msgs in errors.values() for m in msgs), fields=errors)
    return {"name": name, "organisation": organisation, "scopes": [r for r in SCOPES if r.value in chosen]}


@transaction.atomic
def api_client_create(
    *, name: str, organisation: str, scopes: Iterable[str], expires_on: dt.date, actor: Actor
) -> IssuedKey:
    """A new client with a service account in the roles of its scopes, and its key.

    The key is valid through `expires_on` (the centre's time zone) and is returned
    once; only its hash is kept.
    """
    values = _cleaned(name=name, organisation=organisation, scopes=scopes, expires_on=expires_on)
    name, roles = values["name"], values["scopes"]
    users = get_user_model()
    taken = _("Deze naam is al in gebruik; kies een andere.")
    if ApiClient.objects.filter(name=name).exists() or users.objects.filter(username=USERNAME_PREFIX + name).exists():
        raise Invalid(taken, fields={"name": [taken]})
    user = users(username=USERNAME_PREFIX + name, is_active=True, is_staff=True)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same name, made at the same moment by another administrator
        raise Invalid(taken, fields={"name": [taken]}) from None
    user.groups.set([Group.objects.get_or_create(name=role.value)[0] for role in roles])
    ends = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
    at = now()
    for _attempt in range(3):  # a prefix is 48 random bits: a second try is already unlikely
        prefix = secrets.token_hex(6)
        key = f"kolk_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                client = ApiClient.objects.create(
                    name=name,
                    organisation=values["organisation"],
                    user=user,
                    prefix=prefix,
                    key_hash=key_hash(key),
                    created_at=at,
                    expires_at=timezone.make_aware(ends),
                )
            break
        except IntegrityError:
            if ApiClient.objects.filter(name=name).exists():
                raise Invalid(taken, fields={"name": [taken]}) from None
    else:  # pragma: no cover - three prefixes of 48 random bits taken in a row
        raise KolkError(_("Er ging iets mis bij het maken van de sleutel; probeer het nog eens."))
    audit_log(
        actor=actor,
        action="api_client.created",
        details={
            "client": name,
            "user": user.pk,
            "scopes": [role.value for role in roles],
            "expires_at": client.expires_at.isoformat(),
        },
    )
    return IssuedKey(client=client, key=key)


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: Actor) -> ApiClient:
    """Revoke the client's key for good; its service account is switched off too."""
    client = ApiClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if client.revoked_at is not None:
        raise KolkError(_("Deze sleutel is al ingetrokken."), code="api_key_revoked")
    client.revoked_at = now()
    client.save(update_fields=["revoked_at"])
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    audit_log(actor=actor, action="api_client.revoked", details={"client": client.name, "user": client.user_id})
    return client


def _refused(code: str, message: str) -> NotSignedIn:
    error = NotSignedIn(message)
    error.code = code
    return error


def api_key_use(*, key: str, method: str, route: str) -> ApiClient:
    """The client whose key this is, if it may be used now; its call goes into the audit log.

    Raises NotSignedIn (401) for a key that is unknown, expired or revoked. Only one
    who holds the whole key learns which of the three: a wrong secret is "unknown".
    The call is logged with the client's service account as actor, the method and
    the route (its pattern, so no value of the path), whatever the operation does next.
    """
    found = KEY.fullmatch(key) if len(key) <= KEY_MAX_LENGTH else None
    client = ApiClient.objects.select_related("user").filter(prefix=found[1]).first() if found else None
    if client is None or not hmac.compare_digest(client.key_hash, key_hash(key)):
        raise _refused("api_key_unknown", _("Deze API-sleutel is onbekend."))
    at = now()
    status = client_status(client, at)
    if status is Status.ACTIVE and not client.user.is_active:
        status = Status.REVOKED
    if status is not Status.ACTIVE:
        security_log.warning("api_key.refused client=%s status=%s", client.name, status.value)
        if status is Status.REVOKED:
            raise _refused("api_key_revoked", _("Deze API-sleutel is ingetrokken."))
        ended = formats.date_format(client_last_day(client), "j F Y")
        raise _refused("api_key_expired", _("Deze API-sleutel is verlopen na %(date)s.") % {"date": ended})
    if client.last_used_at is None or at - client.last_used_at >= LAST_USED_EVERY:
        # Conditional, so that of many calls in the same minute one writes.
        stale = models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=at - LAST_USED_EVERY)
        ApiClient.objects.filter(stale, pk=client.pk).update(last_used_at=at)
    audit_log(
        actor=client.user,
        action="api.call",
        details={"client": client.name, "method": method[:10], "route": route[:200]},
    )
    return client
