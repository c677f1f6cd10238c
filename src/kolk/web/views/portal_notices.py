"""The portal's "Mijn berichten": how each kind of notice reaches me (email, SMS, post, or not), and what we sent.

Role: member (kolk.web.portal.member_required), their own choices and messages
only. SMS is offered only while a provider is configured (kolk.comms.sms_provider).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolk.comms.forms import NoticeChoicesForm
from kolk.comms.notices import notice_choices_of
from kolk.comms.selectors import letters_for_person, messages_for_person, sms_for_person
from kolk.comms.sms import mobile_number
from kolk.comms.sms_provider import sms_available
from kolk.web.portal import member_required


@member_required
@require_http_methods(["GET", "POST"])
def messages_page(request: HttpRequest, person: Any) -> HttpResponse:
    if request.method == "POST":
        form = NoticeChoicesForm(request.POST)
        if form.save(person=person, actor=request.user):
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
