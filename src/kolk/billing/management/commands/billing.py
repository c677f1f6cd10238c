"""`kolk billing collect|camt|rekey`: SEPA direct-debit file, bank statement import, IBAN re-encryption."""

from __future__ import annotations

import datetime as dt
import os
import sys
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from kolk.billing.models import BankAccount, Collection
from kolk.billing.selectors import collections_pending
from kolk.billing.sepa import collection_xml
from kolk.billing.services import bank_accounts_rekey, camt_import, collection_create, collection_mark_exported
from kolk.billing.services.collections import collectable_invoices
from kolk.core.errors import KolkError
from kolk.core.money import euros as format_euros

PROGRESS_FROM = 1000  # show a progress bar for runs at least this large


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that it is either absent, the old one, or complete."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def euros(cents: int) -> str:
    return format_euros(cents)


def collection_date(text: str) -> dt.date:
    """The collection date as people write it (11-12-2026) or as a script does (2026-12-11)."""
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ArgumentTypeError(_("geen datum: %(text)s (schrijf DD-MM-JJJJ, zoals 11-12-2026)") % {"text": text})


class Command(BaseCommand):
    help = "Facturatie: incassobestand (pain.008) maken, bankafschrift (CAMT.053) inlezen."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        collect = sub.add_parser("collect", help="incasseer openstaande facturen met een machtiging")
        collect.add_argument("--date", required=True, type=collection_date, help="incassodatum, DD-MM-JJJJ")
        collect.add_argument("--out", required=True, type=Path, help="het pain.008-bestand dat wordt geschreven")
        sub.add_parser("rekey", help="versleutel alle IBAN's opnieuw met de huidige KOLK_FIELD_KEY")
        camt = sub.add_parser("camt", help="lees een CAMT.053-bankafschrift in en boek de betalingen")
        camt.add_argument("file", type=Path)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "collect":
                self.collect(options["date"], options["out"])
            elif action == "rekey":
                self.rekey()
            else:
                self.camt(options["file"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except KolkError as exc:
            raise CommandError(str(exc.message)) from exc

    def collect(self, date: dt.date, out: Path) -> None:
        collection: Collection | None = collections_pending().first()
        if collection is not None:
            self.stdout.write(
                _("Batch %(id)s van een eerdere run (incassodatum %(date)s) wordt alsnog geschreven.")
                % {"id": collection.message_id, "date": collection.collection_date.isoformat()}
            )
        else:
            todo = collectable_invoices().count()
            with tqdm(total=todo, disable=todo < PROGRESS_FROM, file=sys.stderr, unit=" facturen") as bar:
                collection = collection_create(collection_date=date, actor=None, progress=bar.update)
        if collection is None:
            self.stdout.write(_("Niets te incasseren."))
            return
        write_atomically(out, collection_xml(collection))
        collection_mark_exported(collection=collection, actor=None)
        items = collection.items.all()
        total = sum(items.values_list("amount_cents", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)s incasso's, totaal %(total)s, geschreven naar %(out)s (batch %(id)s).")
                % {"count": items.count(), "total": euros(total), "out": out, "id": collection.message_id}
            )
        )
        if collections_pending().exists() or collectable_invoices().exists():
            self.stdout.write(_("Er staat nog meer klaar: voer de opdracht opnieuw uit."))

    def camt(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Kan %(path)s niet lezen: %(error)s") % {"path": path, "error": exc}) from exc
        result = camt_import(data=data, actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(tx)s transacties: %(new)s betalingen geboekt, %(already)s waren al geboekt, "
                    "%(settled)s facturen voldaan, %(skipped)s afschrijvingen of niet geboekte posten overgeslagen."
                )
                % {
                    "tx": result.transactions,
                    "new": result.recorded,
                    "already": result.already,
                    "settled": len(result.settled),
                    "skipped": result.skipped,
                }
            )
        )
        for title, items in [
            (_("Niet verwerkt (%(n)s):"), result.unmatched),
            (_("Teruggeboekte incasso's, handmatig afhandelen (%(n)s):"), result.returned),
        ]:
            if items:
                self.stdout.write(self.style.WARNING(title % {"n": len(items)}))
            for item in items:
                self.stdout.write(
                    f"  {item.booking_date}  {euros(item.amount_cents):>12}  {item.reference}  "
                    f"{item.remittance}  [{item.reason}]"
                )

    def rekey(self) -> None:
        total = BankAccount.objects.count()
        with tqdm(total=total, disable=total < PROGRESS_FROM, file=sys.stderr, unit=" rekeningen") as bar:
            done = bank_accounts_rekey(actor=None, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(_("%(n)s rekeningen opnieuw versleuteld.") % {"n": done}))
