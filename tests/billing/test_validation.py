"""IBAN and amount validation: examples and hypothesis properties."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from kolk.billing.validation import (
    MAX_AMOUNT_CENTS,
    check_amount_cents,
    check_holder_name,
    check_iban,
    check_quantity,
    check_vat_percent,
    mask_iban,
)

BANKS = ["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ"]


@st.composite
def dutch_ibans(draw: st.DrawFn) -> str:
    bank = draw(st.sampled_from(BANKS))
    account = draw(st.text("0123456789", min_size=10, max_size=10))
    return str(IBAN.generate("NL", bank_code=bank, account_code=account).compact)


def spaced(iban: str, lower: bool) -> str:
    text = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return text.lower() if lower else text


def test_known_iban_is_normalised_with_bic():
    checked = check_iban(" nl91 abna 0417 1643 00 ")
    assert checked.iban == "NL91ABNA0417164300"
    assert checked.bic == "ABNANL2A"
    assert checked.formatted == "NL91 ABNA 0417 1643 00"


def test_bad_iban_gives_dutch_message():
    with pytest.raises(ValidationError) as info:
        check_iban("NL91ABNA0417164301")
    assert info.value.message_dict["iban"] == ["'NL91ABNA0417164301' is geen geldig IBAN."]
    with pytest.raises(ValidationError, match="Vul een IBAN in"):
        check_iban("   ")


@given(dutch_ibans(), st.booleans())
def test_any_valid_iban_normalises_to_its_compact_form(iban: str, lower: bool):
    assert check_iban(spaced(iban, lower)).iban == iban


@given(dutch_ibans(), st.integers(min_value=4, max_value=17), st.sampled_from("0123456789"))
def test_a_changed_digit_is_refused(iban: str, position: int, digit: str):
    changed = iban[:position] + digit + iban[position + 1 :]
    if changed == iban:
        return
    # mod-97 check digits catch every single-digit substitution
    with pytest.raises(ValidationError):
        check_iban(changed)


@given(st.text(max_size=40))
def test_arbitrary_text_is_either_a_valid_iban_or_refused(text: str):
    try:
        checked = check_iban(text)
    except ValidationError as exc:
        refused = exc
    else:
        assert IBAN(checked.iban).compact == checked.iban
        return
    assert "iban" in refused.message_dict


@given(dutch_ibans())
def test_mask_keeps_only_bank_and_last_four(iban: str):
    masked = mask_iban(iban).replace(" ", "")
    assert masked[:8] == iban[:8]
    assert masked[-4:] == iban[-4:]
    assert set(masked[8:-4]) == {"*"}


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS))
def test_positive_amounts_pass(cents: int):
    assert check_amount_cents(cents) == cents


@given(st.integers(max_value=0) | st.integers(min_value=MAX_AMOUNT_CENTS + 1))
def test_non_positive_or_huge_amounts_fail(cents: int):
    with pytest.raises(ValidationError) as info:
        check_amount_cents(cents)
    assert "amount_cents" in info.value.message_dict


@given(st.floats(allow_nan=True) | st.text() | st.booleans() | st.decimals())
def test_non_integer_amounts_fail(value: object):
    with pytest.raises(ValidationError, match="geheel aantal centen"):
        check_amount_cents(value)


def test_zero_allowed_only_when_asked():
    assert check_amount_cents(0, allow_zero=True) == 0
    with pytest.raises(ValidationError):
        check_amount_cents(0)


@given(st.integers())
def test_quantity_and_vat(value: int):
    if 1 <= value <= 10_000:
        assert check_quantity(value) == value
    else:
        with pytest.raises(ValidationError):
            check_quantity(value)
    if value in (0, 9, 21):
        assert check_vat_percent(value) == value
    else:
        with pytest.raises(ValidationError):
            check_vat_percent(value)


def test_holder_name():
    assert check_holder_name("  A.  de   Vries ") == "A. de Vries"
    with pytest.raises(ValidationError):
        check_holder_name("")
    with pytest.raises(ValidationError):
        check_holder_name("x" * 71)
    with pytest.raises(ValidationError):
        check_holder_name("Jan\x00Jansen")
