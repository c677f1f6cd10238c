"""The portal's page for direct debit: a member sees the account and mandate we hold, signs an
e-mandate for their account, moves it to another account, or revokes it.

Role: member (kolk.web.portal.member_required). The account and the mandate are
recorded by billing's services (`bank_account_set`, `mandate_sign` with the text
the member agreed to, kept with the audit entry; `mandate_revoke`), as at the
desk and when joining online; each act is a PortalEvent with its audit entry.
A new IBAN revokes the old mandate (a mandate covers the account it was signed
for), so moving to another account signs again in the same step.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kolk.billing.selectors import active_mandate_of, bank_account_of
from kolk.billing.services import bank_account_set, mandate_revoke, mandate_sign
from kolk.core.errors import KolkError
from kolk.web.join_forms import MandateForm
from kolk.web.portal import client_ip, member_required
from kolk.web.services import portal_event_record
from kolk.web.views.join import MANDATE_TEXT


class PortalMandateForm(MandateForm):
    """The join step's account and e-mandate, for a member who is already one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mandate"].error_messages["required"] = gettext_lazy(
            "Vink aan dat je de machtiging geeft; zonder vinkje leggen we niets vast."
        )


def _page(request: HttpRequest, person: Any, form: PortalMandateForm, *, status: int = 200) -> HttpResponse:
    context = {
        "person": person,
        "form": form,
        "account": bank_account_of(person),
        "mandate": active_mandate_of(person),
        "mandate_text": MANDATE_TEXT,
        "revoking": request.GET.get("intrekken") == "1",
    }
    return render(request, "web/portal/mandate.html", context, status=status)


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def mandate_page(request: HttpRequest, person: Any) -> HttpResponse:
    """My account and direct-debit mandate; sign one (or move it to another account) here."""
    form = PortalMandateForm(request.POST or None)
    if request.method != "POST":
        return _page(request, person, form)
    if form.is_valid() and _sign(request, person, form):
        messages.success(request, _("Je machtiging is vastgelegd. We schrijven voortaan automatisch af."))
        return redirect("web:portal_mandate")
    return _page(request, person, form, status=400)


def _sign(request: HttpRequest, person: Any, form: PortalMandateForm) -> bool:
    """The account and a new e-mandate, all or nothing; a refusal goes to the form's fields."""
    try:
        with transaction.atomic():
            account = bank_account_set(
                person=person,
                iban=form.cleaned_data["iban"],
                holder_name=form.cleaned_data["holder_name"],
                actor=request.user,
            )
            mandate = mandate_sign(person=person, method="online", consent_text=str(MANDATE_TEXT), actor=request.user)
            portal_event_record(
                person=person,
                action="mandate_signed",
                ip_address=client_ip(request),
                actor=request.user,
                details={"mandate": mandate.pk, "account": account.pk},
            )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    except KolkError as exc:
        form.add_error(None, str(exc.message))
        return False
    return True


@require_POST
@member_required
def mandate_revoke_view(request: HttpRequest, person: Any) -> HttpResponse:
    """Revoke my mandate, after the page asked once; open invoices are then paid by hand."""
    mandate = active_mandate_of(person)
    if mandate is None:
        messages.info(request, _("Er is geen machtiging om in te trekken."))
        return redirect("web:portal_mandate")
    with transaction.atomic():
        mandate_revoke(mandate=mandate, actor=request.user)
        portal_event_record(
            person=person,
            action="mandate_revoked",
            ip_address=client_ip(request),
            actor=request.user,
            details={"mandate": mandate.pk},
        )
    messages.success(
        request, _("Je machtiging is ingetrokken. Nieuwe facturen betaal je zelf, bijvoorbeeld met iDEAL.")
    )
    return redirect("web:portal_mandate")
