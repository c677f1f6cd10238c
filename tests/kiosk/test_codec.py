"""The SIP2 codec: round trips, checksums, and any bytes in gives a parse or a refusal, never an exception."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from kolk.kiosk.codec import (
    COMMANDS,
    MAX_LINE,
    Message,
    Refusal,
    cents_of,
    checksum,
    checksum_ok,
    format_message,
    parse,
)

DATE = "20261205    101500"
FIELD_CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2).filter(
    lambda c: c not in ("AY", "AZ")
)
VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="|"), max_size=40
).filter(lambda v: not v.endswith(("AY", "AZ")))


def test_the_standards_own_examples():
    assert checksum(b"96AZ") == "FEF6"
    assert parse(b"97AZFEF5\r") == Message(code="97", fixed={}, fields={}, sequence=None, checksummed=True)
    # A checkin from the spec's style of message, with its sequence number and checksum.
    body = b"09N" + DATE.encode() + DATE.encode() + b"APassen|AODNK|AB3000000001|AC|AY2AZ"
    parsed = parse(body + checksum(body).encode())
    assert isinstance(parsed, Message)
    assert (parsed.code, parsed.sequence, parsed.get("AB"), parsed.get("AC")) == ("09", 2, "3000000001", None)


def test_a_checksum_without_leading_zeros_is_read_as_a_number():
    body = b"9900802.00AY1AZ"
    given_sum = checksum(body)
    assert checksum_ok(body, given_sum.lstrip("0") or "0")


def test_a_bad_checksum_is_refused_as_such():
    body = b"9900802.00AY1AZ"
    wrong = f"{(int(checksum(body), 16) + 1) & 0xFFFF:04X}".encode()
    refused = parse(body + wrong)
    assert isinstance(refused, Refusal)
    assert (refused.kind, refused.checksummed, refused.sequence) == ("checksum", True, 1)


def test_truncated_unknown_and_missing():
    assert parse(b"11YN2026").kind == "truncated"  # type: ignore[union-attr]
    assert parse(b"42hello").kind == "unknown"  # type: ignore[union-attr]
    assert parse(b"").kind == "unknown"  # type: ignore[union-attr]
    missing = parse(b"11NN" + DATE.encode() + b" " * 18 + b"AODNK|AB3000000001|")
    assert isinstance(missing, Refusal)
    assert (missing.kind, missing.code, missing.get("AB")) == ("missing", "11", "3000000001")
    assert parse(b"09N" + b"x" * 36 + b"AB1|").kind == "bad_field"  # type: ignore[union-attr]
    assert parse(b"63000" + DATE.encode() + b" " * 10 + b"AA1|ab|").kind == "bad_field"  # type: ignore[union-attr]


def test_bad_bytes_are_refused():
    assert parse(b"\xff\xfe\x00").kind == "encoding"  # type: ignore[union-attr]
    assert parse(b"9300CNa\x00|COb|").kind == "control"  # type: ignore[union-attr]
    assert parse(b"9" * (MAX_LINE + 1)).kind == "too_long"  # type: ignore[union-attr]


def test_a_renew_all_without_its_date_is_read():
    parsed = parse(b"65AODNK|AA1234|ADgeheim|")
    assert isinstance(parsed, Message)
    assert parsed.get("AA") == "1234"


def test_amounts():
    assert [cents_of(v) for v in ("2.50", "2,5", "3", "0.05", "x", "1.234", "")] == [250, 250, 300, 5, None, None, None]


def test_values_cannot_break_the_framing():
    out = format_message("64", ["x"], [("AE", "A|B\rC")])
    assert out == b"64xAEA/B C|\r"


@given(
    code=st.sampled_from(sorted(set(COMMANDS) - {"97"})),
    fields=st.lists(st.tuples(FIELD_CODES, VALUES), max_size=6),
    sequence=st.one_of(st.none(), st.integers(0, 9)),
    checksummed=st.booleans(),
)
def test_round_trip(code, fields, sequence, checksummed):
    command = COMMANDS[code]
    fixed = []
    for spec in command.fixed:
        fixed.append(
            {"date": DATE, "date_or_blank": " " * 18, "flag": "N", "digits": "0" * spec.width}.get(
                spec.kind, "2.00".ljust(spec.width)[: spec.width]
            )
        )
    fields = [*((name, "x") for name in command.required), *fields]
    raw = format_message(code, fixed, fields, sequence=sequence, checksummed=checksummed)
    parsed = parse(raw)
    assert isinstance(parsed, Message), parsed
    assert parsed.code == code
    assert parsed.sequence == sequence
    assert parsed.checksummed == (checksummed or sequence is not None)
    assert list(parsed.fixed.values()) == fixed
    expected: dict[str, list[str]] = {}
    for name, value in fields:
        expected.setdefault(name, []).append(value)
    assert {k: list(v) for k, v in parsed.fields.items()} == expected


@given(st.binary(max_size=600))
@example(b"AZ")
@example(b"97AY")
@example(b"11AZFFFF")
@example(b"65" + b"1" * 18)
@example(b"|||AY1AZ0000")
def test_any_bytes_give_a_parse_or_a_refusal(raw):
    assert isinstance(parse(raw), Message | Refusal)


@given(st.text(max_size=300))
def test_any_text_gives_a_parse_or_a_refusal(text):
    assert isinstance(parse(text.encode("utf-8", "surrogatepass")), Message | Refusal)


def test_a_checksum_of_more_than_four_digits_is_a_bad_checksum():
    body = b"9900802.00AY6AZ"
    refused = parse(body + checksum(body).encode() + b"00")
    assert isinstance(refused, Refusal)
    assert refused.kind == "checksum"
