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
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kolk.billing.selectors import active_mandate_of, bank_account_of
from kolk.billing.services import mandate_revoke
from kolk.web.join_forms import MandateForm
from kolk.web.portal import client_ip, member_required
from kolk.web.services import portal_event_record
from kolk.web.views.join import MANDATE_TEXT, sign_e_mandate


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
    if form.is_valid():
        with transaction.atomic():
            mandate = sign_e_mandate(request, person, form)
            if mandate is not None:
                details = {"mandate": mandate.pk, "account": mandate.bank_account_id}
                portal_event_record(person=person, action="mandate_signed", ip_address=client_ip(request),
                                    actor=request.user, details=details)  # fmt: skip
        if mandate is not None:
            messages.success(request, _("Je machtiging is vastgelegd. We schrijven voortaan automatisch af."))
            return redirect("web:portal_mandate")
    return _page(request, person, form, status=400)


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
