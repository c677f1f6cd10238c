"""Forms of the desk's privacy choices: an objection or a consent recorded for a person, a restriction.

A person who objects or consents at the desk, by phone or on paper has it
recorded by the staff member who took it (the ledger stores who, how and when).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kolk.core.clock import today
from kolk.privacy.models import ChoiceMethod
from kolk.privacy.register import CHANNELS, get_register

# How a person tells the desk: at the counter, by phone, in a letter or signed form, by email.
OBJECTION_METHODS = [
    (ChoiceMethod.DESK.value, _("aan de balie")),
    (ChoiceMethod.PHONE.value, _("telefonisch")),
    (ChoiceMethod.PAPER.value, _("per brief of formulier")),
    (ChoiceMethod.EMAIL.value, _("per e-mail")),
]
CONSENT_METHODS = [
    (ChoiceMethod.PAPER.value, _("op papier (getekend formulier)")),
    (ChoiceMethod.PHONE.value, _("telefonisch")),
    (ChoiceMethod.DESK.value, _("aan de balie")),
]
CHANNEL_CHOICES = [
    ("", _("alle kanalen")),
    ("post", _("per post")),
    ("email", _("per e-mail")),
    ("phone", _("per telefoon")),
]
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]


def _yes_no(value: str) -> bool:
    return value == "1"


class ObjectionForm(forms.Form):
    """Make or withdraw an objection to one purpose, for a person at the desk."""

    objects = forms.TypedChoiceField(
        label=_("Bezwaar"),
        choices=[("1", _("bezwaar maken")), ("0", _("bezwaar intrekken"))],
        coerce=_yes_no,
        widget=forms.HiddenInput,
    )
    method = forms.ChoiceField(label=_("Hoe"), choices=OBJECTION_METHODS)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=CHANNEL_CHOICES, required=False)

    def __init__(self, *args: Any, purpose: str, objects: bool, **kwargs: Any) -> None:
        kwargs.update(prefix=f"objection-{purpose}", initial={"objects": "1" if objects else "0"})
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        if not channels_of(purpose):
            del self.fields["channel"]


class ConsentForm(forms.Form):
    """Record a consent given, or withdrawn, on paper, by phone or at the desk; a guardian's for a child."""

    given = forms.TypedChoiceField(
        label=_("Toestemming"),
        choices=[("1", _("gegeven")), ("0", _("ingetrokken"))],
        coerce=_yes_no,
        widget=forms.HiddenInput,
    )
    method = forms.ChoiceField(label=_("Hoe"), choices=CONSENT_METHODS)
    lang = forms.ChoiceField(label=_("Tekst die de persoon las"), choices=LANGUAGES, initial="nl", required=False)
    given_by = forms.TypedChoiceField(label=_("Gegeven door"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, purpose: str, given: bool, person: Any, guardians: list[Any], **kwargs: Any) -> None:
        kwargs.update(prefix=f"consent-{purpose}", initial={"given": "0" if given else "1"})
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        text = get_register().consent_texts[purpose]
        self.text = text
        lang = cast(forms.ChoiceField, self.fields["lang"])
        lang.choices = [
            (code, f"{label} ({_('tekst van')} {_version_date(text.version)})") for code, label in LANGUAGES
        ]
        if guardians:
            given_by = cast(forms.ChoiceField, self.fields["given_by"])
            given_by.choices = [(person.pk, _("%(name)s zelf") % {"name": person.full_name})] + [
                (g.pk, _("%(name)s (ouder of voogd)") % {"name": g.full_name}) for g in guardians
            ]
            given_by.initial = guardians[0].pk if _young(person) else person.pk
        else:
            del self.fields["given_by"]


def _version_date(version: str) -> str:
    """A consent text's version is the day it was written: '23 juli 2018', never ISO in prose."""
    try:
        return date_format(dt.date.fromisoformat(version), "j F Y")
    except ValueError:
        return version


def _young(person: Any) -> bool:
    from kolk.privacy.subjects import CONSENT_AGE

    age = person.privacy_age(today())
    return age is not None and age < CONSENT_AGE


def channels_of(purpose: str) -> tuple[str, ...]:
    """The channels a purpose is objected to on one by one (offers: post, email, phone)."""
    register = get_register()
    for section in register.sections.values():
        if section.objection and section.channels and any(purpose in row.purposes for row in section.rows):
            return tuple(c for c in section.channels if c in CHANNELS)
    return ()


class RestrictForm(forms.Form):
    """Restrict a person's processing from their request (art. 18): why, and until when."""

    reason = forms.CharField(
        label=_("Reden"),
        max_length=200,
        help_text=_("Bijvoorbeeld: de juistheid wordt gecontroleerd, of de persoon maakte bezwaar."),
    )
    until = forms.DateField(
        label=_("Tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leeg: tot de beperking wordt opgeheven."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van opheffen (de persoon hoort die vooraf)"),
        max_length=200,
    )
