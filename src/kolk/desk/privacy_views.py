"""Privacy pages: a person's requests at the desk, the access package, the privacy office."""

from __future__ import annotations

import json
from typing import Any

from django import forms as forms_
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kolk.core.errors import KolkError, NotFound
from kolk.core.roles import Role
from kolk.desk.choice_forms import LiftForm, RestrictForm
from kolk.desk.privacy_forms import IDENTITY_CHOICES, BreachForm, CloseForm, ExtendForm, IdentityForm, RequestForm
from kolk.people.reach import person_reach
from kolk.privacy.access import access_package, readable
from kolk.privacy.ledger import choices_of, restriction_apply, restriction_lift
from kolk.privacy.models import RightsRequest
from kolk.privacy.office import breach_record, office_overview
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register
from kolk.privacy.rights import (
    corrections_to_pass_on,
    erasure_execute,
    erasure_plan,
    identity_ok,
    request_close,
    request_extend,
    request_identity_seen,
    request_receive,
    restriction_made,
)


def _request(request: HttpRequest, pk: int) -> RightsRequest:
    """A rights request, if the caller may handle its person's request (kolk.people.reach)."""
    rights_request = RightsRequest.objects.select_related("subject").filter(pk=pk).first()
    if rights_request is None:
        raise NotFound()
    person_reach(
        actor=request.user, person_id=rights_request.subject_id, purpose="rights", record=rights_request, viewed=False
    )
    return rights_request


@allow(purpose="rights")
def request_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_reach(actor=request.user, person_id=person_pk, purpose="rights", viewed=False)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rights_request = request_receive(subject=person, actor=request.user, **form.cleaned_data)
        except KolkError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Verzoek vastgelegd; uiterlijk af op %(date)s.")
                % {"date": date_format(rights_request.due_on, "j F Y")},
            )
            return redirect("desk:privacy_request", pk=rights_request.pk)
    return render(request, "desk/privacy/request_new.html", {"person": person, "form": form})


@allow(purpose="rights")
def request_page(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = _request(request, pk)
    forms: dict[str, forms_.Form] = {
        "identity": IdentityForm(),
        "extend": ExtendForm(),
        "close": CloseForm(),
        "restrict": RestrictForm(),
        "lift": LiftForm(),
    }
    if request.method == "POST" and request.POST.get("action") == "erase":
        try:
            erasure_execute(request=rights_request, actor=request.user)
        except KolkError as exc:
            messages.error(request, str(exc.message))
            return redirect("desk:privacy_request", pk=pk)
        messages.success(request, _("Verwijderd. Wat bewaard moest blijven staat in het verzoek."))
        return redirect("desk:person_find")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = {
            "identity": IdentityForm,
            "extend": ExtendForm,
            "close": CloseForm,
            "restrict": RestrictForm,
            "lift": LiftForm,
        }.get(action)
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        forms[action] = form
        if form.is_valid():
            try:
                _act(request, rights_request, action, form.cleaned_data)
            except (KolkError, ValidationError) as exc:
                fields = getattr(exc, "fields", {})
                for name, errors in fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not fields:
                    form.add_error(None, str(getattr(exc, "message", exc)))
            else:
                return redirect("desk:privacy_request", pk=pk)
        status = 422
    person = rights_request.subject
    extra: dict[str, Any] = {}
    if rights_request.kind == RightsRequest.Kind.ERASURE:
        extra["plan"] = erasure_plan(person, get_language() or "nl")
    if rights_request.kind == RightsRequest.Kind.CORRECTION:
        extra["partners"] = corrections_to_pass_on(person, set(get_register().categories))
    if rights_request.kind == RightsRequest.Kind.RESTRICTION:
        state = choices_of(person)
        extra["restriction"] = state["restriction"]
        extra["restriction_made"] = restriction_made(rights_request)
        extra["restriction_records"] = list(rights_request.restrictions.select_related("recorded_by").order_by("pk"))
    return render(
        request,
        "desk/privacy/request.html",
        {
            "req": rights_request,
            "person": person,
            "identity_ok": identity_ok(rights_request),
            "identity_label": dict(IDENTITY_CHOICES).get(
                rights_request.identity_method, rights_request.identity_method
            ),
            **forms,
            **extra,
        },
        status=status,
    )


def _act(request: HttpRequest, rights_request: RightsRequest, action: str, data: dict[str, Any]) -> None:
    """Carry out one action of the request page (each a service with its own audit entry)."""
    if action == "identity":
        request_identity_seen(request=rights_request, method=data["method"], actor=request.user)
    elif action == "extend":
        request_extend(request=rights_request, reason=data["reason"], actor=request.user)
    elif action == "close":
        request_close(request=rights_request, actor=request.user, **data)
    elif rights_request.kind != RightsRequest.Kind.RESTRICTION:
        raise KolkError(_("Dit is geen verzoek om beperking."), code="kind")
    elif action == "restrict":
        restriction_apply(
            subject=rights_request.subject,
            reason=data["reason"],
            until=data["until"],
            request=rights_request,
            actor=request.user,
        )
        messages.success(request, _("Beperking vastgelegd: vanaf nu valt de persoon buiten elke selectie."))
    else:
        restriction_lift(
            subject=rights_request.subject, reason=data["reason"], request=rights_request, actor=request.user
        )
        messages.success(request, _("Beperking opgeheven."))


def _package_for(request: HttpRequest, rights_request: RightsRequest, lang: str) -> dict[str, Any]:
    if not identity_ok(rights_request):
        raise KolkError(_("Eerst legitimeren aan de balie."))
    return access_package(subject=rights_request.subject, actor=request.user, lang=lang)


@allow(purpose="rights")
def access_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The access package of a request, as a page, JSON (portable) or PDF."""
    rights_request = _request(request, pk)
    lang = request.GET.get("lang") or get_language() or "nl"
    try:
        package = _package_for(request, rights_request, lang)
    except KolkError as exc:
        messages.error(request, str(exc.message))
        return redirect("desk:privacy_request", pk=pk)
    filename = f"inzage-{rights_request.subject.customer_number}-{package['as_of']}"
    if fmt == "json":
        # Compact: with indent, json falls back to its pure-Python encoder (4x slower on a long history).
        response = HttpResponse(json.dumps(package, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    context = {"package": package, "read": readable(package), "person": rights_request.subject, "req": rights_request}
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("desk/privacy/access_document.html", context, request=request)
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    return render(request, "desk/privacy/access.html", context)


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def office(request: HttpRequest) -> HttpResponse:
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        breach_record(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Datalek vastgelegd; de klok van 72 uur loopt."))
        return redirect("desk:privacy_office")
    return render(request, "desk/privacy/office.html", {**office_overview(), "breach_form": form})
