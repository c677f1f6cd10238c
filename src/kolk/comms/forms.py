"""Forms at the edge: staff writing campaigns and answers, and the public contact form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kolk.comms.contact import MAX_QUESTION
from kolk.comms.models import CampaignPurpose


class CampaignForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Soort"), choices=CampaignPurpose.choices)
    subject = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 12}), max_length=20000)


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Antwoord"), widget=forms.Textarea(attrs={"rows": 8}), max_length=MAX_QUESTION)


class ContactForm(forms.Form):
    """The public contact form (K01, K02); the web app renders it."""

    name = forms.CharField(label=_("Naam"), max_length=160)
    email = forms.EmailField(label=_("E-mailadres"))
    number = forms.CharField(label=_("Pas- of klantnummer (als je dat hebt)"), max_length=20, required=False)
    question = forms.CharField(label=_("Je vraag"), widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_QUESTION)


class NewsletterSignupForm(forms.Form):
    """Sign-up on the site for someone without a membership; the web app renders it."""

    email = forms.EmailField(label=_("E-mailadres"))
