"""Staff pages of comms: contact cases (desk), newsletter and email offers, letter runs and call lists (marketing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.comms.contact import case_answer, case_close, case_detail, cases
from kolk.comms.forms import AnswerForm, CampaignForm
from kolk.comms.models import CampaignStatus, CaseStatus, ContactCase
from kolk.comms.newsletter import campaign_create, campaign_start, campaign_update, campaigns
from kolk.comms.offers import (
    offers_call_list,
    offers_call_list_csv,
    offers_letters_csv,
    offers_objection_text,
    offers_phone_objection_record,
)
from kolk.core.clock import today
from kolk.core.errors import KolkError, NotFound
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow

# Recording "don't call me" serves the offers that marketing runs, and the person's
# right to object that the desk and the Privacy Officer take.
SAID_NO_PURPOSES = ("offers", "rights")


def _form_errors(form: AnswerForm | CampaignForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


# Contact cases.


@allow(purpose="communication")
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CaseStatus.OPEN)
    status = status if status in CaseStatus.values else ""
    return render(
        request,
        "desk/comms/case_list.html",
        {"cases": cases(status=status)[:200], "status": status, "statuses": CaseStatus.choices},
    )


def _case(request: HttpRequest, pk: int, *, viewed: bool) -> ContactCase:
    try:
        case = case_detail(pk)
    except ContactCase.DoesNotExist as exc:
        raise NotFound(_("Onbekende vraag.")) from exc
    if case.person_id is not None:
        person_reach(actor=request.user, person_id=case.person_id, purpose="communication", record=case, viewed=viewed)
    return case


@allow(purpose="communication")
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, viewed=True)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_answer(case=case, body=form.cleaned_data["body"], actor=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        except KolkError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Het antwoord is verstuurd."))
            return redirect("desk:comms_case", pk=case.pk)
    return render(request, "desk/comms/case.html", {"case": case, "form": form})


@require_POST
@allow(purpose="communication")
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, viewed=False)
    case_close(case=case, actor=request.user)
    messages.success(request, _("De vraag is gesloten."))
    return redirect("desk:comms_case", pk=pk)


# Newsletter and email offers.


@allow(purpose="newsletter")
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("desk:comms_campaign", pk=campaign.pk)
    return render(request, "desk/comms/campaign_list.html", {"campaigns": campaigns()[:100], "form": form})


@allow(purpose="newsletter")
def campaign_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns().filter(pk=pk).first()
    if campaign is None:
        raise NotFound()
    initial = {"purpose": campaign.purpose, "subject": campaign.subject, "body": campaign.body}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and campaign.status == CampaignStatus.DRAFT and form.is_valid():
        try:
            campaign_update(
                campaign=campaign,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Opgeslagen."))
            return redirect("desk:comms_campaign", pk=pk)
    return render(request, "desk/comms/campaign.html", {"campaign": campaign, "form": form})


@require_POST
@allow(purpose="newsletter")
def campaign_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns().filter(pk=pk).first()
    if campaign is None:
        raise NotFound()
    try:
        campaign_start(campaign=campaign, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("De campagne wordt verzonden."))
    return redirect("desk:comms_campaign", pk=pk)


# Offers by post and phone.


def _csv_response(content: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{today().isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@allow(purpose="offers")
def offers_page(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/comms/offers.html", {"objection": offers_objection_text()})


@allow(purpose="offers")
def offers_letters_download(request: HttpRequest) -> HttpResponse:
    return _csv_response(offers_letters_csv(actor=request.user), "brieven-aanbiedingen")


@allow(purpose="offers")
def offers_call_list_download(request: HttpRequest) -> HttpResponse:
    return _csv_response(offers_call_list_csv(actor=request.user), "bellijst")


@allow(purpose="offers")
def offers_call_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/comms/call_list.html", {"people": offers_call_list(actor=request.user)})


@require_POST
@allow(purpose=SAID_NO_PURPOSES)
def offers_said_no(request: HttpRequest, pk: int) -> HttpResponse:
    """'Do not call me with offers': one click while on the phone."""
    person = person_reach(actor=request.user, person_id=pk, purpose=SAID_NO_PURPOSES, load=person_detail, viewed=False)
    offers_phone_objection_record(person=person, actor=request.user)
    messages.success(request, _("Vastgelegd: %(name)s wil niet meer gebeld worden.") % {"name": person.full_name})
    return redirect("desk:comms_call_list")
