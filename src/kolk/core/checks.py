"""System checks of the project itself: no demo or weak secret, and no demo data, outside DEBUG.

kolk's defaults are demo values, so that `make run` works on a fresh machine; they are
in the source, so anyone can read them. With DEBUG off none of them may be in use:

- the secrets (`demo_secrets`, `weak_secrets`): every management command runs these;
- the demo's logins, second factors and data in the database (`demo_data`, tagged
  `database`): `kolk check --deploy --database default` and `kolk migrate` run it.

The web processes (`kolk.wsgi`, `kolk.asgi`) run every check, the database's included,
before they serve, and refuse to start on any error (`refuse_to_serve`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import CheckMessage, Error, Tags, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

# The keys feed HMAC-SHA-256 (audit pseudonyms, IBAN lookup hashes), HKDF (field
# encryption) and Django's signing. 128 bits is the floor for such a key: 32 characters
# carry that much when drawn at random from hex digits (4 bits each), and 192 bits from
# URL-safe base64 (`secrets.token_urlsafe(24)`). Shorter is a password someone made up.
MIN_SECRET_LENGTH = 32
# As Django's own check of SECRET_KEY (security.W009): "x" * 50 is long but no key.
MIN_SECRET_CHARACTERS = 5
SECRETS = (
    ("SECRET_KEY", "KOLK_SECRET_KEY"),
    ("KOLK_AUDIT_KEY", "KOLK_AUDIT_KEY"),
    ("KOLK_FIELD_KEY", "KOLK_FIELD_KEY"),
)
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


@register(Tags.security)
def demo_secrets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, kolk refuses to run while a secret has its demo value."""
    if settings.DEBUG:
        return []
    from kolk import settings as defaults

    demo = {
        "SECRET_KEY": defaults.DEMO_SECRET_KEY,
        "KOLK_AUDIT_KEY": defaults.DEMO_AUDIT_KEY,
        "KOLK_FIELD_KEY": defaults.DEMO_FIELD_KEY,
    }
    return [
        Error(
            f"{name} has its demo value while DEBUG is off.",
            hint=f"Set {env} in the environment to a long random secret: {GENERATE}",
            id="kolk.E001",
        )
        for name, env in SECRETS
        if getattr(settings, name) == demo[name]
    ]


@register(Tags.security)
def weak_secrets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, each secret is long, varied and different from the other two."""
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    for name, env in SECRETS:
        value = str(getattr(settings, name))
        if len(value) < MIN_SECRET_LENGTH or len(set(value)) < MIN_SECRET_CHARACTERS:
            errors.append(
                Error(
                    f"{name} is too weak: {len(value)} characters, {len(set(value))} of them different; "
                    f"a key needs at least {MIN_SECRET_LENGTH}, of at least {MIN_SECRET_CHARACTERS} different ones.",
                    hint=f"Set {env} to a long random secret: {GENERATE}",
                    id="kolk.E002",
                )
            )
    for (one, one_env), (other, other_env) in itertools.combinations(SECRETS, 2):
        if getattr(settings, one) == getattr(settings, other):
            errors.append(
                Error(
                    f"{one} and {other} are the same secret: one leaked key would open both.",
                    hint=f"Give {one_env} and {other_env} each a random secret of its own: {GENERATE}",
                    id="kolk.E003",
                )
            )
    return errors


@register(Tags.database)
def demo_data(app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, the database holds no demo login, demo second factor or demo data."""
    if settings.DEBUG or not databases:
        return []
    return [error for alias in databases for error in _demo_data_in(alias)]


def _demo_data_in(alias: str) -> list[CheckMessage]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kolk.core.demo import DEMO_PASSWORD, DEMO_USERNAMES
    from kolk.core.models import SeedRun
    from kolk.core.otp import demo_hex_keys

    # `kolk migrate` runs this check before it creates the tables.
    tables = set(connections[alias].introspection.table_names())
    errors: list[CheckMessage] = []
    user_model = get_user_model()
    if user_model._meta.db_table in tables:
        found = user_model._default_manager.db_manager(alias).filter(
            **{f"{user_model.USERNAME_FIELD}__in": DEMO_USERNAMES}
        )
        # Only these few accounts are hashed: every user would take minutes with Argon2.
        names = sorted(
            username
            for username, encoded in found.values_list(user_model.USERNAME_FIELD, "password")
            if check_password(DEMO_PASSWORD, encoded)
        )
        if names:
            errors.append(
                Error(
                    f"Demo logins with the demo password, which is in kolk's source: {', '.join(names)}.",
                    hint="Start production from an empty database (docs/production.md, 'Demo data'), "
                    "or give each its own password (`kolk changepassword NAME`) or delete it.",
                    id="kolk.E004",
                )
            )
    if TOTPDevice._meta.db_table in tables:
        devices = (
            TOTPDevice.objects.using(alias)
            .filter(key__in=demo_hex_keys())
            .order_by("user__" + user_model.USERNAME_FIELD)
            .values_list("user__" + user_model.USERNAME_FIELD, flat=True)
        )
        if devices:
            errors.append(
                Error(
                    f"Second-factor (TOTP) devices with a demo secret, which is in kolk's source, "
                    f"of: {', '.join(dict.fromkeys(devices))}.",
                    hint="Delete these devices in the admin (their users enrol again at their next login), "
                    "or start production from an empty database (docs/production.md, 'Demo data').",
                    id="kolk.E005",
                )
            )
    if SeedRun._meta.db_table in tables:
        loaded = list(SeedRun.objects.using(alias).order_by("key").values_list("key", flat=True))
        if loaded:
            errors.append(
                Error(
                    f"This database holds kolk's demo data ({', '.join(loaded)}): made-up members with "
                    "direct-debit mandates on generated IBANs that may be real people's accounts, orders, "
                    "invoices and mails.",
                    hint="Start production from an empty database: create one, `kolk migrate`, "
                    "`kolk createsuperuser` (docs/production.md, 'Demo data').",
                    id="kolk.E006",
                )
            )
    return errors


def serving_errors() -> list[CheckMessage]:
    """Every check's errors, the database's included, as a web process must have none of them."""
    messages = run_checks(databases=[DEFAULT_DB_ALIAS])
    return [message for message in messages if message.is_serious() and not message.is_silenced()]


def refuse_to_serve() -> None:
    """Called by `kolk.wsgi` and `kolk.asgi` when they load: with DEBUG off, refuse to start
    (ImproperlyConfigured: gunicorn then stops with "Worker failed to boot") while any
    check fails, such as a demo or weak secret or demo logins in the database."""
    if settings.DEBUG:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        errors = _serving_errors_closed()
    else:  # an ASGI server loading the app inside its event loop: the database only outside it
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            errors = pool.submit(_serving_errors_closed).result()
    if errors:
        lines = "\n".join(f"  {message}" for message in errors)
        raise ImproperlyConfigured(f"kolk refuses to serve with DEBUG off; fix these first:\n{lines}")


def _serving_errors_closed() -> list[CheckMessage]:
    try:
        return serving_errors()
    except DatabaseError as exc:
        raise ImproperlyConfigured(
            f"kolk refuses to serve with DEBUG off: it could not read the database to check it for demo data ({exc})"
        ) from exc
    finally:
        # A server that loads the app before it forks its workers must not hand them this connection.
        connections.close_all()
