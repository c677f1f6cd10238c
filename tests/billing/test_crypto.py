"""The IBAN is encrypted at rest and found through its keyed hash."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from kolk.billing.crypto import decrypt, encrypt, lookup_hash
from kolk.billing.models import BankAccount

IBAN = "NL91ABNA0417164300"


def test_encrypt_round_trip_and_fresh_ciphertext():
    first, second = encrypt(IBAN), encrypt(IBAN)
    assert first != second  # a fresh IV each time: equal values do not show as equal
    assert IBAN not in first
    assert decrypt(first) == decrypt(second) == IBAN


def test_lookup_hash_is_keyed_and_stable():
    assert lookup_hash(IBAN) == lookup_hash(IBAN)
    assert IBAN not in lookup_hash(IBAN)
    with override_settings(KOLK_FIELD_KEY="another-key"):
        other = lookup_hash(IBAN)
    assert other != lookup_hash(IBAN)


def test_wrong_key_cannot_decrypt():
    token = encrypt(IBAN)
    with override_settings(KOLK_FIELD_KEY="another-key"), pytest.raises(ValueError, match="cannot decrypt"):
        decrypt(token)


def test_previous_key_still_decrypts():
    token = encrypt(IBAN)
    with override_settings(KOLK_FIELD_KEY="new-key", KOLK_FIELD_KEY_PREVIOUS=["demo-only-field-encryption-key"]):
        assert decrypt(token) == IBAN


@pytest.mark.django_db
def test_raw_column_holds_no_iban(person):
    account = BankAccount.objects.create(
        person=person, iban=IBAN, iban_hash=lookup_hash(IBAN), bic="ABNANL2A", holder_name="A. de Vries"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT iban, iban_hash FROM billing_bankaccount WHERE id = %s", [account.pk])
        raw_iban, raw_hash = cursor.fetchone()
    assert IBAN not in raw_iban
    assert "0417164300" not in raw_iban
    assert "ABNA" not in raw_iban
    assert raw_hash == lookup_hash(IBAN)
    assert BankAccount.objects.get(pk=account.pk).iban == IBAN
    assert BankAccount.objects.get(iban_hash=lookup_hash(IBAN)).pk == account.pk


@pytest.mark.django_db
def test_encrypted_field_refuses_filters():
    with pytest.raises(TypeError, match="lookup hash"):
        BankAccount.objects.filter(iban=IBAN).exists()
