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
from kolk.billing.models import BankAccount, Invoice, InvoiceCounter, InvoiceLine, Mandate, Payment
from kolk.core.scale import ScaleContext
from kolk.people.scale import customer_number, people_plan

ORDER = 50
BANKS = ["INGB", "INGB", "INGB", "RABO", "RABO", "RABO", "ABNA", "ABNA", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"]
SOURCE = "library.subscription"
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


def _anniversaries(since: dt.date, today: dt.date) -> list[dt.date]:
    """The days a yearly fee fell due in the last two years."""
    days = []
    for year in (today.year - 2, today.year - 1, today.year):
        try:
            day = since.replace(year=year)
        except ValueError:  # 29 February
            day = dt.date(year, 2, 28)
        if since < day <= today and (today - day).days < 730:
            days.append(day)
    return days


def seed_invoices(ctx: ScaleContext) -> int:
    """Yearly subscription invoices of the last two years, mostly paid (by direct debit where
    there is a mandate), numbered per year without gaps, with their lines and payments.

    The fees come from the library's plan (`ctx.shared["library.yearly_fees"]`:
    person index -> (fee in cents, start of the subscription)).
    """
    rnd = ctx.rng("billing.invoices")
    people = people_plan(ctx)
    fees: dict[int, tuple[int, dt.date]] = ctx.shared.get("library.yearly_fees", {})
    issued = sorted((day, i, fee) for i, (fee, since) in fees.items() for day in _anniversaries(since, ctx.today))
    counters = {c.year: c for c in InvoiceCounter.objects.all()}
    last = {year: c.last for year, c in counters.items()}
    first_invoice, first_line, first_payment = ctx.first_id(Invoice), ctx.first_id(InvoiceLine), ctx.first_id(Payment)
    invoices: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    for n, (day, i, fee) in enumerate(issued):
        pk = first_invoice + n
        last[day.year] = last.get(day.year, 0) + 1
        due = day + dt.timedelta(days=14)
        paid = day + dt.timedelta(days=rnd.randint(2, 20))
        settled = None
        if paid < ctx.today and rnd.random() < 0.97:
            settled = ctx.at(paid, 36000)
            method = "sepa" if rnd.random() < DIRECT_DEBIT else "bank_transfer"
            payments.append((first_payment + len(payments), pk, fee, method, f"SCALE-{ctx.seed}-{pk}", paid, settled))
        year_end = dt.date(paid.year, 12, 31) if settled else None
        status = "paid" if settled else "open"
        created = ctx.at(day, 7200)
        invoices.append(
            (
                pk,
                f"{day.year}-{last[day.year]:06d}",
                people.pk(i),
                day,
                due,
                status,
                SOURCE,
                fee,
                settled,
                year_end,
                created,
            )
        )
        lines.append((first_line + n, pk, 1, f"Contributie bibliotheek {day.year}", 1, fee, 9))
    rows = ctx.copy_rows(
        Invoice,
        [
            "id",
            "number",
            "person",
            "issued_on",
            "due_on",
            "status",
            "source",
            "total_cents",
            "settled_at",
            "closed_year_end",
            "created_at",
        ],
        invoices,
    )
    rows += ctx.copy_rows(
        InvoiceLine, ["id", "invoice", "position", "description", "quantity", "unit_amount_cents", "vat_percent"], lines
    )
    rows += ctx.copy_rows(
        Payment, ["id", "invoice", "amount_cents", "method", "reference", "received_on", "created_at"], payments
    )
    for year, number in last.items():
        InvoiceCounter.objects.update_or_create(year=year, defaults={"last": number})
    return rows


PHASES = [("accounts", seed_accounts), ("invoices", seed_invoices)]
