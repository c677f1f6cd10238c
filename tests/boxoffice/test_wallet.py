"""A ticket as an Apple Wallet pass: pass.json, a manifest of SHA-1s, and a detached PKCS#7 signature
made with the centre's certificate (here a self-made one); unsigned, and refused with a clear message,
without one."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.urls import reverse

from kolk.boxoffice.selectors import order_tickets
from kolk.boxoffice.services.selling import order_pay
from kolk.boxoffice.wallet import wallet_pass
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def _certificate(tmp_path, name: str, issuer=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer[1] if issuer else key, hashes.SHA256())
    )
    (tmp_path / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, key


@pytest.fixture
def paid():
    return order_pay(order=f.checked_out(f.show(seat_map="1x4"), quantity=1), method="card", actor=None)


def _files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_signed_pass_holds_the_ticket_a_manifest_and_a_signature_that_verifies(tmp_path, settings, paid):
    wwdr = _certificate(tmp_path, "wwdr")
    _certificate(tmp_path, "dnk", issuer=wwdr)
    settings.KOLK_WALLET_CERT = str(tmp_path / "dnk.pem")
    settings.KOLK_WALLET_KEY = str(tmp_path / "dnk.key")
    settings.KOLK_WALLET_WWDR = str(tmp_path / "wwdr.pem")
    ticket = order_tickets(paid)[0]
    built = wallet_pass(paid, ticket)
    assert built.signed
    files = _files(built.content)
    assert set(files) == {"pass.json", "icon.png", "icon@2x.png", "manifest.json", "signature"}
    data = json.loads(files["pass.json"])
    assert data["serialNumber"] == ticket.code
    assert data["barcodes"][0] == {
        "format": "PKBarcodeFormatQR",
        "message": ticket.code,
        "messageEncoding": "iso-8859-1",
    }
    assert data["eventTicket"]["secondaryFields"][0]["value"] == f"Rij {ticket.seat.row}, stoel {ticket.seat.number}"
    manifest = json.loads(files["manifest.json"])
    assert manifest == {n: hashlib.sha1(files[n]).hexdigest() for n in ("pass.json", "icon.png", "icon@2x.png")}  # noqa: S324
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
    (tmp_path / "signature").write_bytes(files["signature"])
    verified = subprocess.run(
        [
            "/usr/bin/openssl",
            "smime",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "signature"),
            "-content",
            str(tmp_path / "manifest.json"),
            "-CAfile",
            str(tmp_path / "wwdr.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"] + b" ")  # a changed manifest fails
    tampered = subprocess.run(
        [
            "/usr/bin/openssl",
            "smime",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "signature"),
            "-content",
            str(tmp_path / "manifest.json"),
            "-CAfile",
            str(tmp_path / "wwdr.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        check=False,
    )
    assert tampered.returncode != 0


def test_without_a_certificate_the_pass_is_unsigned_and_the_shop_says_so(client, settings, paid):
    settings.KOLK_WALLET_CERT = settings.KOLK_WALLET_KEY = ""
    ticket = order_tickets(paid)[0]
    built = wallet_pass(paid, ticket)
    assert not built.signed
    assert "signature" not in _files(built.content)
    response = client.get(reverse("web:shop:ticket_wallet", args=[paid.token, ticket.code]))
    assert response.status_code == 409
    assert "niet ondertekend" in response.content.decode()


def test_the_shop_hands_out_a_signed_pass_and_the_pdf(client, tmp_path, settings, paid):
    wwdr = _certificate(tmp_path, "wwdr")
    _certificate(tmp_path, "dnk", issuer=wwdr)
    settings.KOLK_WALLET_CERT, settings.KOLK_WALLET_KEY = str(tmp_path / "dnk.pem"), str(tmp_path / "dnk.key")
    ticket = order_tickets(paid)[0]
    response = client.get(reverse("web:shop:ticket_wallet", args=[paid.token, ticket.code]))
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    assert "signature" in _files(response.content)
    assert client.get(reverse("web:shop:ticket_wallet", args=[paid.token, "nietvanjou"])).status_code == 404
    assert client.get(reverse("web:shop:tickets_pdf", args=[paid.token])).content.startswith(b"%PDF")
    held = f.held(f.show(seat_map="1x2"), quantity=1)
    assert client.get(reverse("web:shop:tickets_pdf", args=[held.token])).status_code == 409
