"""Reading a bank statement (CAMT.053, any version) with defusedxml's ElementTree.

Only what matching needs is read: per booked transaction its direction, amount,
date, the bank's reference, the end-to-end id and the remittance text. The
parser itself refuses a DTD, wherever it stands and in whatever encoding the
file is written, so no entity is ever declared, expanded or fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from kolk.core.errors import KolkError

NAMESPACE = re.compile(r"^\{(urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d\d)\}Document$")


@dataclass(frozen=True)
class Transaction:
    """One booked movement on the account, as the bank reports it."""

    statement_id: str
    reference: str  # unique per transaction: the bank's reference, or a digest of its place in the file
    credit: bool
    booked: bool
    amount_cents: int
    currency: str
    booking_date: dt.date | None
    end_to_end_id: str
    remittance: str


def _cents(text: str | None) -> int:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation as exc:
        raise KolkError(_("Het bankafschrift bevat een ongeldig bedrag: %(value)s.") % {"value": text}) from exc
    cents = value * 100
    if cents != cents.to_integral_value() or cents < 0:
        raise KolkError(_("Het bankafschrift bevat een ongeldig bedrag: %(value)s.") % {"value": text})
    return int(cents)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def parse(data: bytes) -> list[Transaction]:
    """Every transaction of every statement in a CAMT.053 file, in file order."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:  # a DTD, an entity or an external reference
        raise KolkError(_("Dit bankafschrift bevat een DTD; dat wordt om veiligheidsredenen geweigerd.")) from exc
    except ET.ParseError as exc:
        raise KolkError(_("Dit is geen leesbaar XML-bestand: %(error)s.") % {"error": exc}) from exc
    match = NAMESPACE.match(root.tag)
    if match is None:
        raise KolkError(_("Dit is geen CAMT.053-bankafschrift."))
    ns = {"c": match.group(1)}
    result = []
    for s_index, stmt in enumerate(root.iterfind("c:BkToCstmrStmt/c:Stmt", ns)):
        statement_id = stmt.findtext("c:Id", default=f"stmt{s_index}", namespaces=ns).strip()
        for n_index, entry in enumerate(stmt.iterfind("c:Ntry", ns)):
            result += _entry(entry, ns, statement_id, n_index)
    return result


def _entry(entry: ET.Element, ns: dict[str, str], statement_id: str, index: int) -> list[Transaction]:
    amount = entry.find("c:Amt", ns)
    status = (entry.findtext("c:Sts/c:Cd", namespaces=ns) or entry.findtext("c:Sts", namespaces=ns) or "").strip()
    credit = (entry.findtext("c:CdtDbtInd", namespaces=ns) or "").strip() == "CRDT"
    booking = _date(
        entry.findtext("c:BookgDt/c:Dt", namespaces=ns) or entry.findtext("c:BookgDt/c:DtTm", namespaces=ns)
    )
    entry_ref = (entry.findtext("c:AcctSvcrRef", namespaces=ns) or "").strip()
    details = entry.findall("c:NtryDtls/c:TxDtls", ns)
    common = {"statement_id": statement_id, "credit": credit, "booked": status == "BOOK", "booking_date": booking}
    if not details:
        return [
            Transaction(
                **common,  # type: ignore[arg-type]
                reference=_reference(entry_ref, statement_id, index, 0),
                amount_cents=_cents(amount.text if amount is not None else None),
                currency=amount.get("Ccy", "") if amount is not None else "",
                end_to_end_id="",
                remittance=(entry.findtext("c:AddtlNtryInf", namespaces=ns) or "").strip(),
            )
        ]
    result = []
    for t_index, tx in enumerate(details):
        tx_amount = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
        if tx_amount is None:
            tx_amount = tx.find("c:Amt", ns)
        if tx_amount is None and len(details) == 1:
            tx_amount = amount
        tx_ref = (tx.findtext("c:Refs/c:AcctSvcrRef", namespaces=ns) or "").strip()
        if not tx_ref and entry_ref:
            tx_ref = entry_ref if len(details) == 1 else f"{entry_ref}/{t_index + 1}"
        remittance = " ".join(
            (node.text or "").strip()
            for node in [*tx.iterfind("c:RmtInf/c:Ustrd", ns), *tx.iterfind("c:RmtInf/c:Strd//c:Ref", ns)]
        )
        result.append(
            Transaction(
                **common,  # type: ignore[arg-type]
                reference=_reference(tx_ref, statement_id, index, t_index),
                amount_cents=_cents(tx_amount.text if tx_amount is not None else None),
                currency=tx_amount.get("Ccy", "") if tx_amount is not None else "",
                end_to_end_id=(tx.findtext("c:Refs/c:EndToEndId", namespaces=ns) or "").strip(),
                remittance=remittance.strip(),
            )
        )
    return result


def _reference(bank_ref: str, statement_id: str, entry: int, tx: int) -> str:
    """A payment reference that is the same each time the same file is read."""
    if bank_ref:
        ref = f"camt:{bank_ref}"
        if len(ref) <= 64:
            return ref
        bank_ref = ""
    digest = hashlib.sha256(f"{statement_id}|{entry}|{tx}|{bank_ref}".encode()).hexdigest()[:40]
    return f"camt:{digest}"
