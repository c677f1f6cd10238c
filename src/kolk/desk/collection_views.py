"""The collection at the desk (library staff): catalogue a title with its copies, import MARC, a copy's status, a label."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kolk.core.errors import KolkError, NotFound
from kolk.core.roles import Role
from kolk.desk.library_views import focus_first
from kolk.desk.workplace import workstation_of
from kolk.library.models import Branch, Copy, MediaType, Title
from kolk.library.services.catalogue import (
    STATUS_BY_HAND,
    copy_add,
    copy_status_set,
    marc_import,
    title_with_copies_create,
)
from kolk.privacy.permits import allow

CATALOGUING = {"purpose": "loan_administration", "roles": (Role.LIBRARY_STAFF,)}
MARC_MAX_BYTES = 20 * 1024 * 1024


class TitleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=300)
    authors = forms.CharField(label=gettext_lazy("Makers"), max_length=300, required=False)
    media_type = forms.ChoiceField(label=gettext_lazy("Soort"), choices=MediaType.choices, initial=MediaType.BOOK)
    isbn = forms.CharField(label=gettext_lazy("ISBN"), max_length=17, required=False)
    year = forms.IntegerField(label=gettext_lazy("Jaar"), min_value=1000, max_value=2100, required=False)
    subjects = forms.CharField(label=gettext_lazy("Onderwerpen"), max_length=300, required=False)
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Vestiging van de exemplaren"),
        queryset=Branch.objects.order_by("name"),
        to_field_name="code",
    )
    barcodes = forms.CharField(
        label=gettext_lazy("Barcodes van de exemplaren"),
        help_text=gettext_lazy("Scan ze, één per regel: de Enter van de scanner begint een nieuwe regel."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def barcode_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("barcodes", "").splitlines() if line.strip()]


def _errors_to(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@allow(**CATALOGUING)  # type: ignore[arg-type]
def catalogue(request: HttpRequest) -> HttpResponse:
    """Catalogue a new title and its copies in one step; or (?opzoeken) find a copy by scanning it."""
    if request.method == "GET" and ("opzoeken" in request.GET or "exemplaar" in request.GET):
        return _copy_find(request)
    here = workstation_of(request)
    form = TitleForm(request.POST or None, initial={"branch": here.code if here else None})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {k: d[k] for k in ("title", "authors", "media_type", "isbn", "year", "subjects")}
        try:
            title, copies = title_with_copies_create(
                values=values, barcodes=form.barcode_list(), branch=d["branch"], actor=request.user
            )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(
                request, _("Gecatalogiseerd: %(title)s, %(n)d exemplaren.") % {"title": title.title, "n": len(copies)}
            )
            return redirect("desk:library_title", pk=title.pk)
    focus_first(form, "title")
    return render(request, "desk/library/catalogue.html", {"form": form})


def _copy_find(request: HttpRequest) -> HttpResponse:
    """Scan a copy to change its status or print its label: its title's page opens with the copy's status ready.

    A GET (a barcode is no personal data), on the catalogue's own address.
    """
    barcode = request.GET.get("exemplaar", "").strip()[:20]
    if barcode:
        copy = Copy.objects.filter(barcode=barcode).only("pk", "title_id").first()
        if copy is not None:
            return redirect(f"{reverse('desk:library_title', args=[copy.title_id])}?exemplaar={copy.pk}")
        messages.error(
            request,
            _("Onbekende barcode: %(code)s. Scan opnieuw, of typ het nummer onder de streepjescode.")
            % {"code": barcode},
        )
    return render(request, "desk/library/copy_find.html", {})


def _title(pk: int) -> Title:
    title = Title.objects.filter(pk=pk).first()
    if title is None:
        raise NotFound(_("Onbekende titel."))
    return title


@allow(**CATALOGUING)  # type: ignore[arg-type]
def title_page(request: HttpRequest, pk: int) -> HttpResponse:
    title = _title(pk)
    here = workstation_of(request)
    if request.method == "POST":
        branch = Branch.objects.filter(code=request.POST.get("branch", "")).first() or here
        if branch is None:
            messages.error(request, _("Kies een vestiging."))
        else:
            try:
                copy_add(title=title, barcode=request.POST.get("barcode", "")[:20], branch=branch, actor=request.user)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, _("Exemplaar toegevoegd."))
        return redirect("desk:library_title", pk=title.pk)
    copies = list(title.copies.select_related("branch", "transit_to").order_by("barcode"))
    return render(
        request,
        "desk/library/title.html",
        {
            "title_": title,
            "copies": copies,
            "to_label": [c for c in copies if c.status != Copy.Status.WITHDRAWN],
            "branches": list(Branch.objects.order_by("name")),
            "here": here,
            "statuses": [(s.value, s.label) for s in STATUS_BY_HAND],
            "scanned": int(request.GET["exemplaar"]) if request.GET.get("exemplaar", "").isdigit() else None,
        },
    )


def _copy(pk: int) -> Copy:
    copy = Copy.objects.select_related("title", "branch").filter(pk=pk).first()
    if copy is None:
        raise NotFound(_("Onbekend exemplaar."))
    return copy


@require_POST
@allow(**CATALOGUING)  # type: ignore[arg-type]
def copy_status(request: HttpRequest, pk: int) -> HttpResponse:
    copy = _copy(pk)
    try:
        copy = copy_status_set(copy=copy, status=request.POST.get("status", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(code)s: %(status)s.") % {"code": copy.barcode, "status": copy.get_status_display()}
        )
    return redirect("desk:library_title", pk=copy.title_id)


@allow(**CATALOGUING)  # type: ignore[arg-type]
def copy_label(request: HttpRequest, pk: int) -> HttpResponse:
    """A barcode label to print: the copy's barcode as Code 128, drawn on the server.

    With ?alle, the labels of all the title's copies that are not withdrawn (two copies just
    catalogued: one print), each on its own label.
    """
    from kolk.desk.labels import code128_svg

    copy = _copy(pk)
    copies = [copy]
    if "alle" in request.GET:
        copies = list(
            copy.title.copies.exclude(status=Copy.Status.WITHDRAWN)
            .select_related("title", "branch")
            .order_by("barcode")
        ) or [copy]
    labels = [(c, code128_svg(c.barcode)) for c in copies]
    return render(request, "desk/library/label.html", {"copy": copy, "labels": labels})


@allow(**CATALOGUING)  # type: ignore[arg-type]
def marc_upload(request: HttpRequest) -> HttpResponse:
    """Import a MARC21 file (ISO 2709 or MARC-XML) like `kolk library import-marc`: the same service, the same rules."""
    result: Any = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        branch = request.POST.get("branch", "")
        if upload is None:
            error = _("Kies een MARC-bestand.")
        elif (upload.size or 0) > MARC_MAX_BYTES:
            error = _("Dit bestand is te groot (meer dan 20 MB): vraag de beheerder het in te lezen.")
        else:
            try:
                result = marc_import(stream=io.BytesIO(upload.read()), actor=request.user, branch_code=branch)
            except KolkError as exc:
                error = str(exc.message)
        if error:
            messages.error(request, error)
    return render(
        request,
        "desk/library/marc.html",
        {"result": result, "branches": list(Branch.objects.order_by("name")), "here": workstation_of(request)},
    )
