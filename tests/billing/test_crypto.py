"""The IBAN is encrypted at rest and found through its keyed hash."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from kolk.billing.crypto import decrypt, encrypt, lookup_hash
from kolk.billing.models import BankAccount
from tests.factories import PersonFactory

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


@pytest.mark.django_db
def test_rekey_moves_every_iban_to_the_new_key(person):
    from django.core.management import call_command

    from kolk.billing.crypto import decrypt as decrypt_token
    from kolk.billing.services import bank_account_set

    second = PersonFactory()
    bank_account_set(person=person, iban=IBAN, holder_name="A. de Vries", actor=None)
    bank_account_set(person=second, iban="NL20INGB0001234567", holder_name="B. Bos", actor=None)
    old_key = "demo-only-field-encryption-key"
    with override_settings(KOLK_FIELD_KEY="a-new-long-random-key", KOLK_FIELD_KEY_PREVIOUS=[old_key]):
        assert BankAccount.objects.get(person=person).iban == IBAN  # still readable before the run
        call_command("billing", "rekey")
        assert BankAccount.objects.get(iban_hash=lookup_hash(IBAN)).person_id == person.pk
        with connection.cursor() as cursor:
            cursor.execute("SELECT iban FROM billing_bankaccount ORDER BY id")
            tokens = [row[0] for row in cursor.fetchall()]
    with override_settings(KOLK_FIELD_KEY="a-new-long-random-key"):  # the old key is gone now
        assert [decrypt_token(t) for t in tokens] == [IBAN, "NL20INGB0001234567"]
    with pytest.raises(ValueError, match="cannot decrypt"):
        decrypt_token(tokens[0])  # under the old key alone
