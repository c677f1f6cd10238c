"""The staff workplace: the menu of tools a role may use, and the workstation.

The menu is read from the pages' own declarations (`.permit`, kolk.privacy.permits):
a tool shows when the signed-in user passes the page's declaration, so the menu
and what the page lets in cannot drift. The workstation is the branch the staff
member works at, chosen in the menu and kept in the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kolk.core.actors import Actor
from kolk.core.errors import Invalid
from kolk.desk.views import STAFF
from kolk.library.models import Branch
from kolk.privacy.permits import allow, permit_of

WORKSTATION = "desk_branch"


@dataclass(frozen=True)
class Tool:
    url_name: str
    label: str | Promise
    key: str  # the access key (Alt+key, Alt+Shift+key in Firefox)


# The main tools, in the order of the menu. A tool whose page does not exist
# (yet) or whose declaration does not admit the user is left out.
TOOLS = (
    Tool("desk:library_find", _("Bibliotheek"), "b"),
    Tool("desk:library_checkin", _("Innemen"), "i"),
    Tool("desk:library_pulls", _("Klaarleggen"), "l"),
    Tool("desk:library_register", _("Inschrijven"), "n"),
    Tool("desk:library_catalogue", _("Catalogus"), "t"),
    Tool("desk:boxoffice", _("Kassa"), "k"),
    Tool("desk:boxoffice_door", _("Deur"), "d"),
    Tool("desk:comms_cases", _("Contact"), "c"),
    Tool("desk:comms_campaigns", _("Nieuwsbrief"), "m"),
    Tool("desk:comms_offers", _("Aanbiedingen"), "a"),
    Tool("desk:person_find", _("Personen"), "p"),
    Tool("desk:privacy_office", _("Privacy"), "v"),
    Tool("desk:apikeys", _("API-sleutels"), "s"),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    key: str
    current: bool


def tools_for(user: Actor, path: str = "") -> list[MenuItem]:
    """The tools `user` may open, each once, the one `path` is under marked current."""
    items: list[MenuItem] = []
    for tool in TOOLS:
        try:
            url = reverse(tool.url_name)
        except NoReverseMatch:
            continue
        permit = permit_of(resolve(url).func)
        if permit is None or not permit.admits(user):
            continue
        items.append(MenuItem(url, str(tool.label), tool.key, False))
    # The longest matching URL is the current tool (/balie/bieb/innemen/ is Innemen, not Bibliotheek).
    best = max((i for i in items if path.startswith(i.url)), key=lambda i: len(i.url), default=None)
    return [MenuItem(i.url, i.label, i.key, i is best) for i in items]


def workstation_of(request: HttpRequest) -> Branch | None:
    """The branch this desk works at, if one was chosen."""
    code = request.session.get(WORKSTATION) if hasattr(request, "session") else None
    return Branch.objects.filter(code=code).first() if code else None


@require_POST
@allow(roles=STAFF)
def workstation_set(request: HttpRequest) -> HttpResponse:
    """Choose the branch this desk works at; back to the page the choice was made on."""
    branch = Branch.objects.filter(code=request.POST.get("branch", "")).first()
    if branch is None:
        raise Invalid(_("Kies een vestiging."), fields={"branch": [str(_("Kies een vestiging."))]})
    request.session[WORKSTATION] = branch.code
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("desk:home")
    return redirect(back or reverse("desk:home"))
