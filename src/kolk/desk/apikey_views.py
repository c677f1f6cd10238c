"""API keys of machine clients, for the administrator: make one (its key shown once), see them all, revoke one.

The page that shows a new key is answered straight from the POST and never
cached: the key is in no session, no message store and no redirect, so it
exists only in that one answer (and, hashed, in the database).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError
from kolk.core.roles import Role
from kolk.people.api_keys import (
    SCOPES,
    Status,
    api_client_create,
    api_client_get,
    api_client_revoke,
    api_clients_list,
    client_last_day,
    client_scopes,
    client_status,
)
from kolk.privacy.audit import actor_ref
from kolk.privacy.permits import allow


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Naam"),
        max_length=40,
        help_text=gettext_lazy("Kleine letters, cijfers en streepjes, zoals 'uitmarkt-assen'."),
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisatie"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("De partnerorganisatie; geen naam van een persoon."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Mag handelen als"),
        choices=[(role.value, role.label) for role in SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Geldig tot en met"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _rows() -> list[dict[str, Any]]:
    at = now()
    labels = {role.value: role.label for role in SCOPES}
    return [
        {
            "client": client,
            "scopes": [labels[scope] for scope in client_scopes(client)],
            "status": client_status(client, at),
            "last_day": client_last_day(client),
            "actor": actor_ref(client.user),
        }
        for client in api_clients_list()
    ]


@allow(roles=(Role.ADMINISTRATOR,))
@never_cache
def apikeys(request: HttpRequest) -> HttpResponse:
    """The clients, and a form for a new one; after it is made, its key, this once."""
    form = ApiClientForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_client_create(**form.cleaned_data, actor=request.user)
        except Invalid as exc:
            for name, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            form = ApiClientForm()
    context = {"form": form, "issued": issued, "rows": _rows(), "active": Status.ACTIVE}
    return render(request, "desk/apikeys/list.html", context)


@allow(roles=(Role.ADMINISTRATOR,))
@require_POST
def apikey_revoke(request: HttpRequest) -> HttpResponse:
    client = api_client_get(request.POST.get("client", ""))
    if client is None:
        messages.error(request, _("Die sleutel bestaat niet (meer)."))
        return redirect("desk:apikeys")
    try:
        api_client_revoke(client=client, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("De sleutel van %(name)s is ingetrokken.") % {"name": client.name})
    return redirect("desk:apikeys")
