"""Forms at the edge: staff writing campaigns and answers, the public contact form, and notice choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kolk.comms.contact import MAX_QUESTION
from kolk.comms.models import CampaignPurpose, NoticeChannel, NoticeKind
from kolk.comms.notices import channels_offered, notice_choices_set
from kolk.core.actors import Actor
from kolk.core.errors import Invalid


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


HELP = {
    NoticeKind.DUE_SOON: _("Drie dagen voor de inleverdatum, als je herinneringen wilt krijgen."),
    NoticeKind.OVERDUE: _("Dit bericht krijg je altijd: te laat kost je te-laat-geld."),
    NoticeKind.HOLD_READY: _("Je ziet het ook op de eerste pagina van Mijn DNK."),
    NoticeKind.TICKETS: _("Per sms krijg je een link naar je kaartjes; per e-mail de kaartjes zelf."),
}


class NoticeChoicesForm(forms.Form):
    """One radio group per kind of notice, with the channels allowed for it here (portal and desk)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NoticeKind:
            offered = channels_offered(kind.value)
            # A stored SMS choice while SMS is switched off goes by email (kolk.comms.notices): show that.
            if self.initial.get(kind.value) not in offered:
                self.initial[kind.value] = NoticeChannel.EMAIL
            self.fields[kind.value] = forms.ChoiceField(
                label=capfirst(kind.label),
                choices=[(c, capfirst(NoticeChannel(c).label)) for c in offered],
                widget=forms.RadioSelect,
                help_text=HELP[kind],
            )

    def save(self, *, person: Any, actor: Actor) -> bool:
        """Store a valid choice through the service; its refusal becomes field errors. True when stored."""
        if not self.is_valid():
            return False
        try:
            notice_choices_set(person=person, choices=self.cleaned_data, actor=actor)
        except Invalid as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
            return False
        return True
