"""Bank accounts and SEPA mandates."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolk.billing.crypto import lookup_hash
from kolk.billing.models import BankAccount, Mandate
from kolk.billing.validation import check_holder_name, check_iban
from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.people.models import Person
from kolk.privacy.audit import audit_log


@transaction.atomic
def bank_account_set(*, person: Person, iban: str, holder_name: str, actor: Actor) -> BankAccount:
    """Record or replace the account a person pays from.

    A new IBAN revokes the active mandate: a mandate covers the account it was
    signed for, so the member signs again for the new one.
    """
    checked = check_iban(iban)
    holder = check_holder_name(holder_name)
    digest = lookup_hash(checked.iban)
    account = BankAccount.objects.select_for_update().filter(person=person).first()
    if account is None:
        account = BankAccount.objects.create(
            person=person, iban=checked.iban, iban_hash=digest, bic=checked.bic, holder_name=holder
        )
        audit_log(actor=actor, action="bank_account.set", subject=person, details={"account": account.pk})
        return account
    iban_changed = account.iban_hash != digest
    if not iban_changed and account.holder_name == holder:
        return account
    revoked = 0
    if iban_changed:
        revoked = account.mandates.filter(revoked_at__isnull=True).update(revoked_at=now())
    account.iban, account.iban_hash, account.bic, account.holder_name = checked.iban, digest, checked.bic, holder
    account.save(update_fields=["iban", "iban_hash", "bic", "holder_name", "updated_at"])
    audit_log(
        actor=actor,
        action="bank_account.set",
        subject=person,
        details={"account": account.pk, "iban_changed": iban_changed, "mandates_revoked": revoked},
    )
    return account


# How a mandate was signed: on paper at the desk (the staff member who took it is the
# actor), or by the member online (an e-mandate: the consent text they agreed to is kept).
MANDATE_METHODS = ("paper", "online")


def mandate_sign(
    *,
    person: Person,
    actor: Actor,
    signed_on: dt.date | None = None,
    method: str = "paper",
    consent_text: str = "",
) -> Mandate:
    """Record that a person signed a direct-debit mandate for their bank account.

    `method` "paper": signed at the desk, the actor is the staff member who took
    the signed form; "online": the member agreed in the portal to `consent_text`,
    which the audit entry keeps (its words and a digest).
    """
    if method not in MANDATE_METHODS:
        raise ValidationError({"method": [_("Onbekende manier van tekenen.")]}, code="method")
    if method == "online" and not consent_text.strip():
        raise ValidationError({"consent_text": [_("Een e-machtiging heeft de tekst waarmee het lid instemde.")]})
    return _mandate_sign(person=person, actor=actor, signed_on=signed_on, method=method, consent_text=consent_text)


@transaction.atomic
def _mandate_sign(
    *, person: Person, actor: Actor, signed_on: dt.date | None, method: str, consent_text: str
) -> Mandate:
    signed_on = signed_on or today()
    if signed_on > today():
        raise ValidationError({"signed_on": [_("Een machtiging kan niet in de toekomst getekend zijn.")]})
    account = BankAccount.objects.select_for_update().filter(person=person).first()
    if account is None:
        raise ValidationError(
            {"bank_account": [_("Leg eerst een bankrekening vast; een machtiging hoort bij een rekening.")]},
            code="no_account",
        )
    if account.mandates.filter(revoked_at__isnull=True).exists():
        raise KolkError(_("Er is al een geldige machtiging voor deze rekening."), code="mandate_exists")
    count = Mandate.objects.filter(bank_account__person=person).count()
    mandate = Mandate.objects.create(
        bank_account=account, reference=f"DNK-{person.customer_number}-{count + 1}", signed_on=signed_on
    )
    details: dict[str, object] = {"mandate": mandate.pk, "method": method}
    if consent_text:
        details["consent_text"] = consent_text[:2000]
        details["consent_sha256"] = hashlib.sha256(consent_text.encode()).hexdigest()
    audit_log(actor=actor, action="mandate.signed", subject=person, details=details)
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor: Actor) -> Mandate:
    """Revoke a mandate; invoices already in a collection stay collected."""
    mandate = Mandate.objects.select_for_update().select_related("bank_account__person").get(pk=mandate.pk)
    if mandate.revoked_at is not None:
        return mandate
    mandate.revoked_at = now()
    mandate.save(update_fields=["revoked_at"])
    audit_log(
        actor=actor, action="mandate.revoked", subject=mandate.bank_account.person, details={"mandate": mandate.pk}
    )
    return mandate


def bank_accounts_rekey(*, actor: Actor, batch: int = 500, progress: Callable[[int], object] | None = None) -> int:
    """Encrypt every IBAN again with the current KOLK_FIELD_KEY and recompute its lookup hash.

    After a key change, with the old secret in KOLK_FIELD_KEY_PREVIOUS. Each batch
    is one transaction and each row is readable before and after, so a run killed
    halfway is finished by the next. Returns the number of accounts done.
    """
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            accounts = list(BankAccount.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch])
            for account in accounts:
                account.iban_hash = lookup_hash(account.iban)
            # bulk_update sends each IBAN through the field again: fresh ciphertext under the current key
            BankAccount.objects.bulk_update(accounts, ["iban", "iban_hash"])
        if not accounts:
            break
        last_pk = accounts[-1].pk
        done += len(accounts)
        if progress is not None:
            progress(len(accounts))
    audit_log(actor=actor, action="bank_accounts.rekeyed", details={"count": done})
    return done
