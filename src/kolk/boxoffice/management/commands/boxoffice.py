"""`kolk boxoffice expire|refunds|mosaic`: release expired holds, refund through Mollie, the R07 file."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kolk.boxoffice.marketing import mosaic_export
from kolk.boxoffice.services.payments import mollie_refunds_due
from kolk.boxoffice.services.selling import orders_expire
from kolk.core.clock import today


class Command(BaseCommand):
    help = (
        "Box office. `expire`: release holds and unpaid orders past their time. `refunds`: pay back what is due "
        "through Mollie. `mosaic --out FILE`: the Mosaic file for The Alignment House (R07), through the "
        "disclosure function (objectors and restricted people left out, every person recorded)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["expire", "refunds", "mosaic"])
        parser.add_argument("--out", type=Path, help="mosaic: the CSV file to write")
        parser.add_argument("--days", type=int, default=365, help="mosaic: buyers of the last DAYS days")

    def handle(self, *args: Any, action: str, out: Path | None, days: int, **options: Any) -> None:
        if action == "expire":
            self.stdout.write(f"released {orders_expire()} orders")
        elif action == "refunds":
            self.stdout.write(f"refunded {mollie_refunds_due()} payments")
        else:
            if out is None:
                raise CommandError("mosaic needs --out FILE")
            disclosure, data = mosaic_export(actor=None, since=today() - dt.timedelta(days=days))
            out.write_bytes(data)
            self.stdout.write(f"disclosure {disclosure.pk}: {disclosure.person_count} people to R07 in {out}")
