"""Validation and normalisation of Dutch personal data, with messages in nl/en."""

from __future__ import annotations

import datetime as dt
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.nl import postcode as nl_postcode

from kolk.core.clock import today

# Characters that show nothing, or change how the text around them is shown:
# controls (C0, C1), format characters (bidi embeddings, overrides, isolates and
# marks; zero-width space and joiners; soft hyphen; byte order mark; tags), line
# and paragraph separators, lone surrogates, and the blanks that pass for letters
# (Hangul fillers, the empty braille cell). A bidi override makes "Jan" read as
# another name in every list it appears in; a zero-width character makes two
# names that look the same compare different.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _refuse_invisible(value: str, allowed: str) -> None:
    for ch in value:
        if (unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _BLANK_LETTERS) and ch not in allowed:
            raise ValidationError(_("Gebruik geen onzichtbare of stuurtekens."), code="control_characters")


def no_control_characters(value: str) -> None:
    """A one-line value (a name, an address, a number): no invisible characters, no line breaks; tabs pass."""
    _refuse_invisible(value, "\t")


def no_control_characters_in_text(value: str) -> None:
    """A text of several lines (a question, a list of addresses): line breaks and tabs pass, nothing else unseen."""
    _refuse_invisible(value, "\t\n\r")


def normalize_postcode(value: str) -> str:
    """'9401et' -> '9401 ET'; raises ValidationError for anything else."""
    value = value.strip()
    if not value:
        return ""
    try:
        compact = str(nl_postcode.validate(value)).replace(" ", "")
        return f"{compact[:4]} {compact[4:]}"
    except Exception as exc:
        raise ValidationError(
            _("'%(value)s' is geen geldige postcode; gebruik vier cijfers en twee letters, zoals 9401 ET."),
            code="postcode",
            params={"value": value},
        ) from exc


def validate_postcode(value: str) -> None:
    if value:
        normalize_postcode(value)


def normalize_phone(value: str) -> str:
    """A phone number in E.164 form (+31...); Dutch numbers may be written locally."""
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("'%(value)s' is geen telefoonnummer."), code="phone", params={"value": value}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("'%(value)s' is geen geldig telefoonnummer."), code="phone", params={"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_birth_date(value: dt.date | None) -> None:
    if value is None:
        return
    if value > today():
        raise ValidationError(_("Een geboortedatum kan niet in de toekomst liggen."), code="birth_date_future")
    if value.year < today().year - 130:
        raise ValidationError(_("Deze geboortedatum ligt te ver in het verleden."), code="birth_date_past")


def normalize_name(value: str) -> str:
    """Trim and fold white space; keep diacritics and case as written (NFC)."""
    return " ".join(unicodedata.normalize("NFC", value).split())
