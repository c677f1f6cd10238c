"""Forms of the privacy pages: requests, their handling, breaches."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kolk.privacy.models import RightsRequest
from kolk.privacy.rights import TEXT_MAX

IDENTITY_CHOICES = [
    ("", _("nog niet gezien")),
    ("id_card", _("identiteitskaart")),
    ("passport", _("paspoort")),
    ("driving_licence", _("rijbewijs")),
    ("residence_permit", _("verblijfsdocument")),
    ("known_to_staff", _("persoonlijk bekend bij de medewerker")),
]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort verzoek"), choices=RightsRequest.Kind.choices)
    channel = forms.ChoiceField(label=_("Binnengekomen via"), choices=RightsRequest.Channel.choices, initial="desk")
    text = forms.CharField(
        label=_("Waar gaat het over?"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In de woorden van de persoon; nodig bij correctie, bezwaar en een klacht."),
    )
    identity_method = forms.ChoiceField(
        label=_("Legitimatie gezien aan de balie"),
        choices=IDENTITY_CHOICES,
        required=False,
        help_text=_("Leg alleen vast dát je het bewijs zag, nooit een kopie of het nummer."),
    )


class IdentityForm(forms.Form):
    method = forms.ChoiceField(label=_("Legitimatie gezien"), choices=IDENTITY_CHOICES[1:])


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("Reden van verlenging (de persoon krijgt die te horen)"), max_length=300)


class CloseForm(forms.Form):
    done = forms.TypedChoiceField(
        label=_("Uitkomst"),
        choices=[("1", _("afgehandeld")), ("0", _("afgewezen"))],
        coerce=lambda v: v == "1",
    )
    outcome = forms.CharField(label=_("Toelichting"), max_length=300, required=False)


class BreachForm(forms.Form):
    summary = forms.CharField(label=_("Wat is er gebeurd"), max_length=300)
    discovered_at = forms.DateTimeField(
        label=_("Ontdekt op"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    people_affected = forms.IntegerField(label=_("Aantal betrokkenen (schatting)"), min_value=0)
