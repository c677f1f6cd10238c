"""A ticket as an Apple Wallet pass (.pkpass): a zip of pass.json, an icon, manifest.json (the SHA-1
of each file) and `signature`, a detached PKCS#7 signature of the manifest made with the centre's
pass certificate (KOLK_WALLET_CERT, KOLK_WALLET_KEY, with Apple's WWDR certificate KOLK_WALLET_WWDR;
PEM files). Without a certificate the pass is built unsigned, and says so: a phone will not take it,
so the shop offers the PDF instead."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kolk.boxoffice.models import Order, Ticket
from kolk.privacy.register import get_register


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


@dataclass(frozen=True)
class WalletPass:
    content: bytes
    signed: bool

    @property
    def message(self) -> str:
        return (
            ""
            if self.signed
            else _(
                "Deze Wallet-pas is niet ondertekend: er is nog geen certificaat voor Apple Wallet ingesteld. "
                "Gebruik de PDF of de QR-code."
            )
        )


def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A square PNG of one colour: the pass's icon (Apple requires one)."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def pass_json(order: Order, ticket: Ticket) -> dict[str, Any]:
    show = ticket.show  # the ticket's own: a basket or a theaterabonnement holds several shows
    starts = timezone.localtime(show.starts_at)
    seat = (
        _("Rij %(row)s, stoel %(number)s") % {"row": ticket.seat.row, "number": ticket.seat.number}
        if ticket.seat
        else _("Vrije plaats")
    )
    rating = show.film.age_rating if show.film_id and show.film else ""
    controller = get_register().controller
    secondary: list[dict[str, str]] = [
        {"key": "seat", "label": _("Plaats"), "value": seat},
        {"key": "price", "label": _("Tarief"), "value": str(ticket.price.get_kind_display())},
    ]
    if rating:
        secondary.append({"key": "rating", "label": _("Kijkwijzer"), "value": rating})
    return {
        "formatVersion": 1,
        "passTypeIdentifier": _setting("KOLK_WALLET_PASS_TYPE_ID", "pass.nl.dnk.kaartje"),
        "teamIdentifier": _setting("KOLK_WALLET_TEAM_ID", "DNK"),
        "serialNumber": ticket.code,
        "organizationName": controller.get("full_name", ""),
        "description": _("Kaartje voor %(title)s") % {"title": show.title},
        "relevantDate": starts.isoformat(),
        "foregroundColor": "rgb(255, 255, 255)",
        "backgroundColor": "rgb(31, 42, 55)",
        "barcodes": [{"format": "PKBarcodeFormatQR", "message": ticket.code, "messageEncoding": "iso-8859-1"}],
        "eventTicket": {
            "primaryFields": [{"key": "show", "label": _("Voorstelling"), "value": show.title}],
            "secondaryFields": secondary,
            "auxiliaryFields": [
                {"key": "starts", "label": _("Aanvang"), "value": f"{starts:%d-%m-%Y %H:%M}"},
                {"key": "hall", "label": _("Zaal"), "value": show.hall.name},
            ],
        },
    }


def _signature(manifest: bytes) -> bytes | None:
    """The detached PKCS#7 (DER) signature of the manifest, or None without a configured certificate."""
    cert_path, key_path, wwdr_path = (_setting(n) for n in ("KOLK_WALLET_CERT", "KOLK_WALLET_KEY", "KOLK_WALLET_WWDR"))
    if not (cert_path and key_path):
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    key = serialization.load_pem_private_key(
        Path(key_path).read_bytes(), password=_setting("KOLK_WALLET_KEY_PASSWORD").encode() or None
    )
    builder = pkcs7.PKCS7SignatureBuilder().set_data(manifest).add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
    if wwdr_path:
        builder = builder.add_certificate(x509.load_pem_x509_certificate(Path(wwdr_path).read_bytes()))
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def wallet_pass(order: Order, ticket: Ticket) -> WalletPass:
    """One ticket as a .pkpass: signed when the centre's certificate is configured, else unsigned."""
    files = {
        "pass.json": json.dumps(pass_json(order, ticket), ensure_ascii=False, indent=1).encode(),
        "icon.png": _png(29, (31, 42, 55)),
        "icon@2x.png": _png(58, (31, 42, 55)),
    }
    manifest = json.dumps({name: hashlib.sha1(data).hexdigest() for name, data in files.items()}).encode()  # noqa: S324 (Apple's format)
    files["manifest.json"] = manifest
    signature = _signature(manifest)
    if signature is not None:
        files["signature"] = signature
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return WalletPass(content=out.getvalue(), signed=signature is not None)
