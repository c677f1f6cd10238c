"""The portal's "Wat we van je weten": the access package a member reads (art. 15), on screen and as PDF.

Role: member (kolk.web.portal.member_required), their own data only: no id in the URL.
The page reads per purpose what we hold, why, on which basis, until when and who else
received it; the full detail is the portable JSON download (web:portal_download).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy

from kolk.privacy.access import access_package, readable
from kolk.web.portal import client_ip, member_required, register_section
from kolk.web.services import portal_event_record

register_section("my_data", gettext_lazy("Wat we van je weten"), "web:portal_my_data", order=85)


def _context(request: HttpRequest, person: Any) -> dict[str, Any]:
    lang = "en" if (get_language() or "nl").startswith("en") else "nl"
    package = access_package(subject=person, actor=request.user, lang=lang)
    return {"person": person, "package": package, "read": readable(package)}


@member_required
def my_data(request: HttpRequest, person: Any) -> HttpResponse:
    """The member's data by purpose, in plain words, with the PDF and the full download."""
    return render(request, "web/portal/my_data.html", _context(request, person))


@member_required
def my_data_pdf(request: HttpRequest, person: Any) -> HttpResponse:
    """The same as a PDF to keep."""
    from weasyprint import HTML  # a heavy import, for this download only

    portal_event_record(person=person, action="download", ip_address=client_ip(request), actor=request.user)
    html = render_to_string("web/portal/my_data_document.html", _context(request, person), request=request)
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dnk-mijn-gegevens-{person.customer_number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
