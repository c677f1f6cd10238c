"""Writes on billing. Other apps call these, never the models' managers.

Every service is keyword-only, takes the acting user, runs in one transaction
and leaves one audit entry; bad input raises ValidationError or KolkError with
a Dutch message, and nothing is written.
"""

from kolk.billing.services.accounts import bank_account_set, bank_accounts_rekey, mandate_revoke, mandate_sign
from kolk.billing.services.collections import collection_create, collection_mark_exported
from kolk.billing.services.invoices import InvoiceLineIn, invoice_cancel, invoice_create, payment_record
from kolk.billing.services.online import invoice_pay_online, online_payment_update
from kolk.billing.services.statements import CamtResult, camt_import

__all__ = [
    "CamtResult",
    "InvoiceLineIn",
    "bank_account_set",
    "bank_accounts_rekey",
    "camt_import",
    "collection_create",
    "collection_mark_exported",
    "invoice_cancel",
    "invoice_create",
    "invoice_pay_online",
    "mandate_revoke",
    "mandate_sign",
    "online_payment_update",
    "payment_record",
]
