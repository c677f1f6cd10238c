"""Scale billing: bank accounts and SEPA mandates of the adult members who pay by direct debit.

IBANs are real Dutch IBANs (schwifty, valid check digits and BIC), encrypted
through the project's own field encryption with their keyed lookup hash, so
they decrypt and can be found as if entered at the desk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schwifty import IBAN

from kolk.billing.crypto import encrypt, lookup_hash
from kolk.billing.models import BankAccount, Mandate
from kolk.core.scale import ScaleContext
from kolk.people.scale import customer_number, people_plan

ORDER = 50
BANKS = ["INGB", "INGB", "INGB", "RABO", "RABO", "RABO", "ABNA", "ABNA", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"]
DIRECT_DEBIT = 0.55  # of adult members with their own or a family subscription


def seed_accounts(ctx: ScaleContext) -> int:
    rnd = ctx.rng("billing.accounts")
    people = people_plan(ctx)
    first_account, first_mandate = ctx.first_id(BankAccount), ctx.first_id(Mandate)
    payers = [
        i
        for i, s in enumerate(people.people)
        if s.left_on is None and s.role in ("own", "holder") and (ctx.today - s.born).days >= 18 * 365
    ]
    payers = [i for i in payers if rnd.random() < DIRECT_DEBIT]
    created = ctx.at(ctx.today - dt.timedelta(days=400))

    def accounts() -> Any:
        for n, i in enumerate(payers):
            s = people.people[i]
            iban = IBAN.generate(
                "NL", bank_code=rnd.choice(BANKS), account_code=f"{rnd.randint(10**8, 10**10 - 1):010d}"
            )
            holder = " ".join(p for p in (s.given[:1] + ".", s.prefix, s.surname) if p)[:70]
            bic = iban.bic.compact if iban.bic else ""
            yield (
                first_account + n,
                people.pk(i),
                encrypt(iban.compact),
                lookup_hash(iban.compact),
                bic,
                holder,
                created,
                created,
            )

    rows = ctx.copy_rows(
        BankAccount,
        ["id", "person", "iban", "iban_hash", "bic", "holder_name", "created_at", "updated_at"],
        accounts(),
        total=len(payers),
    )

    def mandates() -> Any:
        for n, i in enumerate(payers):
            customer = customer_number(people.pk(i))
            signed = max(people.people[i].since, ctx.today - dt.timedelta(days=12 * 365))
            sequence = "RCUR" if signed < ctx.today - dt.timedelta(days=40) else "FRST"
            yield first_mandate + n, first_account + n, f"DNK-{customer}-1", signed, sequence, None, created

    rows += ctx.copy_rows(
        Mandate,
        ["id", "bank_account", "reference", "signed_on", "sequence", "revoked_at", "created_at"],
        mandates(),
        total=len(payers),
    )
    return rows


PHASES = [("accounts", seed_accounts)]
