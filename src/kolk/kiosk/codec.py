"""The SIP2 wire format (3M Standard Interchange Protocol, version 2.00): parse and format, no I/O.

A message is one line: a two-digit command code, fixed-length fields in the
order the command defines, then variable fields (a two-letter code, the value,
`|`), optionally closed by error detection: `AY` and a one-digit sequence
number, `AZ` and the checksum (four hex digits: the two's complement of the sum
of every byte before it, up to and including `AZ`). Lines end in a carriage return.

`parse` turns any bytes into a `Message` or a `Refusal`, never an exception.
`format_message` is its inverse for the answers. Nothing here reads the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_LINE = 4096  # bytes of one message; a longer line is refused
TERMINATOR = b"\r"
SEPARATOR = "|"

DATE = re.compile(r"^\d{8}[ 0-9A-Z]{4}\d{6}$")
BLANK_DATE = " " * 18
FIELD_CODE = re.compile(r"^[A-Z]{2}$")
TRAILER = re.compile(r"(?:AY(?P<seq>\d))?AZ(?P<sum>[0-9A-Fa-f]*)$")
SEQUENCE_ONLY = re.compile(r"AY(?P<seq>\d)$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Fixed:
    """One fixed-length field: its name, width and what it may hold."""

    name: str
    width: int
    kind: str = "text"  # text, date, date_or_blank, flag (Y/N/U/blank), digits


@dataclass(frozen=True)
class Command:
    """A request an SC (the kiosk) sends: code, fixed fields, required variable fields."""

    code: str
    name: str
    fixed: tuple[Fixed, ...] = ()
    required: tuple[str, ...] = ()
    # Some SCs leave out a trailing transaction date (a renew all without it is common): then it is blank.
    date_may_be_missing: bool = False

    @property
    def fixed_width(self) -> int:
        return sum(f.width for f in self.fixed)


def _date(name: str = "date") -> Fixed:
    return Fixed(name, 18, "date")


COMMANDS: dict[str, Command] = {
    c.code: c
    for c in (
        Command(
            "93", "login", (Fixed("uid_algorithm", 1, "digits"), Fixed("pwd_algorithm", 1, "digits")), ("CN", "CO")
        ),
        Command(
            "99",
            "sc_status",
            (Fixed("status", 1, "digits"), Fixed("print_width", 3, "digits"), Fixed("version", 4)),
        ),
        Command("97", "resend"),
        Command("23", "patron_status", (Fixed("language", 3, "digits"), _date()), ("AA",)),
        Command("63", "patron_information", (Fixed("language", 3, "digits"), _date(), Fixed("summary", 10)), ("AA",)),
        Command("17", "item_information", (_date(),), ("AB",)),
        Command(
            "11",
            "checkout",
            (
                Fixed("renewal_policy", 1, "flag"),
                Fixed("no_block", 1, "flag"),
                _date(),
                Fixed("nb_due_date", 18, "date_or_blank"),
            ),
            ("AA", "AB"),
        ),
        Command(
            "09",
            "checkin",
            (Fixed("no_block", 1, "flag"), _date(), Fixed("return_date", 18, "date_or_blank")),
            ("AB",),
        ),
        Command(
            "29",
            "renew",
            (
                Fixed("third_party", 1, "flag"),
                Fixed("no_block", 1, "flag"),
                _date(),
                Fixed("nb_due_date", 18, "date_or_blank"),
            ),
            ("AA",),
        ),
        Command("65", "renew_all", (_date(),), ("AA",), date_may_be_missing=True),
        Command(
            "37",
            "fee_paid",
            (_date(), Fixed("fee_type", 2, "digits"), Fixed("payment_type", 2, "digits"), Fixed("currency", 3)),
            ("AA", "BV"),
        ),
        Command("01", "block_patron", (Fixed("card_retained", 1, "flag"), _date()), ("AA",)),
        Command("35", "end_session", (_date(),), ("AA",)),
    )
}


@dataclass(frozen=True)
class Message:
    """A parsed request."""

    code: str
    fixed: Mapping[str, str]
    fields: Mapping[str, tuple[str, ...]]
    sequence: int | None = None
    checksummed: bool = False

    @property
    def command(self) -> Command:
        return COMMANDS[self.code]

    def get(self, code: str, default: str | None = None) -> str | None:
        """The first value of a variable field, or `default` when the message has none (or an empty one)."""
        values = self.fields.get(code)
        return values[0] if values and values[0] != "" else default


@dataclass(frozen=True)
class Refusal:
    """Why a line is not a message kolk can act on.

    kind: checksum (answered with a resend request, 96), unknown (not a command kolk
    serves), encoding, control, too_long, truncated, bad_field, missing.
    `code` is the command, when the line said which; `sequence` and `checksummed`
    say whether the SC uses error detection, so the answer can use it too.
    """

    kind: str
    detail: str = ""
    code: str | None = None
    sequence: int | None = None
    checksummed: bool = False
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, code: str, default: str | None = None) -> str | None:
        values = self.fields.get(code)
        return values[0] if values and values[0] != "" else default


def checksum(data: bytes) -> str:
    """The SIP2 checksum of `data` (everything up to and including `AZ`): four upper-case hex digits."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


def checksum_ok(data: bytes, given: str) -> bool:
    """True when `given` is the checksum of `data`.

    Compared as a number: some SCs leave out leading zeros (`AZ3F1` for `AZ03F1`).
    """
    return (sum(data) + int(given, 16)) & 0xFFFF == 0


def _trailer(text: str) -> tuple[str, int | None, str | None]:
    """Split off the error-detection trailer: (message, sequence, checksum hex)."""
    match = TRAILER.search(text)
    if match is not None:
        before = text[: match.start()]
        # The trailer follows the last variable field (after a `|`), or ends a message without any.
        if before.endswith(SEPARATOR) or SEPARATOR not in before:
            seq = match.group("seq")
            return before, int(seq) if seq is not None else None, match.group("sum")
    match = SEQUENCE_ONLY.search(text)
    if match is not None:
        before = text[: match.start()]
        if before.endswith(SEPARATOR) or SEPARATOR not in before:
            return before, int(match.group("seq")), None
    return text, None, None


def _fixed_ok(spec: Fixed, value: str) -> bool:
    if spec.kind == "date":
        return bool(DATE.match(value))
    if spec.kind == "date_or_blank":
        return value == BLANK_DATE or value.strip() == "" or bool(DATE.match(value))
    if spec.kind == "flag":
        return value in ("Y", "N", "U", " ")
    if spec.kind == "digits":
        return value.isascii() and value.isdigit()
    return True


def _variable(text: str) -> dict[str, tuple[str, ...]] | str:
    """The variable fields of `text`, or the reason they cannot be read."""
    fields: dict[str, list[str]] = {}
    for part in text.split(SEPARATOR):
        if part == "":
            continue
        code = part[:2]
        if not FIELD_CODE.match(code):
            return "a field without a two-letter code"  # its text is not repeated: it may hold a PIN
        fields.setdefault(code, []).append(part[2:])
    return {code: tuple(values) for code, values in fields.items()}


def parse(raw: bytes) -> Message | Refusal:
    """One line (terminator stripped or not) as a Message, or a Refusal saying why not. Never raises."""
    line = raw.rstrip(b"\r\n")
    if len(line) > MAX_LINE:
        return Refusal("too_long", f"{len(line)} bytes; at most {MAX_LINE}")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal("encoding", "not UTF-8")
    if CONTROL.search(text):
        return Refusal("control", "control characters in the message")
    body, sequence, given = _trailer(text)
    checksummed = given is not None
    if given is not None:
        signed = text[: len(text) - len(given)].encode("utf-8")
        if not 1 <= len(given) <= 4 or not checksum_ok(signed, given):
            return Refusal("checksum", "the checksum does not match", code=body[:2] or None, sequence=sequence,
                           checksummed=True)  # fmt: skip
    code = body[:2]

    def refuse(kind: str, detail: str, *, code: str | None = None, rest: str = "") -> Refusal:
        fields = _variable(rest) if rest else {}
        return Refusal(kind, detail, code=code, sequence=sequence, checksummed=checksummed,
                       fields=fields if isinstance(fields, dict) else {})  # fmt: skip

    if len(code) < 2 or not code.isascii() or not code.isdigit():
        return refuse("unknown", "no command code")
    command = COMMANDS.get(code)
    if command is None:
        return refuse("unknown", f"command {code} is not served here", code=code)
    rest = body[2:]
    fixed_values: dict[str, str] = {}
    if command.date_may_be_missing and not DATE.match(rest[:18]) and FIELD_CODE.match(rest[:2]):
        fixed_values[command.fixed[-1].name] = BLANK_DATE  # left out by the SC: the variable fields start here
    elif len(rest) < command.fixed_width:
        return refuse("truncated", f"{command.name}: the fixed fields need {command.fixed_width} characters",
                      code=code, rest=rest)  # fmt: skip
    else:
        at = 0
        for spec in command.fixed:
            value = rest[at : at + spec.width]
            at += spec.width
            if not _fixed_ok(spec, value):
                return refuse("bad_field", f"{command.name}: {spec.name} is '{value}'", code=code, rest=rest[at:])
            fixed_values[spec.name] = value
        rest = rest[at:]
    fields = _variable(rest)
    if isinstance(fields, str):
        return refuse("bad_field", f"{command.name}: {fields}", code=code)
    missing = [name for name in command.required if not (fields.get(name) or ("",))[0]]
    if missing:
        refusal = refuse("missing", f"{command.name}: no {', '.join(missing)}", code=code)
        return Refusal(refusal.kind, refusal.detail, code, sequence, checksummed, fields)
    return Message(code=code, fixed=fixed_values, fields=fields, sequence=sequence, checksummed=checksummed)


def clean(value: str) -> str:
    """A value that cannot break the framing: no separator, no control characters."""
    return CONTROL.sub(" ", value).replace(SEPARATOR, "/")


def format_message(
    code: str,
    fixed: Sequence[str] = (),
    fields: Sequence[tuple[str, str]] = (),
    *,
    sequence: int | None = None,
    checksummed: bool = False,
) -> bytes:
    """An answer (or a request, in tests): code, fixed fields as given, variable fields each closed by `|`.

    With `checksummed`, the SC uses error detection: the answer carries its sequence
    number (`AY`, when the request had one) and a checksum (`AZ`).
    """
    text = code + "".join(fixed) + "".join(f"{name}{clean(value)}{SEPARATOR}" for name, value in fields)
    if checksummed or sequence is not None:
        if sequence is not None:
            text += f"AY{sequence % 10}"
        data = (text + "AZ").encode("utf-8")
        return data + checksum(data).encode("ascii") + TERMINATOR
    return text.encode("utf-8") + TERMINATOR


def sip_date(moment: dt.datetime | dt.date) -> str:
    """A SIP2 date: YYYYMMDD, four blanks (local time), HHMMSS; a date alone ends the day."""
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y%m%d    %H%M%S")
    return moment.strftime("%Y%m%d") + "    235959"


def flag(value: bool) -> str:
    return "Y" if value else "N"


def amount(cents: int) -> str:
    """An amount as SIP2 writes it: euros with a point, two decimals."""
    return f"{cents // 100}.{cents % 100:02d}"


AMOUNT = re.compile(r"^(?P<euros>\d{1,6})(?:[.,](?P<cents>\d{1,2}))?$")


def cents_of(text: str) -> int | None:
    """The amount a SIP2 field gives (`2.50`, `2,5`, `3`), in cents; None when it is not an amount."""
    match = AMOUNT.match(text.strip())
    if match is None:
        return None
    cents = (match.group("cents") or "0").ljust(2, "0")
    return int(match.group("euros")) * 100 + int(cents)
