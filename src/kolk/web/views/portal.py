"""The member portal (A01-A03): my details, my consents and objections, download my data.

Role: member (see kolk.web.portal.member_required). Every view works on the
Person of the logged-in user; a person id in a URL is checked by owned_or_404.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.core.money import euros
from kolk.library.services.loans import loans_renew_all
from kolk.privacy.access import access_package
from kolk.privacy.ledger import choices_of
from kolk.privacy.register import CHANNELS, get_register
from kolk.web.forms import DetailsForm
from kolk.web.portal import (
    PORTAL_CONSENT,
    client_ip,
    member_required,
    member_required_before_consent,
    owned_or_404,
    register_section,
    sections,
)
from kolk.web.selectors import one_click_objections, portal_activity, portal_choices, portal_today
from kolk.web.services import portal_consent_set, portal_details_change, portal_event_record, portal_objection_set

register_section("details", gettext_lazy("Mijn gegevens"), "web:portal_details", order=10)
register_section("choices", gettext_lazy("Mijn toestemmingen en bezwaren"), "web:portal_choices", order=20)
register_section("activity", gettext_lazy("Mijn activiteit"), "web:portal_activity", order=90)


def _lang() -> str:
    return (get_language() or "nl")[:2]


SOON_DAYS = 3  # a loan due within this many days is "due soon" on the first page


@member_required
def home(request: HttpRequest, person: Any) -> HttpResponse:
    """The portal opens on today (UX.md): due and overdue, ready to collect, owed, the next tickets."""
    context = {"person": person, "sections": sections(), **portal_today(person, soon_days=SOON_DAYS)}
    return render(request, "web/portal/home.html", context)


@require_POST
@member_required
def renew_all(request: HttpRequest, person: Any) -> HttpResponse:
    """One button renews every open loan that can be renewed; the rest say why not."""
    result = loans_renew_all(person=person, actor=request.user)
    renewed, refused = result.renewed, defaultdict(list)
    for loan, why in result.refused:  # one message per reason, not one per loan: the same reason, said once
        refused[why].append(loan.copy.title.title)
    if renewed:
        portal_event_record(
            person=person,
            action="loan_renewed",
            ip_address=client_ip(request),
            actor=request.user,
            details={"count": renewed},
        )
        messages.success(
            request,
            ngettext("%(count)d uitlening verlengd.", "%(count)d uitleningen verlengd.", renewed) % {"count": renewed},
        )
    if result.charged_cents:
        messages.warning(
            request,
            _("Wat te laat was, kost %(amount)s te-laat-geld.") % {"amount": euros(result.charged_cents)},
        )
    for why, titles in refused.items():
        messages.warning(
            request,
            _("Niet verlengd: %(titles)s. %(why)s") % {"titles": get_text_list(titles, _("en")), "why": why},
        )
    if not renewed and not refused:
        messages.info(request, _("Je hebt nu niets geleend."))
    return redirect("web:portal_loans" if request.POST.get("next") == "loans" else "web:portal")


@member_required_before_consent
def access(request: HttpRequest, person: Any) -> HttpResponse:
    """The portal's own consent (A01/A02): shown until it is given."""
    text = get_register().consent_texts[PORTAL_CONSENT].text.get(_lang())
    return render(request, "web/portal/access.html", {"person": person, "text": text})


def _details_initial(person: Any) -> dict[str, Any]:
    initial = {name: getattr(person, name) for name in DetailsForm.base_fields if name not in {"emails", "phones"}}
    initial["emails"] = "\n".join(person.emails.order_by("-is_primary", "id").values_list("address", flat=True))
    initial["phones"] = "\n".join(person.phones.order_by("id").values_list("number", flat=True))
    return initial


@member_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, person: Any) -> HttpResponse:
    form = DetailsForm(request.POST or None, initial=_details_initial(person))
    if request.method == "POST" and form.is_valid():
        try:
            changed = portal_details_change(
                person=person,
                values=form.person_values(),
                emails=form.cleaned_data["emails"],
                phones=form.cleaned_data["phones"],
                ip_address=client_ip(request),
                actor=request.user,
            )
        except ValidationError as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, _("Je gegevens zijn opgeslagen.") if changed else _("Er was niets veranderd."))
            return redirect("web:portal_details")
        person.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(request, "web/portal/details.html", {"person": person, "form": form}, status=status)


def _choices_context(person: Any) -> dict[str, Any]:
    """The member's consents and objections, their restriction (reason, until when), and what they
    objected to at the desk, by phone or in a letter beyond the one-click choices."""
    lang = _lang()
    context = {"person": person, **portal_choices(person, lang)}
    state = choices_of(person)
    register = get_register()
    one_click = {purpose for purpose, _channels in one_click_objections()}
    context["restriction"] = state["restriction"]
    context["other_objections"] = sorted(
        {
            str(register.purposes[p].label.get(lang))
            for (p, _c), on in state["objections"].items()
            if on and p not in one_click
        }
    )
    return context


@member_required
def choices(request: HttpRequest, person: Any) -> HttpResponse:
    return render(request, "web/portal/choices.html", _choices_context(person))


@require_POST
@member_required_before_consent
def choice_change(request: HttpRequest, person: Any) -> HttpResponse:
    """One click: give/withdraw a consent, or make/withdraw an objection (per channel for offers)."""
    kind, purpose = request.POST.get("kind", ""), request.POST.get("purpose", "")
    channel, on = request.POST.get("channel", ""), request.POST.get("value") == "1"
    register = get_register()
    try:
        if kind == "consent" and purpose in register.consent_purposes():
            portal_consent_set(
                person=person,
                purpose=purpose,
                given=on,
                ip_address=client_ip(request),
                actor=request.user,
                lang=_lang(),
            )
        elif kind == "objection" and any(
            purpose == p and (channel in chans if chans else channel == "") for p, chans in one_click_objections()
        ):
            if channel and channel not in CHANNELS:
                return HttpResponseBadRequest()
            portal_objection_set(
                person=person,
                purpose=purpose,
                channel=channel,
                objects=on,
                ip_address=client_ip(request),
                actor=request.user,
            )
        else:
            return HttpResponseBadRequest(_("Onbekende keuze."))
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Je keuze is vastgelegd."))
    if purpose == PORTAL_CONSENT and kind == "consent":
        target = reverse("web:portal" if on else "web:portal_access")
        if request.headers.get("HX-Request"):
            return HttpResponse(headers={"HX-Redirect": target})
        return redirect(target)
    if request.headers.get("HX-Request"):
        return render(request, "web/portal/_choices.html", _choices_context(person))
    return redirect("web:portal_choices")


@member_required
def activity(request: HttpRequest, person: Any) -> HttpResponse:
    """What we record of the member's portal use, and when (A01-A03)."""
    return render(request, "web/portal/activity.html", {"person": person, "events": portal_activity(person)})


@member_required
def download(request: HttpRequest, person: Any, person_id: int) -> HttpResponse:
    """Download my data: the full access package (art. 15/20), as JSON."""
    owned_or_404(request, person, type(person)._default_manager.all(), person_id, owner="self")
    portal_event_record(person=person, action="download", ip_address=client_ip(request), actor=request.user)
    package = access_package(subject=person, actor=request.user, lang=_lang())
    # Compact: with indent, json falls back to its pure-Python encoder (4x slower on a long history).
    body = json.dumps(package, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dnk-mijn-gegevens-{person.customer_number}.json"'
    response["Cache-Control"] = "no-store"
    return response
