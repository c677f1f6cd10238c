"""Field encryption for bank details: Fernet with keys derived from KOLK_FIELD_KEY.

Two keys are derived from the one secret with HKDF (SHA-256), each for one use:
one encrypts values at rest (Fernet: AES-128-CBC with an HMAC, a fresh IV per
value), the other makes a keyed hash (HMAC-SHA-256) so that a value can be found
without decrypting anything. Earlier secrets in KOLK_FIELD_KEY_PREVIOUS still
decrypt, so the key can be rotated by re-saving the rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

ENCRYPTION_INFO = b"kolk.billing.field-encryption.v1"
HASH_INFO = b"kolk.billing.lookup-hash.v1"


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


@cache
def _fernet(current: str, previous: tuple[str, ...]) -> MultiFernet:
    keys = [Fernet(base64.urlsafe_b64encode(_derive(s, ENCRYPTION_INFO))) for s in (current, *previous)]
    return MultiFernet(keys)


def _secrets() -> tuple[str, tuple[str, ...]]:
    previous = getattr(settings, "KOLK_FIELD_KEY_PREVIOUS", ())
    return settings.KOLK_FIELD_KEY, tuple(previous)


def encrypt(value: str) -> str:
    """Encrypt a text; the result is ASCII and differs on every call."""
    return _fernet(*_secrets()).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a text encrypted with the current or a previous key."""
    try:
        return _fernet(*_secrets()).decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt a field: wrong KOLK_FIELD_KEY or a damaged value") from exc


def lookup_hash(value: str) -> str:
    """A keyed hash of a (normalised) value, for finding it without decrypting."""
    key = _derive(settings.KOLK_FIELD_KEY, HASH_INFO)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column that holds only ciphertext in the database.

    Python sees the plain text; the database sees a Fernet token. Ciphertext
    differs on every save, so the field cannot be filtered on: keep a
    `lookup_hash` beside it for lookups.
    """

    description = "Encrypted text"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"an encrypted field cannot be filtered with '{lookup_name}'; use its lookup hash")
        return super().get_lookup(lookup_name)
