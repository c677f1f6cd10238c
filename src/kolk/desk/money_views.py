"""Money at the library desk: take what is open in cash or by PIN (all or part), a receipt, a write-off."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.billing.models import Mandate
from kolk.billing.services import bank_account_set, mandate_sign
from kolk.core.errors import Invalid, KolkError
from kolk.core.money import euros
from kolk.core.roles import Role
from kolk.library.services.payments import desk_payment, library_owed, library_write_off, receipt_of
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow

RECEIPT = "desk_receipt"  # {"person": pk, "reference": "KAS-…"}: the last receipt of this desk
# {"field": the input's id, "message": why}: a refusal the member page shows at its field, once.
# Only the field and the words, never what was typed (an IBAN is not kept in the session).
FIELD_ERROR = "desk_field_error"
# The money forms' inputs, by the service's field name.
PAY_FIELDS = {"amount": "pay-amount", "reference": "pay-reference", "method": "pay-amount"}


def refused_at(request: HttpRequest, field: str, message: str) -> None:
    """A refusal beside the scan field (colour and sound) and at the field that caused it (the cursor goes there)."""
    messages.error(request, message)
    request.session[FIELD_ERROR] = {"field": field, "message": message}


AMOUNT = re.compile(r"^\d{1,6}([.,]\d{1,2})?$")


def cents_of(text: str) -> int:
    """'12,50', '12.50', '€ 12,50' or '12' as cents; a clear refusal otherwise."""
    text = text.replace("€", "").replace(" ", "").strip()
    if not AMOUNT.match(text):
        raise Invalid(_("Vul een bedrag in euro's in, zoals 12,50."), fields={"amount": [_("Ongeldig bedrag.")]})
    try:
        return int(Decimal(text.replace(",", ".")) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise Invalid(_("Ongeldig bedrag."), fields={"amount": [_("Ongeldig bedrag.")]}) from None


def _person(request: HttpRequest, pk: int) -> Person:
    return person_reach(actor=request.user, person_id=pk, purpose="invoicing", load=person_detail, viewed=False)


def pay_context(person: Person) -> dict[str, object]:
    """What the member page's money box needs: the amount open, a one-time key for cash, the mandate."""
    mandate = (
        Mandate.objects.filter(bank_account__person=person, revoked_at__isnull=True)
        .select_related("bank_account")
        .first()
    )
    return {"owed_cents": library_owed(person), "pay_key": uuid.uuid4().hex, "mandate": mandate}


@require_POST
@allow(purpose="invoicing")
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    method = request.POST.get("method", "")
    key = request.POST.get("reference", "") if method == "card" else request.POST.get("key", "")
    try:
        receipt = desk_payment(
            person=person, amount_cents=cents_of(request.POST.get("amount", "")), method=method, key=key[:40],
            actor=request.user,
        )  # fmt: skip
    except KolkError as exc:
        field = next((PAY_FIELDS[f] for f in exc.fields if f in PAY_FIELDS), "pay-amount")
        refused_at(request, field, str(exc.message))
        return redirect("desk:library_member", pk=pk)
    request.session[RECEIPT] = {"person": person.pk, "reference": receipt.reference}
    messages.success(
        request,
        _("Betaald: %(amount)s. Nog open: %(left)s.")
        % {"amount": euros(receipt.amount_cents), "left": euros(receipt.owed_after_cents)},
    )
    return redirect("desk:library_receipt", pk=pk)


@allow(purpose="invoicing")
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The last receipt taken at this desk for this member, to print."""
    person = _person(request, pk)
    last = request.session.get(RECEIPT) or {}
    found = receipt_of(person, last["reference"]) if last.get("person") == person.pk else None
    return render(request, "desk/library/receipt.html", {"person": person, "receipt": found})


@require_POST
@allow(purpose="invoicing", roles=(Role.LIBRARY_STAFF,))
def write_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Write off what is open (library staff only): a reason is required and logged."""
    person = _person(request, pk)
    try:
        total = library_write_off(person=person, reason=request.POST.get("reason", ""), actor=request.user)
    except KolkError as exc:
        refused_at(request, "write-off-reason", str(exc.message))
    else:
        messages.success(request, _("Kwijtgescholden: %(amount)s.") % {"amount": euros(total)})
        if left := library_owed(person):
            # A part-paid invoice stays (billing asks a credit note for it): say so, or the desk thinks all is gone.
            messages.warning(
                request,
                _(
                    "Nog open: %(amount)s, op een factuur waarvan al een deel betaald is. Neem het aan of vraag om een creditnota."
                )
                % {"amount": euros(left)},
            )
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="invoicing")
def mandate_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the account and the SEPA mandate the member signed on paper at this desk (the staff member is the actor)."""
    person = _person(request, pk)
    if request.POST.get("signed") != "on":
        refused_at(
            request, "mandate-signed", _("Laat het lid het machtigingsformulier eerst tekenen, en vink dat aan.")
        )
        return redirect("desk:library_member", pk=pk)
    try:
        with transaction.atomic():
            bank_account_set(
                person=person,
                iban=request.POST.get("iban", "")[:40],
                holder_name=request.POST.get("holder", "")[:70] or person.full_name,
                actor=request.user,
            )
            mandate = mandate_sign(person=person, method="paper", actor=request.user)
    except ValidationError as exc:
        refusal = exc.message_dict if hasattr(exc, "error_dict") else {"iban": exc.messages}
        if "iban" in refusal:
            # In our words, without the number typed: a refusal is kept (session, messages) until it is shown.
            typed = bool(request.POST.get("iban", "").strip())
            refused_at(
                request,
                "mandate-iban",
                _("Dit IBAN klopt niet: kijk het na en typ het opnieuw.") if typed else _("Vul een IBAN in."),
            )
        else:
            refused_at(request, "mandate-holder", "; ".join(m for msgs in refusal.values() for m in msgs))
    except KolkError as exc:
        refused_at(request, "mandate-iban", str(exc.message))
    else:
        messages.success(
            request,
            _("Machtiging %(reference)s vastgelegd. Bewaar het getekende formulier.")
            % {"reference": mandate.reference},
        )
    return redirect("desk:library_member", pk=pk)
