"""`kolk sip2` over TLS, and its graceful stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import socket
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import call_command

from kolk.kiosk.codec import format_message
from kolk.kiosk.server import tls_context
from tests.kiosk.conftest import PIN, start_server


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp_path / "sip2.crt", tmp_path / "sip2.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(certfile), str(keyfile)


def test_the_pypi_client_speaks_to_kolk_over_tls(live_library, tmp_path):
    from Sip2.sip2 import Sip2

    server, thread = start_server(tls=tls_context(*self_signed(tmp_path)))
    try:
        client = Sip2()
        client.hostName, client.hostPort = "localhost", server.server_address[1]
        client.tlsEnable, client.tlsAcceptSelfsigned = True, True
        client.logfile_path, client.socketTimeout = str(tmp_path), 10
        client.connect()
        assert client._socket.version().startswith("TLS")
        login = client.sip_login_response(
            client.get_response(client.sip_login_request("zuil-1", live_library.password))
        )
        assert login["fixed"]["Ok"] == "1"
        client.patron, client.patronpwd = live_library.member.pass_number, PIN
        info = client.sip_patron_information_response(
            client.get_response(client.sip_patron_information_request("none"))
        )
        assert info["variable"]["CQ"] == ["Y"]
        client.disconnect()
    finally:
        server.stop()
        server.server_close()
        thread.join(timeout=10)


def test_sigterm_lets_the_open_connection_finish_and_stops(live_library):
    out = io.StringIO()
    answers: list[bytes] = []
    errors: list[BaseException] = []

    def kiosk() -> None:
        try:
            deadline = time.monotonic() + 20
            while not re.search(r"on 127\.0\.0\.1:(\d+)", out.getvalue()) and time.monotonic() < deadline:
                time.sleep(0.05)
            port = int(re.search(r"on 127\.0\.0\.1:(\d+)", out.getvalue()).group(1))
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", live_library.password)]))
                answers.append(sock.recv(100))
                os.kill(os.getpid(), signal.SIGTERM)
                answers.append(sock.recv(100))  # the server closes the connection: b""
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
            os.kill(os.getpid(), signal.SIGTERM)

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    helper = threading.Thread(target=kiosk)
    helper.start()
    started = time.monotonic()
    try:
        call_command("sip2", "--port", "0", stdout=out)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    helper.join(timeout=20)
    assert not errors, errors
    assert answers == [b"941\r", b""]
    assert "kolk sip2 stopped" in out.getvalue()
    assert time.monotonic() - started < 15
