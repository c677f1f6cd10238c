"""`kolk sip2`: the SIP2 server for the self-service kiosks, beside the web processes."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kolk.kiosk.server import Limits, SipServer, tls_context


class Command(BaseCommand):
    help = "Serve SIP2 (3M Standard Interchange Protocol 2.00) to the self-service kiosks."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=6001, help="TCP port (default 6001)")
        parser.add_argument("--certfile", default="", help="TLS certificate (PEM): serve SIP2 over TLS")
        parser.add_argument("--keyfile", default="", help="its private key, when not in the certificate's file")
        parser.add_argument("--line-timeout", type=float, default=30.0, help="seconds a started message may take")
        parser.add_argument("--idle-timeout", type=float, default=900.0, help="seconds a connection may be silent")
        parser.add_argument("--max-connections", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keyfile"] and not options["certfile"]:
            raise CommandError("--keyfile needs --certfile")
        try:
            tls = tls_context(options["certfile"], options["keyfile"] or None) if options["certfile"] else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the TLS certificate or key: {exc}") from exc
        limits = Limits(
            line_timeout=options["line_timeout"],
            idle_timeout=options["idle_timeout"],
            max_connections=options["max_connections"],
        )
        try:
            server = SipServer((options["host"], options["port"]), tls=tls, limits=limits)
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc

        def stop(signum: int, frame: Any) -> None:
            threading.Thread(target=server.stop, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        host, port = server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        self.stdout.write(f"kolk sip2 on {host}:{port}{' (TLS)' if tls else ''}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.5)
        finally:
            server.server_close()  # waits for the connections' threads
        self.stdout.write("kolk sip2 stopped")
