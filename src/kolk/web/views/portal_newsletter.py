"""The portal's "Mijn nieuwsbrief": a member signs up (confirmed by the link in a mail), sees where it
stands, and leaves. Role: member (kolk.web.portal.member_required), their own subscription only.

Signing up here is double opt-in like on the public page: the mail goes to the member's
primary address, and the newsletter only once the link in it is used.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kolk.comms.newsletter import newsletter_subscribe, newsletter_unsubscribe
from kolk.comms.selectors import newsletter_pending_of, newsletter_subscription_of
from kolk.core.errors import KolkError
from kolk.web.portal import member_required, register_section

register_section("newsletter", gettext_lazy("Mijn nieuwsbrief"), "web:portal_newsletter", order=75)


def _primary_address(person: Any) -> str:
    return person.emails.order_by("-is_primary", "id").values_list("address", flat=True).first() or ""


@member_required
@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest, person: Any) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("action") == "leave":
                subscription = newsletter_subscription_of(person)
                if subscription is not None:
                    newsletter_unsubscribe(subscription=subscription, actor=request.user, method="web")
                messages.success(request, _("Je bent afgemeld voor de nieuwsbrief. Dit geldt meteen."))
            else:
                newsletter_subscribe(person=person, source="portal", language=get_language(), actor=request.user)
                messages.success(
                    request, _("Kijk in je mail: bevestig je aanmelding met de link die we je hebben gestuurd.")
                )
        except (ValidationError, KolkError):
            messages.error(
                request, _("We hebben geen e-mailadres van je. Vul het in bij Mijn gegevens en probeer het opnieuw.")
            )
        return redirect("web:portal_newsletter")
    context = {
        "person": person,
        "subscription": newsletter_subscription_of(person),
        "pending": newsletter_pending_of(person),
        "address": _primary_address(person),
    }
    return render(request, "web/portal/newsletter.html", context)
