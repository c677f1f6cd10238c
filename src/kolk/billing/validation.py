"""Validation of bank details and amounts, with Dutch messages (translated to English)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from kolk.core.validators import no_control_characters, normalize_name

MAX_AMOUNT_CENTS = 100_000_000  # a million euros: anything above is a typing error here
MAX_QUANTITY = 10_000
VAT_RATES = (0, 9, 21)  # the Dutch VAT rates: exempt, low, high


@dataclass(frozen=True)
class CheckedIban:
    iban: str  # compact, upper case: NL91ABNA0417164300
    bic: str  # derived from the bank code where schwifty knows it, else ""

    @property
    def formatted(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


def check_iban(value: str) -> CheckedIban:
    """Normalise and validate an IBAN ('nl91 abna 0417 1643 00' -> 'NL91ABNA0417164300')."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"iban": [_("Vul een IBAN in.")]}, code="iban_required")
    try:
        iban = IBAN(value.strip())
    except (SchwiftyException, ValueError) as exc:
        raise ValidationError(
            {"iban": [_("'%(value)s' is geen geldig IBAN.") % {"value": value.strip()[:40]}]}, code="iban"
        ) from exc
    bic = ""
    try:
        bic = iban.bic.compact if iban.bic else ""
    except (SchwiftyException, ValueError):
        bic = ""
    return CheckedIban(iban=iban.compact, bic=bic)


def mask_iban(iban: str) -> str:
    """Show only the country, the bank and the last four digits: NL91 ABNA **** **43 00."""
    if len(iban) < 12:
        return "*" * len(iban)
    masked = iban[:8] + "*" * (len(iban) - 12) + iban[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def check_holder_name(value: str) -> str:
    try:
        no_control_characters(value or "")
    except ValidationError as exc:
        raise ValidationError({"holder_name": exc.messages}, code="holder_control") from exc
    name = normalize_name(value or "")
    if not name:
        raise ValidationError({"holder_name": [_("Vul de naam van de rekeninghouder in.")]}, code="holder_required")
    if len(name) > 70:
        raise ValidationError(
            {"holder_name": [_("De naam van de rekeninghouder is te lang (hoogstens 70 tekens).")]}, code="holder_long"
        )
    return name


def check_amount_cents(value: object, *, field: str = "amount_cents", allow_zero: bool = False) -> int:
    """An amount in whole cents: an int, positive (or zero if allowed), not absurdly large."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: [_("Een bedrag is een geheel aantal centen.")]}, code="amount_type")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError({field: [_("Een bedrag moet groter dan nul zijn.")]}, code="amount_negative")
    if value > MAX_AMOUNT_CENTS:
        raise ValidationError({field: [_("Dit bedrag is te groot.")]}, code="amount_large")
    return value


def check_quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise ValidationError({"quantity": [_("Het aantal moet een geheel getal van 1 tot 10.000 zijn.")]}, code="qty")
    return value


def check_vat_percent(value: object) -> int:
    if isinstance(value, bool) or value not in VAT_RATES:
        raise ValidationError({"vat_percent": [_("Het btw-tarief moet 0, 9 of 21 procent zijn.")]}, code="vat")
    assert isinstance(value, int)
    return value
