"""The portal's "Mijn berichten": how each kind of notice reaches me (email, SMS, post, or not), and what we sent.

Role: member (kolk.web.portal.member_required), their own choices and messages
only. SMS is offered only while a provider is configured (kolk.comms.sms_provider).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kolk.comms.models import NoticeChannel, NoticeKind
from kolk.comms.notices import channels_offered, notice_choices_of, notice_choices_set
from kolk.comms.selectors import letters_for_person, messages_for_person, sms_for_person
from kolk.comms.sms import mobile_number
from kolk.comms.sms_provider import sms_available
from kolk.core.errors import Invalid
from kolk.web.portal import member_required

HELP = {
    NoticeKind.DUE_SOON: gettext_lazy("Drie dagen voor de inleverdatum, als je herinneringen wilt krijgen."),
    NoticeKind.OVERDUE: gettext_lazy("Dit bericht krijg je altijd: te laat kost je te-laat-geld."),
    NoticeKind.HOLD_READY: gettext_lazy("Je ziet het ook op de eerste pagina van Mijn DNK."),
    NoticeKind.TICKETS: gettext_lazy("Per sms krijg je een link naar je kaartjes; per e-mail de kaartjes zelf."),
}


class NoticeChoicesForm(forms.Form):
    """One radio group per kind of notice, with the channels allowed for it here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NoticeKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=capfirst(kind.label),
                choices=[(c, capfirst(NoticeChannel(c).label)) for c in channels_offered(kind.value)],
                widget=forms.RadioSelect,
                help_text=HELP[kind],
            )


def notice_form_save(request: HttpRequest, person: Any, form: NoticeChoicesForm) -> bool:
    """Save a valid form through the service; a refusal becomes field errors. True when saved."""
    if not form.is_valid():
        return False
    try:
        notice_choices_set(person=person, choices=form.cleaned_data, actor=request.user)
    except Invalid as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    return True


@member_required
@require_http_methods(["GET", "POST"])
def messages_page(request: HttpRequest, person: Any) -> HttpResponse:
    if request.method == "POST":
        form = NoticeChoicesForm(request.POST)
        if notice_form_save(request, person, form):
            messages.success(request, _("Opgeslagen. Je volgende berichten krijg je zo."))
            return redirect("web:portal_messages")
    else:
        form = NoticeChoicesForm(initial=notice_choices_of(person))
    context = {
        "person": person,
        "form": form,
        "mobile": mobile_number(person),
        "sms_offered": sms_available(),
        "mails": list(messages_for_person(person)),
        "texts": list(sms_for_person(person)),
        "letters": list(letters_for_person(person)),
    }
    return render(request, "web/portal/messages.html", context, status=422 if form.errors else 200)
