"""`kolk dev [--host H] [--port P]`: the development server with the worker beside it (`make run`).

A new user gets one command that runs all of kolk: the site (Django's runserver,
which reloads on every code change) and `kolk worker`, which sends the queued mail
(printed in this terminal while no SMTP server is configured), draws the QR codes of
paid tickets and runs the periodic jobs. Ctrl-C stops both; when one of them stops by
itself, the other is stopped too, so nothing is left running in the background.
Production runs gunicorn and `kolk worker` instead (docs/production.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

KOLK = [sys.executable, "-m", "kolk.cli"]
STOP_SECONDS = 20
# What the worker says about every task and every period; a failed task is logged otherwise.
ROUTINE = re.compile(r"Task id=\S+ path=\S+ state=(RUNNING|SUCCESSFUL)$|enqueued: ")


class Command(BaseCommand):
    help = "Development only (DEBUG on): serve the site on HOST:PORT and run the worker beside it; Ctrl-C stops both."
    requires_system_checks = []  # runserver checks, in its own process

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "kolk dev is for development (KOLK_DEBUG=true); in production run gunicorn and kolk worker "
                "(docs/production.md)"
            )
        site = f"http://{host}:{port}/"
        mail = "mail kolk sends is printed here" if "devmail" in settings.EMAIL_BACKEND else "mail goes out by SMTP"
        self.stdout.write(f"kolk dev: the site on {site} and the worker beside it ({mail}). Ctrl-C stops both.")
        self.stdout.flush()

        def interrupted(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        # Stopped, or its terminal closed: stop the children too. They run in process groups of
        # their own, so that stopping runserver stops its reloading child too; Ctrl-C reaches only
        # this process, which passes it on.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, interrupted)
        children: dict[str, subprocess.Popen[Any]] = {}
        stopped: str | None = None
        try:
            worker = subprocess.Popen(  # noqa: S603 - kolk itself, with fixed arguments
                [*KOLK, "worker"],
                process_group=0,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each mail as it is sent
                text=True,
            )
            children["worker"] = worker
            threading.Thread(target=_pass_on, args=(worker.stdout, self.stdout), daemon=True).start()
            children["runserver"] = subprocess.Popen(  # noqa: S603 - kolk itself
                [*KOLK, "runserver", f"{host}:{port}"], process_group=0
            )
            while stopped is None:
                stopped = next((name for name, child in children.items() if child.poll() is not None), None)
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            _stop_all(children)
        if stopped is not None:
            code = children[stopped].returncode
            raise CommandError(f"kolk {stopped} stopped (exit status {code}), so kolk dev stopped the rest")


def _pass_on(lines: IO[str] | None, out: Any) -> None:
    """The worker's output without its routine: the mails, warnings and failures stand out."""
    for line in lines or ():
        if not ROUTINE.match(line):
            out.write(line.rstrip("\n"))
            out.flush()


def _stop_all(children: dict[str, subprocess.Popen[Any]]) -> None:
    """Stop every child, within STOP_SECONDS; a second Ctrl-C meanwhile does not cut this short."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    for child in children.values():
        if child.poll() is None:
            _signal_group(child, signal.SIGINT)  # as Ctrl-C: the worker finishes its task first
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
