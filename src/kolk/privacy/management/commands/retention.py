"""`kolk retention run|replay`: apply the register's retention rules."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kolk.core.clock import today
from kolk.privacy.erasure import erasure_replay
from kolk.privacy.retention import retention_run, subjects_reduce


class Command(BaseCommand):
    help = "Apply every retention rule of the register (erase or anonymise what is past its date)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="erase or anonymise what is due")
        run.add_argument("--dry-run", action="store_true", help="count what is due, change nothing")
        run.add_argument("--date", help="apply the rules as on this date (YYYY-MM-DD); default today")
        run.add_argument("--batch-size", type=int, default=5000)
        sub.add_parser("replay", help="after a restore from backup: erase again everyone the erasure log names")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "replay":
            replay = erasure_replay(actor=None)
            self.stdout.write(f"erasure log names {replay.logged}; erased again: {replay.erased}")
            if replay.blocked:
                # What protects them (an invoice under the fiscal duty) stays; the rest goes again now.
                for start in range(0, len(replay.blocked), 500):
                    subjects_reduce(replay.blocked[start : start + 500], on=today())
                raise CommandError(
                    f"{len(replay.blocked)} could not be erased again yet, rows another rule keeps protect them "
                    f"(ids {', '.join(map(str, replay.blocked[:20]))}); they were reduced to what that rule keeps: "
                    "run `kolk retention run`, then replay again"
                )
            return
        on = None
        if options.get("date"):
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date is YYYY-MM-DD") from exc
        with tqdm(unit=" rows", disable=not self.stdout.isatty() and options["verbosity"] < 2) as bar:

            def progress(label: str, count: int) -> None:
                bar.set_description(label)
                bar.update(count)

            report = retention_run(
                actor=None, on=on, dry_run=options["dry_run"], batch_size=options["batch_size"], progress=progress
            )
        verb = "due" if report.dry_run else "done"
        for line in report.rules:
            count = line.due if report.dry_run else line.done
            self.stdout.write(f"{line.name:<32} {line.rule:<12} {line.action:<9} {count:>9} {verb}")
        self.stdout.write(f"total {report.total} {verb} (as on {report.on.isoformat()})")
