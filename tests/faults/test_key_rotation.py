"""The field key rotation of docs/production.md, run as an operator would: new key, old key as
previous, `kolk billing rekey`, then the old key removed."""

from __future__ import annotations

from kolk.settings import DEMO_FIELD_KEY

NEW_KEY = "a-new-field-key-for-the-rotation-test-0123456789"
READ_ALL = """
from kolk.billing.models import BankAccount
from kolk.billing.crypto import lookup_hash
result = sorted((a.iban, a.iban_hash == lookup_hash(a.iban)) for a in BankAccount.objects.all())
"""


def test_field_key_rotation_with_rekey(template):
    db = template.copy("rekey")
    db.python("from tests.faults.data import debtors\nresult = debtors(5)")
    before = db.python(READ_ALL)
    assert len(before) == 5
    assert all(found for _iban, found in before)

    db.kolk("billing", "rekey", KOLK_FIELD_KEY=NEW_KEY, KOLK_FIELD_KEY_PREVIOUS=DEMO_FIELD_KEY)
    assert db.python(READ_ALL, KOLK_FIELD_KEY=NEW_KEY) == before  # the old key is no longer needed
