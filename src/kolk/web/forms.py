"""Forms of the site and portal: the edge where input is checked before any service runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolk.core.validators import (
    no_control_characters,
    no_control_characters_in_text,
    normalize_phone,
    normalize_postcode,
)
from kolk.web.portal import client_ip
from kolk.web.services import portal_event_record


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


class PortalPasswordResetForm(PasswordResetForm):
    """Finds a member by any of their email addresses (kept on their Person) and mails that address."""

    email = forms.EmailField(
        label=gettext_lazy("E-mailadres"),
        max_length=254,
        validators=[no_control_characters],  # IDNA drops a soft hyphen or joiner in the domain: Django lets it pass
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email: str) -> Any:
        users = get_user_model()._default_manager.filter(
            Q(email__iexact=email) | Q(person__emails__address__iexact=email), is_active=True
        )
        return [u for u in users.select_related("person").distinct() if u.has_usable_password()]

    def save(  # type: ignore[override]
        self,
        *,
        request: HttpRequest,
        subject_template_name: str,
        email_template_name: str,
        use_https: bool = False,
        token_generator: Any = default_token_generator,
        from_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        email = self.cleaned_data["email"]
        site = get_current_site(request)
        for user in self.get_users(email):
            context = {
                "email": email,
                "domain": site.domain,
                "site_name": site.name,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "user": user,
                "token": token_generator.make_token(user),
                "protocol": "https" if use_https else "http",
            }
            self.send_mail(subject_template_name, email_template_name, context, from_email, email)
            if user.person is not None:
                portal_event_record(
                    person=user.person, action="password_reset_requested", ip_address=client_ip(request), actor=None
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
