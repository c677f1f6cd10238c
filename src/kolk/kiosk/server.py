"""The SIP2 server: a thread per kiosk connection, beside the web processes, on the same database.

Each connection has its own thread and its own database connection (Django's
are per thread), closed when the kiosk goes. A line longer than MAX_LINE is
refused and the connection closed; a line not finished within `line_timeout`
seconds, or a connection silent for `idle_timeout`, is closed; nothing a client
sends stops the server. SIGTERM (`stop`) closes the listening socket, lets each
connection finish the message it is answering, and returns.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connections

from kolk.kiosk.acs import Session
from kolk.kiosk.codec import MAX_LINE, Refusal, format_message, parse

log = logging.getLogger("kolk.kiosk")
POLL = 0.5  # seconds between looks at the stop flag while a connection waits


@dataclass(frozen=True)
class Limits:
    line_timeout: float = 30.0  # a started line must end within this
    idle_timeout: float = 900.0  # a connection may be silent this long between messages
    max_connections: int = 200
    handshake_timeout: float = 10.0


class Handler(socketserver.BaseRequestHandler):
    """One kiosk: read lines (CR or LF ends one), answer each, until the kiosk or the server goes."""

    server: SipServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        limits = self.server.limits
        try:
            if isinstance(sock, ssl.SSLSocket):
                sock.settimeout(limits.handshake_timeout)
                sock.do_handshake()
            self.serve(sock, limits)
        except (OSError, ssl.SSLError) as exc:
            log.info("sip2 connection from %s ended: %s", self.client_address[0], type(exc).__name__)
        finally:
            connections.close_all()  # this thread's database connection goes with the kiosk

    def serve(self, sock: socket.socket, limits: Limits) -> None:
        session = Session()
        buffer = bytearray()
        started = last = time.monotonic()
        while not self.server.stopping.is_set():
            now = time.monotonic()
            if buffer and now - started > limits.line_timeout:
                log.info("sip2 %s: a line not finished in %.0f s; closed", self.client_address[0], limits.line_timeout)
                return
            if not buffer and now - last > limits.idle_timeout:
                log.info("sip2 %s: idle for %.0f s; closed", self.client_address[0], limits.idle_timeout)
                return
            sock.settimeout(POLL)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except ssl.SSLWantReadError:
                continue
            if not chunk:
                return
            if not buffer:
                started = time.monotonic()
            buffer += chunk
            while True:
                ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
                if not ends:
                    break
                end = min(ends)
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                started = last = time.monotonic()
                if not line:
                    continue  # the LF of a CR LF
                answer = self.answer(session, line)
                if answer is None:
                    return
                sock.sendall(answer)
            if len(buffer) > MAX_LINE:
                log.info("sip2 %s: a line of more than %d bytes; refused and closed", self.client_address[0], MAX_LINE)
                sock.sendall(format_message("96"))
                return

    def answer(self, session: Session, line: bytes) -> bytes | None:
        close_old_connections()  # as Django does around a request: a broken or too old connection is replaced
        try:
            return session.answer(parse(line))
        except Exception:
            log.exception("sip2: could not answer a message")
            return session.refuse(Refusal("unknown", "internal error"))
        finally:
            close_old_connections()


class SipServer(socketserver.ThreadingTCPServer):
    """ThreadingTCPServer with TLS, a cap on connections, and a stop that lets threads finish."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], *, tls: ssl.SSLContext | None = None,
                 limits: Limits | None = None) -> None:  # fmt: skip
        self.tls = tls
        self.limits = limits or Limits()
        self.stopping = threading.Event()
        self._active = threading.BoundedSemaphore(self.limits.max_connections)
        super().__init__(address, Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake runs in the connection's own thread, so a slow client holds up nobody.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.stopping.is_set() or not self._active.acquire(blocking=False):
            log.warning("sip2: refused a connection from %s (%s)", client_address[0],
                        "stopping" if self.stopping.is_set() else "too many connections")  # fmt: skip
            return False
        return True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._active.release()

    def stop(self) -> None:
        """Stop accepting, let each connection finish its message, and wait for them (call from another thread)."""
        self.stopping.set()
        self.shutdown()


def tls_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context
