"""The contact form (K01, K02) and the newsletter sign-up (N01, confirmed by a link in a mail). Role: anyone.

Both open a record through comms' services; bad input is shown by field and
writes nothing. Each address may post a limited number of times an hour,
counted in the database (kolk.core.throttle) so that the limit holds across
every web process; past it the form answers 429 with Retry-After.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kolk.comms.contact import case_open
from kolk.comms.newsletter import newsletter_subscribe
from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.core.throttle import Take, throttle_key, throttle_take
from kolk.core.validators import no_control_characters, no_control_characters_in_text
from kolk.web.portal import client_ip

POSTS_PER_HOUR = 20
POST_WINDOW = dt.timedelta(hours=1)


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Naam"), max_length=120, validators=[no_control_characters])
    email = forms.EmailField(label=gettext_lazy("E-mailadres"), max_length=254, validators=[no_control_characters])
    number = forms.CharField(
        label=gettext_lazy("Pasnummer of klantnummer (als je dat hebt)"),
        max_length=20,
        required=False,
        validators=[no_control_characters],
    )
    question = forms.CharField(
        label=gettext_lazy("Je vraag"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        validators=[no_control_characters_in_text],
    )


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mailadres"), max_length=254, validators=[no_control_characters])


def _post_taken(request: HttpRequest, what: str) -> Take:
    """Count a valid post per client address (its keyed hash), POSTS_PER_HOUR in a window of an hour."""
    key = throttle_key(f"web.{what}", client_ip(request) or "unknown")
    return throttle_take(limits={key: POSTS_PER_HOUR}, window=POST_WINDOW)


def _refused(request: HttpRequest, template: str, form: forms.Form, taken: Take) -> HttpResponse:
    response = render(request, template, {"form": form}, status=429)
    response["Retry-After"] = str(taken.retry_after)
    return response


def _service_errors(form: forms.Form, exc: ValidationError | KolkError) -> None:
    if isinstance(exc, ValidationError):
        refusal_to_form(form, exc)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        taken = _post_taken(request, "contact")
        if not taken:
            form.add_error(None, _("Je hebt al veel berichten gestuurd. Probeer het over een uur opnieuw, of bel ons."))
            return _refused(request, "web/contact.html", form, taken)
        try:
            case_open(actor=None, language=get_language() or "nl", **form.cleaned_data)
        except (ValidationError, KolkError) as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Dank je wel. We beantwoorden je vraag per e-mail."))
            return redirect("web:contact")
    return render(request, "web/contact.html", {"form": form})


def newsletter(request: HttpRequest) -> HttpResponse:
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        taken = _post_taken(request, "newsletter")
        if not taken:
            form.add_error(None, _("Te veel aanmeldingen vanaf dit adres. Probeer het over een uur opnieuw."))
            return _refused(request, "web/newsletter.html", form, taken)
        try:
            newsletter_subscribe(
                email=form.cleaned_data["email"], source="site_signup", language=get_language(), actor=None
            )
        except (ValidationError, KolkError) as exc:
            _service_errors(form, exc)
        else:
            # The same answer whether or not the address was on the list already.
            messages.success(
                request,
                _(
                    "Kijk in je mail. Als je nog niet op de lijst stond, vind je daar een link "
                    "om je aanmelding te bevestigen. Pas daarna sturen we je de nieuwsbrief."
                ),
            )
            return redirect("web:newsletter")
    return render(request, "web/newsletter.html", {"form": form})
