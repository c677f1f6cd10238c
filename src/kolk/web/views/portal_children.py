"""The portal's section for parents and guardians: consent for their children under 16.

Role: member (kolk.web.portal.member_required). The children are those the
member is parent or guardian of in the family relations; a child id sent by the
form goes through owned_or_404, so another child is "not found" and the attempt
is logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.core.clock import today
from kolk.core.errors import BadRequest, KolkError
from kolk.people.selectors import wards_of
from kolk.privacy.register import get_register
from kolk.privacy.subjects import CONSENT_AGE
from kolk.web.children import children_of, portal_child_consent_set
from kolk.web.portal import client_ip, member_required, owned_or_404, register_section

register_section("children", gettext_lazy("Mijn kinderen"), "web:portal_children", order=25)


def _lang() -> str:
    return (get_language() or "nl")[:2]


@member_required
def children(request: HttpRequest, person: Any) -> HttpResponse:
    """The member's children, with the consents a parent or guardian gives for a child under 16."""
    context = {"person": person, "children": children_of(person, _lang()), "consent_age": CONSENT_AGE}
    return render(request, "web/portal/children.html", context)


@require_POST
@member_required
def child_consent(request: HttpRequest, person: Any) -> HttpResponse:
    """Give or withdraw one consent for one child; the child's id comes in the form, never in the URL."""
    purpose, value = request.POST.get("purpose", ""), request.POST.get("value", "")
    child_id = request.POST.get("child", "")
    if purpose not in get_register().consent_purposes() or value not in ("0", "1") or not child_id.isdigit():
        raise BadRequest(_("Onbekende keuze."))
    child = owned_or_404(request, person, wards_of(person), child_id, owner="relations__relative")
    age = child.privacy_age(today())
    try:
        if age is not None and age >= CONSENT_AGE:
            raise KolkError(_("Vanaf %(age)d jaar beslist je kind zelf.") % {"age": CONSENT_AGE})
        portal_child_consent_set(
            guardian=person,
            child=child,
            purpose=purpose,
            given=value == "1",
            ip_address=client_ip(request),
            actor=request.user,
            lang=_lang(),
        )
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        label = get_register().purposes[purpose].label.get(_lang())
        text = (
            _("Toestemming gegeven voor %(name)s: %(what)s.")
            if value == "1"
            else _("Toestemming ingetrokken voor %(name)s: %(what)s.")
        )
        messages.success(request, text % {"name": child.given_name, "what": label})
    return redirect("web:portal_children")
