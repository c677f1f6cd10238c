"""`kolk worker`: runs queued tasks and enqueues the periodic jobs when due."""

from __future__ import annotations

import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from kolk.core.checks import refuse_to_serve
from kolk.core.periodic import enqueue_due
from kolk.settings import env_bool


class Command(BaseCommand):
    help = "Run the background worker: queued tasks plus periodic jobs (retention, audit sealing, ...)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--schedule-every", type=float, default=30.0, help="seconds between schedule checks")
        parser.add_argument("--batch", action="store_true", help="enqueue what is due, run all tasks, then stop")

    def handle(self, *args: Any, schedule_every: float, batch: bool, **options: Any) -> None:
        # Like a web process: in production (KOLK_DEBUG=false) no worker mails members from a
        # copied demo database. Read from the environment: a test run turns Django's DEBUG off.
        if not env_bool("KOLK_DEBUG", True):
            refuse_to_serve()
        stop = threading.Event()

        def schedule() -> None:
            while not stop.is_set():
                close_old_connections()
                try:
                    names = enqueue_due()
                    if names:
                        self.stdout.write(f"enqueued: {', '.join(names)}")
                finally:
                    connection.close()
                stop.wait(schedule_every)

        if batch:
            enqueue_due()
            call_command("db_worker", batch=True, reload=False, startup_delay=False, queue_name="*")
            return
        scheduler = threading.Thread(target=schedule, name="kolk-scheduler", daemon=True)
        scheduler.start()
        try:
            call_command("db_worker", reload=False, queue_name="*", verbosity=options.get("verbosity", 1))
        finally:
            stop.set()
