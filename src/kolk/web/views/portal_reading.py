"""The portal's reading history (H01): switch it on or off with its text recorded, see it, clear it.

Role: member (kolk.web.portal.member_required). Off by default. Switching it off
and clearing it each ask once (the list goes at once and cannot come back).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.core.errors import KolkError
from kolk.library.reading import READING_HISTORY, reading_history, reading_history_clear, reading_history_on
from kolk.privacy.register import get_register
from kolk.web.portal import client_ip, member_required, register_section
from kolk.web.services import portal_consent_set, portal_event_record

register_section("reading_history", gettext_lazy("Leesgeschiedenis"), "web:portal_reading_history", order=42)

PAGE = 25  # titles per page of the list


def _lang() -> str:
    return (get_language() or "nl")[:2]


def _context(request: HttpRequest, person: Any, *, confirm: str = "") -> dict[str, Any]:
    on = reading_history_on(person)
    page = Paginator(reading_history(person), PAGE).get_page(request.GET.get("pagina")) if on else None
    return {
        "person": person,
        "on": on,
        "text": get_register().consent_texts[READING_HISTORY].text.get(_lang()),
        "page": page,
        "confirm": confirm,
    }


@member_required
def reading_history_page(request: HttpRequest, person: Any) -> HttpResponse:
    """The switch with the text it records, and, while on, what the member borrowed."""
    return render(request, "web/portal/reading_history.html", _context(request, person))


@require_POST
@member_required
def reading_history_switch(request: HttpRequest, person: Any) -> HttpResponse:
    """On at once; off asks once first, since the list goes with it."""
    on = request.POST.get("value") == "1"
    if not on and request.POST.get("confirm") != "1":
        return render(request, "web/portal/reading_history.html", _context(request, person, confirm="off"))
    try:
        portal_consent_set(
            person=person,
            purpose=READING_HISTORY,
            given=on,
            ip_address=client_ip(request),
            actor=request.user,
            lang=_lang(),
        )
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Je leesgeschiedenis staat aan.") if on else _("Je leesgeschiedenis staat uit en je lijst is gewist."),
        )
    return redirect("web:portal_reading_history")


@require_POST
@member_required
def reading_history_clear_view(request: HttpRequest, person: Any) -> HttpResponse:
    """Clear the list (asks once); the switch stays on."""
    if request.POST.get("confirm") != "1":
        return render(request, "web/portal/reading_history.html", _context(request, person, confirm="clear"))
    cleared = reading_history_clear(person=person, actor=request.user)
    portal_event_record(
        person=person,
        action="reading_history_cleared",
        ip_address=client_ip(request),
        actor=request.user,
        details={"count": cleared},
    )
    messages.success(
        request,
        ngettext("%(count)d titel gewist.", "%(count)d titels gewist.", cleared) % {"count": cleared}
        if cleared
        else _("Je leesgeschiedenis was al leeg."),
    )
    return redirect("web:portal_reading_history")
