"""`kolk comms send`: flush the outbox (mail, then text messages) now, with a progress bar."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kolk.comms.outbox import outbox_due_count, outbox_flush
from kolk.comms.sms import sms_flush


class Command(BaseCommand):
    help = "Communications. `send`: send every queued or due message of the outbox now."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["send"], help="send: flush the outbox")
        parser.add_argument("--limit", type=int, default=None, help="send at most this many")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, action: str, limit: int | None, no_progress: bool, **options: Any) -> None:
        if action != "send":
            raise CommandError(f"unknown action {action}")
        total = outbox_due_count()
        if limit is not None:
            total = min(total, limit)
        with tqdm(total=total, unit="mail", disable=no_progress, file=self.stderr) as bar:
            report = outbox_flush(limit=limit, progress=bar.update)
        self.stdout.write(
            f"sent {report.sent}, failed {report.failed}, cancelled {report.cancelled}, in doubt settled {report.recovered}"
        )
        texts = sms_flush(limit=limit)
        if texts.sent or texts.failed or texts.cancelled or texts.recovered:
            self.stdout.write(
                f"sms: sent {texts.sent}, failed {texts.failed}, cancelled {texts.cancelled}, "
                f"in doubt settled {texts.recovered}"
            )
