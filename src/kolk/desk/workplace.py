"""The staff workplace: the menu of tools a role may use, and the workstation.

The menu is read from the pages' own declarations (`.permit`, kolk.privacy.permits):
a tool shows when the signed-in user passes the page's declaration, so the menu
and what the page lets in cannot drift. The workstation is the branch the staff
member works at: chosen at sign-in or in the menu, kept in the session and
remembered by the device (a signed cookie), else the staff member's own branch
(set by an administrator).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kolk.core.actors import Actor
from kolk.core.errors import Invalid, NotFound
from kolk.core.roles import Role, has_role
from kolk.desk.views import STAFF
from kolk.library.models import Branch
from kolk.people.models import User
from kolk.people.services import staff_home_branch_set
from kolk.privacy.permits import allow, permit_of

WORKSTATION = "desk_branch"  # the session's choice
DEVICE_COOKIE = "kolk_werkplek"  # the device's: a signed branch code
DEVICE_SALT = "kolk.desk.workstation"
DEVICE_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie
LENDING_ROLES = (Role.DESK, Role.LIBRARY_STAFF)  # who works at a branch's desk


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
    Tool("desk:library_letters", _("Brieven"), "r"),
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
    Tool("desk:staff_branches", _("Medewerkers"), "w"),
)


# Pages under another tool's URL that belong to this one (url name: the tool's url name).
PART_OF = {
    "library_title": "desk:library_catalogue",
    "library_copy_status": "desk:library_catalogue",
    "library_label": "desk:library_catalogue",
}


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
    # The longest matching URL is the current tool (/balie/bieb/innemen/ is Innemen, not Bibliotheek);
    # a page that lives elsewhere but belongs to a tool (a title's page: Catalogus) names it in PART_OF.
    try:
        owner = PART_OF.get(resolve(path).url_name or "") if path else None
    except Resolver404:
        owner = None
    best = next((i for i in items if owner and i.url == reverse(owner)), None) or max(
        (i for i in items if path.startswith(i.url)), key=lambda i: len(i.url), default=None
    )
    return [MenuItem(i.url, i.label, i.key, i is best) for i in items]


def _device_branch(request: HttpRequest) -> str:
    """The branch code this device remembers (a signed cookie; a branch code is no personal data)."""
    code = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT, max_age=DEVICE_SECONDS)
    return str(code or "")


def _chosen(request: HttpRequest) -> str:
    """The workstation chosen in this session, else the one this device remembers."""
    session = getattr(request, "session", None)
    return str((session.get(WORKSTATION) if session is not None else "") or _device_branch(request))


def workstation_of(request: HttpRequest) -> Branch | None:
    """The branch this desk works at: chosen here, remembered by the device, else the staff member's own branch.

    Read once per request (the page and its menu ask alike).
    """
    if hasattr(request, "_kolk_workstation"):
        return request._kolk_workstation  # type: ignore[no-any-return]
    code = _chosen(request) or str(getattr(getattr(request, "user", None), "home_branch", "") or "")
    branch = Branch.objects.filter(code=code).first() if code else None
    request._kolk_workstation = branch  # type: ignore[attr-defined]
    return branch


def _remember(request: HttpRequest, response: HttpResponse, branch: Branch) -> HttpResponse:
    """Keep the choice for this session and on this device (the next sign-in here asks no more)."""
    request.session[WORKSTATION] = branch.code
    request._kolk_workstation = branch  # type: ignore[attr-defined]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        branch.code,
        salt=DEVICE_SALT,
        max_age=DEVICE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def workstation_to_choose(request: HttpRequest) -> bool:
    """True when a staff member who lends signs in on a device that remembers no workstation, and there
    is more than one branch to work at. With one branch there is nothing to ask: this session works there."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, *LENDING_ROLES) or _chosen(request):
        return False
    only = list(Branch.objects.order_by("pk")[:2])
    if len(only) == 1:  # one branch: nothing to ask, it is where this desk works
        request.session[WORKSTATION] = only[0].code
    return len(only) > 1


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("desk:home")
    return back


def _branch_posted(request: HttpRequest) -> Branch:
    branch = Branch.objects.filter(code=request.POST.get("branch", "")).first()
    if branch is None:
        raise Invalid(_("Kies een vestiging."), fields={"branch": [str(_("Kies een vestiging."))]})
    return branch


@require_POST
@allow(roles=STAFF)
def workstation_set(request: HttpRequest) -> HttpResponse:
    """Choose the branch this desk works at; back to the page the choice was made on."""
    branch = _branch_posted(request)
    return _remember(request, redirect(_back(request)), branch)


@never_cache
@require_http_methods(["GET", "POST"])
@allow(roles=STAFF)
def workstation_pick(request: HttpRequest) -> HttpResponse:
    """Right after signing in: where do you work today? One button per branch, your own branch first and
    focused (Enter takes it); the device remembers the choice."""
    if request.method == "POST":
        return _remember(request, redirect(_back(request)), _branch_posted(request))
    branches = list(Branch.objects.order_by("name"))
    own = str(getattr(request.user, "home_branch", "") or "")
    branches.sort(key=lambda b: b.code != own)  # stable: the rest stays in the order of their names
    return render(request, "desk/workstation_pick.html", {"branches": branches, "own": own, "next": _back(request)})


class StaffLoginView(LoginView):
    """The staff sign-in; a staff member who lends, on a device that remembers no workstation, chooses it next
    (after the second factor, for those who need one: the gate sends them there first)."""

    template_name = "desk/login.html"

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if workstation_to_choose(self.request):
            return f"{reverse('desk:workstation_pick')}?{urlencode({'next': url})}"
        return url


@allow(roles=(Role.ADMINISTRATOR,))
def staff_branches(request: HttpRequest) -> HttpResponse:
    """Administrators give each staff member their own branch: the workstation after sign-in by default."""
    branches = list(Branch.objects.order_by("name"))
    if request.method == "POST":
        user = User.objects.filter(pk=request.POST.get("user", "") or 0, person__isnull=True).first()
        code = request.POST.get("branch", "")
        if user is None:
            raise NotFound(_("Onbekende medewerker."))
        if code and code not in {b.code for b in branches}:
            raise Invalid(_("Kies een vestiging."), fields={"branch": [str(_("Kies een vestiging."))]})
        staff_home_branch_set(user=user, branch_code=code, actor=request.user)
        names = {b.code: b.name for b in branches}
        messages.success(
            request,
            _("%(user)s werkt in %(branch)s.") % {"user": user.get_username(), "branch": names[code]}
            if code
            else _("%(user)s heeft geen eigen vestiging meer.") % {"user": user.get_username()},
        )
        return redirect("desk:staff_branches")
    staff = list(
        User.objects.filter(person__isnull=True, is_active=True, groups__isnull=False).distinct().order_by("username")
    )
    return render(request, "desk/staff_branches.html", {"staff": staff, "branches": branches})
