"""Lid worden: join online in a few steps on a phone, pay the first fee by iDEAL, sign an e-mandate.

Role: public for the steps (throttled per address), then the new member. Nothing
is written until the last step before paying: the answers of earlier steps travel
along in the form, so a closed tab or a crash between steps leaves nothing behind,
and every step checks all answers again. The account step makes the member
(kolk.library.services.joining.member_join) and logs them in; the payment step
records the bank account and the e-mandate (its text kept) and sends them to
Mollie for the first invoice; Mollie sends them back to the invoice's payment page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kolk.billing.models import Invoice, Mandate
from kolk.billing.selectors import invoices_for
from kolk.billing.services import bank_account_set, invoice_pay_online, mandate_sign
from kolk.core.errors import KolkError, TooMany
from kolk.core.forms import refusal_to_form
from kolk.library.models import SubscriptionType
from kolk.library.services.joining import (
    JoinDetails,
    join_confirmation_pending,
    join_duplicate_check,
    join_fees,
    member_join,
)
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register
from kolk.web.join_forms import AccountStep, DetailsStep, MandateForm, SubscriptionStep
from kolk.web.portal import client_ip, member_required
from kolk.web.shop_views import allow_mollie_checkout
from kolk.web.throttle import throttle_key, throttle_take

STEPS = (
    ("abonnement", gettext_lazy("Kiezen")),
    ("gegevens", gettext_lazy("Gegevens")),
    ("account", gettext_lazy("Account")),
    ("betalen", gettext_lazy("Betalen")),
)
FORMS: dict[str, type[forms.Form]] = {
    "abonnement": SubscriptionStep,
    "gegevens": DetailsStep,
    "account": AccountStep,
}
JOIN_WINDOW = dt.timedelta(hours=1)
JOINS_PER_CLIENT = 10  # a library's public PCs share one address
CHECKS_PER_CLIENT = 30  # the details step, sent again after a typing error

# The e-mandate the member agrees to; its words are kept with the mandate (audit) when signed.
MANDATE_TEXT = gettext_lazy(
    "Ik machtig De Nieuwe Kolk om de contributie van mijn bibliotheekabonnement en andere bedragen die ik "
    "de bibliotheek verschuldigd ben van mijn rekening af te schrijven (doorlopende SEPA-incasso), en mijn "
    "bank om dat te doen. Ben je het niet eens met een afschrijving, dan kun je die binnen acht weken "
    "laten terugboeken; neem daarvoor contact op met je bank."
)


def steps(current: str) -> list[dict[str, Any]]:
    at = [key for key, _label in STEPS].index(current)
    return [
        {"label": label, "number": i + 1, "state": "done" if i < at else "current" if i == at else "todo"}
        for i, (_key, label) in enumerate(STEPS)
    ]


def _carried(data: Any, upto: str) -> list[tuple[str, str]]:
    """The answers of the steps before `upto`, as they were sent (they travel along as hidden fields)."""
    names: list[str] = []
    for key, _label in STEPS:
        if key == upto:
            break
        names += list(FORMS[key].base_fields)
    return [(name, str(data.get(name, ""))[:254]) for name in names]


def _render(request: HttpRequest, step: str, form: forms.Form, **extra: Any) -> HttpResponse:
    context = {
        "step": step,
        "steps": steps(step),
        "form": form,
        "carried": _carried(request.POST, step),
        "email": str(request.POST.get("email", ""))[:254],
        **extra,
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "web/join/step.html", context, status=status)


def _fees(form: SubscriptionStep) -> list[tuple[SubscriptionType, int]]:
    """The subscriptions with their fees once a valid birth date was sent (even if the choice itself was not)."""
    if not form.is_bound:
        return []
    form.is_valid()  # fills cleaned_data with the answers that are valid
    born = form.cleaned_data.get("date_of_birth")
    return join_fees(born) if born else []


@never_cache
@allow(public=True)
def join(request: HttpRequest) -> HttpResponse:
    """Each POST sends one step's answers with all the earlier ones; the first step that fails is shown.

    A member who joined but left before paying (a closed tab, a crash) comes back here
    after logging in, and goes on where they were: the payment step.
    """
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if person is not None and join_confirmation_pending(person) is not None:
        return redirect("web:join_pay")
    if request.method != "POST":
        return _render(request, "abonnement", SubscriptionStep())
    sent = str(request.POST.get("step", ""))
    order = [key for key, _label in STEPS[:3]]
    if sent not in order:
        return _render(request, "abonnement", SubscriptionStep())
    checked: dict[str, Any] = {}
    for key in order[: order.index(sent) + 1]:
        form = FORMS[key](request.POST)
        if not form.is_valid():
            if key == "abonnement":
                return _render(request, key, form, fees=_fees(form))  # type: ignore[arg-type]
            return _render(request, key, form, **_step_extra(key))
        checked.update(form.cleaned_data)
        if key == "abonnement" and not checked.get("type"):
            if sent == "abonnement" and request.POST.get("choosing"):
                form.add_error("type", _("Kies een abonnement."))
                return _render(request, key, form, fees=_fees(form))  # type: ignore[arg-type]
            return _render(request, key, form, fees=_fees(form))  # type: ignore[arg-type]
    if sent != "account":
        following = order[order.index(sent) + 1]
        if sent == "gegevens":
            _throttle(request, "join.check", CHECKS_PER_CLIENT)  # each check may mail someone kolk knows
            refusal = _duplicate(checked)
            if refusal is not None:
                form = DetailsStep(request.POST)
                form.is_valid()
                form.add_error(None, refusal)
                return _render(request, sent, form)
        return _render(request, following, FORMS[following](), **_step_extra(following))
    return _make_member(request, checked)


def _details(checked: dict[str, Any]) -> JoinDetails:
    return JoinDetails(**{name: checked[name] for name in JoinDetails.__dataclass_fields__})


def _duplicate(checked: dict[str, Any]) -> str | None:
    try:
        join_duplicate_check(_details(checked))
    except KolkError as exc:
        return str(exc.message)
    return None


def _step_extra(key: str) -> dict[str, Any]:
    if key == "account":
        texts = get_register().consent_texts
        return {
            "reading_advice_text": texts["notices_advice"].text.get(_lang()),
            "portal_text": texts["website_access"].text.get(_lang()),
        }
    return {}


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def _throttle(request: HttpRequest, scope: str, limit: int) -> None:
    if not throttle_take(limits={throttle_key(scope, client_ip(request) or "unknown"): limit}, window=JOIN_WINDOW):
        raise TooMany(_("Er zijn vanaf dit adres te veel inschrijvingen gedaan. Probeer het over een uur opnieuw."))


def _make_member(request: HttpRequest, checked: dict[str, Any]) -> HttpResponse:
    _throttle(request, "join.client", JOINS_PER_CLIENT)
    form = AccountStep(request.POST)
    form.is_valid()
    try:
        joined = member_join(
            details=_details(checked),
            type=SubscriptionType.objects.get(code=checked["type"], active=True),
            password=checked["password1"],
            newsletter=bool(checked.get("newsletter")),
            reading_advice=bool(checked.get("reading_advice")),
            actor=None,
            lang=_lang(),
        )
    except (ValidationError, KolkError, SubscriptionType.DoesNotExist) as exc:
        message = exc.message if isinstance(exc, KolkError) else _("Controleer je gegevens en probeer het opnieuw.")
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            message = " ".join([m for ms in exc.message_dict.values() for m in ms])
        form.add_error(None, str(message))
        return _render(request, "account", form)
    login(request, joined.user, backend="kolk.web.auth.UsernameOrPassBackend")
    return redirect("web:join_pay")


def _first_invoice(person: Any) -> Invoice | None:
    return invoices_for(person).filter(status=Invoice.Status.OPEN).order_by("pk").first()


@never_cache
@member_required
def join_pay(request: HttpRequest, person: Any) -> HttpResponse:
    """The last step: the account and e-mandate for later collections, then the first fee by iDEAL.

    A member under 18 pays nothing (L04): they are done, without a mandate.
    """
    invoice = _first_invoice(person)
    signed = Mandate.objects.filter(bank_account__person=person, revoked_at__isnull=True).exists()
    form = MandateForm(request.POST or None)
    if request.method != "POST":
        return _pay_page(request, person, invoice, form, signed)
    if invoice is None:  # free: nothing to pay, no mandate to give
        return redirect("web:portal")
    if not signed and not (form.is_valid() and sign_e_mandate(request, person, form)):
        return _pay_page(request, person, invoice, form, signed)
    try:
        online = invoice_pay_online(
            invoice=invoice,
            return_url=request.build_absolute_uri(reverse("web:portal_invoice_paying", args=[invoice.pk])),
            webhook_url=settings.KOLK_SITE_URL.rstrip("/") + reverse("api:billing_mollie_webhook"),
            actor=request.user,
        )
    except KolkError as exc:
        form = MandateForm()
        form.add_error(None, str(exc.message))
        return _pay_page(request, person, invoice, form, True)
    if not online.checkout_url.startswith("https://"):
        return redirect("web:portal_invoice_paying", invoice_id=invoice.pk)
    return redirect(online.checkout_url)


def sign_e_mandate(request: HttpRequest, person: Any, form: MandateForm) -> Mandate | None:
    """Record the account and the e-mandate with its words, all or nothing (when joining and in the
    portal); a refusal goes to the form's fields and None is returned."""
    try:
        with transaction.atomic():
            bank_account_set(
                person=person,
                iban=form.cleaned_data["iban"],
                holder_name=form.cleaned_data["holder_name"],
                actor=request.user,
            )
            return mandate_sign(person=person, method="online", consent_text=str(MANDATE_TEXT), actor=request.user)
    except ValidationError as exc:
        refusal_to_form(form, exc)
    except KolkError as exc:
        form.add_error(None, str(exc.message))
    return None


def _pay_page(request: HttpRequest, person: Any, invoice: Invoice | None, form: Any, signed: bool) -> HttpResponse:
    context = {
        "step": "betalen",
        "steps": steps("betalen"),
        "form": form,
        "invoice": invoice,
        "signed": signed,
        "mandate_text": MANDATE_TEXT,
        "person": person,
    }
    status = 422 if form.is_bound and form.errors else 200
    response = render(request, "web/join/pay.html", context, status=status)
    allow_mollie_checkout(request, response)
    return response
