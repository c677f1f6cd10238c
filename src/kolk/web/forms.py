"""Forms of the site and portal: the edge where input is checked before any service runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolk.core.validators import (
    no_control_characters,
    no_control_characters_in_text,
    normalize_phone,
    normalize_postcode,
)


class PortalLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=gettext_lazy("Gebruikersnaam of pasnummer"),
        max_length=150,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": gettext_lazy(
            "Deze combinatie van gebruikersnaam of pasnummer en wachtwoord kennen we niet. "
            "Let op hoofdletters. Na 5 mislukte pogingen wacht je 15 minuten."
        ),
        "inactive": gettext_lazy("Deze inlog is niet actief. Vraag het na aan de balie."),
    }


class PortalPasswordResetForm(forms.Form):
    """The address to mail a new-password link to; kolk.web.password_reset does the rest, off the request."""

    email = forms.EmailField(
        label=gettext_lazy("E-mailadres"),
        max_length=254,
        validators=[no_control_characters],  # IDNA drops a soft hyphen or joiner in the domain: Django lets it pass
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _line(label: Any, max_length: int, *, required: bool = True) -> forms.CharField:
    """A one-line text field that refuses invisible characters, with the message next to it."""
    return forms.CharField(label=label, max_length=max_length, required=required, validators=[no_control_characters])


class DetailsForm(forms.Form):
    """NAW and contact data a member may change themselves (D03).

    Every text field refuses invisible characters (bidi controls, zero-width
    characters, controls) by its own validator, so the message stands next to
    the field that holds one and nothing is saved.
    """

    given_name = _line(gettext_lazy("Voornaam"), 80)
    surname_prefix = _line(gettext_lazy("Tussenvoegsel"), 20, required=False)
    surname = _line(gettext_lazy("Achternaam"), 120)
    street = _line(gettext_lazy("Straat"), 120, required=False)
    house_number = forms.IntegerField(label=gettext_lazy("Huisnummer"), min_value=1, max_value=99999, required=False)
    house_number_suffix = _line(gettext_lazy("Toevoeging"), 10, required=False)
    postcode = _line(gettext_lazy("Postcode"), 7, required=False)
    town = _line(gettext_lazy("Woonplaats"), 80, required=False)
    emails = forms.CharField(
        label=gettext_lazy("E-mailadressen"),
        help_text=gettext_lazy("Eén per regel; het eerste is je hoofdadres."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "email"}),
        required=False,
        max_length=2000,
        validators=[no_control_characters_in_text],
    )
    phones = forms.CharField(
        label=gettext_lazy("Telefoonnummers"),
        help_text=gettext_lazy("Eén per regel, bijvoorbeeld 06 12345678."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "tel"}),
        required=False,
        max_length=500,
        validators=[no_control_characters_in_text],
    )

    def clean_postcode(self) -> str:
        return normalize_postcode(self.cleaned_data.get("postcode", ""))

    def clean_emails(self) -> list[str]:
        emails = _lines(self.cleaned_data.get("emails", ""))
        for address in emails:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise ValidationError(
                    _("'%(value)s' is geen geldig e-mailadres.") % {"value": address}, code="email"
                ) from exc
        return emails

    def clean_phones(self) -> list[str]:
        return [normalize_phone(number) for number in _lines(self.cleaned_data.get("phones", ""))]

    def person_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"emails", "phones"}}
