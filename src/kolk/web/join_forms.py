"""The forms of "Lid worden": one per step, checked at the edge before any service runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolk.billing.validation import check_holder_name, check_iban
from kolk.core.validators import no_control_characters, normalize_phone, normalize_postcode
from kolk.library.services.joining import join_birth_date_check, join_types


def _line(label: Any, max_length: int, *, required: bool = True, autocomplete: str = "") -> forms.CharField:
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs=attrs),
    )


class SubscriptionStep(forms.Form):
    """Step 1: the birth date (the fee follows the age) and the subscription."""

    date_of_birth = forms.DateField(
        label=gettext_lazy("Geboortedatum"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        error_messages={"invalid": gettext_lazy("Vul een datum in, bijvoorbeeld 21-03-1990.")},
    )
    type = forms.ChoiceField(label=gettext_lazy("Abonnement"), widget=forms.RadioSelect, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(t.code, t.name) for t in join_types()]

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        try:
            return join_birth_date_check(born)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["date_of_birth"]) from exc


class DetailsStep(forms.Form):
    """Step 2: name (first name first), address, email and phone."""

    given_name = _line(gettext_lazy("Voornaam"), 80, autocomplete="given-name")
    surname_prefix = _line(gettext_lazy("Tussenvoegsel"), 20, required=False)
    surname = _line(gettext_lazy("Achternaam"), 120, autocomplete="family-name")
    street = _line(gettext_lazy("Straat"), 120, autocomplete="address-line1")
    house_number = forms.IntegerField(
        label=gettext_lazy("Huisnummer"),
        min_value=1,
        max_value=99999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    house_number_suffix = _line(gettext_lazy("Toevoeging"), 10, required=False)
    postcode = _line(gettext_lazy("Postcode"), 7, autocomplete="postal-code")
    town = _line(gettext_lazy("Woonplaats"), 80, autocomplete="address-level2")
    email = forms.EmailField(
        label=gettext_lazy("E-mailadres"),
        max_length=254,
        help_text=gettext_lazy("Hiermee log je in op Mijn DNK."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = _line(gettext_lazy("Telefoonnummer (niet verplicht)"), 20, required=False, autocomplete="tel")

    def clean_postcode(self) -> str:
        return normalize_postcode(self.cleaned_data.get("postcode", ""))

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else ""


class ConsentStep(forms.Form):
    """The consent questions; the texts shown are the register's (their versions recorded with the answers)."""

    newsletter = forms.BooleanField(label=gettext_lazy("Ja, stuur mij de nieuwsbrief"), required=False)
    reading_advice = forms.BooleanField(required=False)


class AccountStep(ConsentStep):
    """Step 3: the consent questions and a password for Mijn DNK (the login is the email address)."""

    password1 = forms.CharField(
        label=gettext_lazy("Wachtwoord"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Minstens 8 tekens, niet alleen cijfers en niet te eenvoudig."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Wachtwoord nog een keer"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("De wachtwoorden zijn niet gelijk."))
        elif one:
            try:
                validate_password(one)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class MandateForm(forms.Form):
    """The payment step: the account for later collections and the e-mandate (machtiging)."""

    iban = forms.CharField(
        label=gettext_lazy("IBAN"),
        max_length=42,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    holder_name = _line(gettext_lazy("Naam rekeninghouder"), 70, autocomplete="name")
    mandate = forms.BooleanField(
        label=gettext_lazy("Ja, ik geef deze machtiging"),
        error_messages={"required": gettext_lazy("Zonder machtiging kun je niet online lid worden.")},
    )

    def clean_iban(self) -> str:
        try:
            return check_iban(self.cleaned_data["iban"]).iban
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["iban"]) from exc

    def clean_holder_name(self) -> str:
        try:
            return check_holder_name(self.cleaned_data["holder_name"])
        except ValidationError as exc:
            raise ValidationError([m for ms in exc.message_dict.values() for m in ms]) from exc
