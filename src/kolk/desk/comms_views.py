"""Staff pages of comms: contact cases (desk), newsletter and email offers, letter runs and call lists (marketing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
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
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from kolk.desk.decorators import role_required
from kolk.people.models import Person
from kolk.people.selectors import person_detail
from kolk.privacy.gate import subject_viewed

CASES = (Role.DESK, Role.PRIVACY_OFFICER)
MARKETING = (Role.MARKETING,)


def _form_errors(form: AnswerForm | CampaignForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


# Contact cases.


@role_required(*CASES)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CaseStatus.OPEN)
    status = status if status in CaseStatus.values else ""
    return render(
        request,
        "desk/comms/case_list.html",
        {"cases": cases(status=status)[:200], "status": status, "statuses": CaseStatus.choices},
    )


@role_required(*CASES)
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = case_detail(pk)
    except ContactCase.DoesNotExist as exc:
        raise Http404 from exc
    if case.person is not None:
        subject_viewed(subject=case.person, purpose="communication", actor=request.user)
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
@role_required(*CASES)
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = case_detail(pk)
    except ContactCase.DoesNotExist as exc:
        raise Http404 from exc
    case_close(case=case, actor=request.user)
    messages.success(request, _("De vraag is gesloten."))
    return redirect("desk:comms_case", pk=pk)


# Newsletter and email offers.


@role_required(*MARKETING)
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


@role_required(*MARKETING)
def campaign_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns().filter(pk=pk).first()
    if campaign is None:
        raise Http404
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
@role_required(*MARKETING)
def campaign_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns().filter(pk=pk).first()
    if campaign is None:
        raise Http404
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


@role_required(*MARKETING)
def offers_page(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/comms/offers.html", {"objection": offers_objection_text()})


@role_required(*MARKETING)
def offers_letters_download(request: HttpRequest) -> HttpResponse:
    return _csv_response(offers_letters_csv(actor=request.user), "brieven-aanbiedingen")


@role_required(*MARKETING)
def offers_call_list_download(request: HttpRequest) -> HttpResponse:
    return _csv_response(offers_call_list_csv(actor=request.user), "bellijst")


@role_required(*MARKETING)
def offers_call_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/comms/call_list.html", {"people": offers_call_list(actor=request.user)})


@require_POST
@role_required(*MARKETING, Role.DESK)
def offers_said_no(request: HttpRequest, pk: int) -> HttpResponse:
    """'Do not call me with offers': one click while on the phone."""
    try:
        person = person_detail(pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    offers_phone_objection_record(person=person, actor=request.user)
    messages.success(request, _("Vastgelegd: %(name)s wil niet meer gebeld worden.") % {"name": person.full_name})
    return redirect("desk:comms_call_list")
