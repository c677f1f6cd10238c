"""The portal's "Wie heeft mijn gegevens bekeken": staff reads and partner releases of the member's data.

Role: member (kolk.web.portal.member_required), their own data only. Staff reads are
shown by role and purpose, never by a colleague's name; every partner release and
legal demand from the disclosure log. Where a purpose rests on legitimate interest the
member can object: one click where the portal offers it (the existing objection flow,
web:portal_choice_change), otherwise a request (web:portal_rights).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy

from kolk.privacy.reads import releases, staff_reads
from kolk.web.portal import member_required, register_section
from kolk.web.selectors import one_click_objections

register_section("reads", gettext_lazy("Wie heeft mijn gegevens bekeken"), "web:portal_reads", order=86)


@member_required
def reads(request: HttpRequest, person: Any) -> HttpResponse:
    lang = "en" if (get_language() or "nl").startswith("en") else "nl"
    one_click = {purpose for purpose, channels in one_click_objections() if not channels}
    context = {
        "person": person,
        "reads": staff_reads(person, lang=lang),
        "releases": releases(person, lang=lang),
        "one_click": one_click,
    }
    return render(request, "web/portal/reads.html", context)
