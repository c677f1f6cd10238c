"""The SEPA direct-debit file (pain.008.001.02) of a collection, written with sepaxml.

The file is built from the collection's items each time it is asked for, with
the collection's own message id and creation time, so writing it again gives
the same file (a bank refuses a message id it has seen: a file sent twice is
not collected twice).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import timezone
from schwifty import IBAN
from sepaxml import SepaDD
from sepaxml.validation import try_valid_xml

from kolk.billing.models import Collection
from kolk.privacy.register import get_register

SCHEMA = "pain.008.001.02"
NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"}


def creditor_config() -> dict[str, object]:
    """DNK as the creditor: name from the register, IBAN and creditor id from settings."""
    iban = IBAN(settings.KOLK_SEPA_CREDITOR_IBAN)
    return {
        "name": get_register().controller.get("full_name") or get_register().controller["name"],
        "IBAN": iban.compact,
        "BIC": iban.bic.compact if iban.bic else "NOTPROVIDED",
        "batch": True,
        "creditor_id": settings.KOLK_SEPA_CREDITOR_ID,
        "currency": "EUR",
    }


def collection_xml(collection: Collection) -> bytes:
    """The pain.008 file of a collection, validated against the XSD."""
    sepa = SepaDD(creditor_config(), schema=SCHEMA, clean=True)
    items = collection.items.select_related("invoice", "mandate__bank_account").order_by("invoice__number")
    for item in items.iterator(chunk_size=1000):
        account = item.mandate.bank_account
        payment: dict[str, object] = {
            "name": account.holder_name,
            "IBAN": account.iban,
            "amount": item.amount_cents,
            "type": item.sequence,
            "collection_date": collection.collection_date,
            "mandate_id": item.mandate.reference,
            "mandate_date": item.mandate.signed_on,
            "description": f"Factuur {item.invoice.number} De Nieuwe Kolk",
            "endtoend_id": item.invoice.number,
        }
        if account.bic:
            payment["BIC"] = account.bic
        sepa.add_payment(payment)
    return _stable(sepa.export(validate=False), collection)


def _stable(out: bytes, collection: Collection) -> bytes:
    """Give the file the collection's message id, time and batch ids, then validate it."""
    root = ET.fromstring(out)  # noqa: S314 - our own output, not input
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header is not None
    header.find("p:MsgId", NS).text = collection.message_id  # type: ignore[union-attr]
    created = timezone.localtime(collection.created_at).strftime("%Y-%m-%dT%H:%M:%S")
    header.find("p:CreDtTm", NS).text = created  # type: ignore[union-attr]
    for number, node in enumerate(root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf/p:PmtInfId", NS), start=1):
        node.text = f"{collection.message_id}-{number}"
    ET.register_namespace("", NS["p"])
    result: bytes = b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="utf-8")
    try_valid_xml(result, SCHEMA)
    return result
