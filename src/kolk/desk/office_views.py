"""The Privacy Officer's office pages beyond the overview: who read a record, the partner exports,
a legal demand, the breach register and the art. 30 register.

Role: Privacy Officer only (allow(purpose="rights", roles=(PRIVACY_OFFICER,))). A
person is found by customer number, POSTed (personal data never in a URL); their
page goes through person_reach, so the officer's own look is logged too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kolk.core.errors import KolkError, NotFound
from kolk.core.roles import Role
from kolk.library import partners
from kolk.library.models import Branch
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.privacy import office
from kolk.privacy.disclosure import legal_demand_release
from kolk.privacy.gate import lookup_category
from kolk.privacy.models import Breach, Disclosure
from kolk.privacy.office import breaches_open
from kolk.privacy.permits import allow
from kolk.privacy.reads import releases, staff_reads
from kolk.privacy.register import get_register
from kolk.privacy.statement import article30_rows


class FindForm(forms.Form):
    customer_number = forms.CharField(label=_("Klantnummer of pasnummer"), max_length=14)


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def reads_find(request: HttpRequest) -> HttpResponse:
    """Find the person whose reads the officer wants to see (by customer number, POSTed)."""
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["customer_number"].strip()
        pk = Person.objects.filter(Q(customer_number=number) | Q(pass_number=number)).values_list("pk", flat=True)
        if pk:
            return redirect("desk:office_reads", pk=pk[0])
        form.add_error("customer_number", _("Geen persoon met dit klant- of pasnummer."))
    return render(request, "desk/privacy/office_reads_find.html", {"form": form})


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def reads(request: HttpRequest, pk: int) -> HttpResponse:
    """Who read this person's record, when, in which role and for which purpose; and every release."""
    person = person_reach(actor=request.user, person_id=pk, purpose="rights")
    context = {
        "person": person,
        "reads": staff_reads(person, lang=_lang()),
        "releases": releases(person, lang=_lang()),
    }
    return render(request, "desk/privacy/office_reads.html", context)


class ExportForm(forms.Form):
    recipient = forms.ChoiceField(
        label=_("Verstrekking"),
        choices=[
            ("R01", _("R01 Biblionet Drenthe: uitleningen")),
            ("R02", _("R02 Bibliotheken in Drenthe: uitleningen van hun exemplaren")),
            ("R03", _("R03 Koninklijke Bibliotheek: tellingen (geen personen)")),
            ("R04", _("R04 Datawarehouse van de KB: uitleningen per lid en maand, zonder naam")),
            ("R05", _("R05 Bibliotheek.nl: leden die luisterboeken leenden (naam, e-mail, pasnummer)")),
            ("R06", _("R06 Muziekweb: pasnummers van leden die muziek of film leenden")),
        ],
    )
    # Typed, not a date picker: the keyboard types a whole date (1-11-2026 or 2026-11-01) in one go.
    start = forms.DateField(label=_("Van (eerste dag)"), help_text=_("Bijvoorbeeld 1-11-2026."))
    end = forms.DateField(label=_("Tot (dag na de laatste)"), help_text=_("Bijvoorbeeld 1-12-2026."))
    branches = forms.MultipleChoiceField(
        label=_("Vestigingen van de partnerbibliotheken (alleen bij R02)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["branches"]
        assert isinstance(choice, forms.MultipleChoiceField)
        choice.choices = [(b.code, f"{b.name} ({b.code})") for b in Branch.objects.order_by("name")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("De einddatum ligt na de begindatum."))
        codes = list(data.get("branches") or [])
        if data.get("recipient") == "R02" and not codes:
            self.add_error("branches", _("Noem de vestigingen van de partnerbibliotheken."))
        data["branch_codes"] = codes
        return data


def _run_export(data: dict[str, Any], actor: Any) -> tuple[Disclosure, list[dict[str, Any]] | None]:
    start, end = data["start"], data["end"]
    if data["recipient"] == "R02":
        return partners.interlibrary_loans_export(branch_codes=data["branch_codes"], start=start, end=end, actor=actor)
    if data["recipient"] == "R03":
        return partners.kb_statistics_send(start=start, end=end, actor=actor), None
    return partners.PERIOD_EXPORTS[data["recipient"]](start=start, end=end, actor=actor)


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for k, v in row.items()})
    return out.getvalue()


def _what_went(d: Disclosure, register: Any) -> str:
    """The categories a release carried, in the reader's language (from its model and fields)."""
    if d.aggregate is not None:
        return str(_("alleen tellingen"))
    try:
        model = apps.get_model(d.model)
        keys = dict.fromkeys(lookup_category(model, f) for f in d.fields)
    except (LookupError, ValueError, KolkError):
        return ", ".join(d.fields)
    return ", ".join(register.categories[k].label.get(_lang()) for k in keys if k in register.categories)


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def exports(request: HttpRequest) -> HttpResponse:
    """Run a partner export (the file is the answer) and see what went to whom, with the number of people."""
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        disclosure, rows = _run_export(data, request.user)
        name = f"{data['recipient']}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
        if rows is None:
            body, kind, name = json.dumps(disclosure.aggregate, ensure_ascii=False), "application/json", name + ".json"
        else:
            body, kind, name = (
                _csv(rows, partners.EXPORT_FIELDS[data["recipient"]]),
                "text/csv; charset=utf-8",
                name + ".csv",
            )
        response = HttpResponse(body, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
    register = get_register()
    log = [
        {
            "when": d.disclosed_at,
            "recipient": register.recipients[d.recipient].name if d.recipient in register.recipients else d.recipient,
            "code": d.recipient,
            "purpose": register.purposes[d.purpose].label.get(_lang()) if d.purpose in register.purposes else d.purpose,
            "people": d.person_count,
            "aggregate": d.aggregate is not None,
            "what": _what_went(d, register),
            "by": d.disclosed_by,
        }
        for d in Disclosure.objects.select_related("disclosed_by").order_by("-disclosed_at")[:100]
    ]
    return render(request, "desk/privacy/office_exports.html", {"form": form, "log": log})


def _person_fields() -> dict[str, list[str]]:
    """The person's own fields per category of the field map (what a demand can ask for)."""
    by_category: dict[str, list[str]] = {}
    for name, category in Person.privacy.personal.items():
        field = Person._meta.get_field(name)
        if getattr(field, "concrete", False) and not field.is_relation:
            by_category.setdefault(category, []).append(name)
    return by_category


class DemandForm(forms.Form):
    authority = forms.CharField(label=_("Wie vordert (instantie)"), max_length=120)
    legal_ground = forms.CharField(label=_("Wettelijke grondslag"), max_length=200)
    officer_reference = forms.CharField(label=_("Kenmerk van de ambtenaar"), max_length=120)
    customer_number = forms.CharField(label=_("Klantnummer van de persoon"), max_length=12)
    categories = forms.MultipleChoiceField(label=_("Welke gegevens"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        register = get_register()
        choice = self.fields["categories"]
        assert isinstance(choice, forms.MultipleChoiceField)
        choice.choices = [(c, register.categories[c].label.get(_lang())) for c in _person_fields()]

    def clean_customer_number(self) -> int:
        found = list(
            Person.objects.filter(customer_number=self.cleaned_data["customer_number"].strip()).values_list(
                "pk", flat=True
            )[:1]
        )
        if not found:
            raise forms.ValidationError(_("Geen persoon met dit klantnummer."))
        return found[0]


@allow(purpose="legal_demand", roles=(Role.PRIVACY_OFFICER,))
def legal_demand(request: HttpRequest) -> HttpResponse:
    """Record a legal demand (who, on which ground, which person, which data) and hand over the file."""
    form = DemandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = person_reach(actor=request.user, person_id=data["customer_number"], purpose="legal_demand")
        by_category = _person_fields()
        fields = [name for category in data["categories"] for name in by_category[category]]
        disclosure, rows = legal_demand_release(
            authority=data["authority"],
            legal_ground=data["legal_ground"],
            officer_reference=data["officer_reference"],
            model=Person,
            fields=fields,
            queryset=Person.objects.filter(pk=person.pk),
            actor=request.user,
        )
        handed = {
            "demand": {
                "authority": data["authority"],
                "legal_ground": data["legal_ground"],
                "officer_reference": data["officer_reference"],
                "recorded_at": disclosure.disclosed_at.isoformat(),
            },
            "data": [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()} for row in rows],
        }
        response = HttpResponse(json.dumps(handed, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="vordering-{disclosure.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "desk/privacy/office_demand.html", {"form": form})


class BreachReportForm(forms.Form):
    reference = forms.CharField(label=_("Kenmerk van de Autoriteit Persoonsgegevens"), max_length=80)
    at = forms.DateTimeField(
        label=_("Gemeld op (leeg: nu)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class BreachAssessForm(forms.Form):
    categories = forms.MultipleChoiceField(label=_("Soorten gegevens"), widget=forms.CheckboxSelectMultiple)
    people_affected = forms.IntegerField(label=_("Aantal personen"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["categories"]
        assert isinstance(choice, forms.MultipleChoiceField)
        choice.choices = [(k, c.label.get(_lang())) for k, c in get_register().categories.items()]


class BreachReasonForm(forms.Form):
    reason = forms.CharField(label=_("Waarom niet gemeld (geen risico voor de personen)"), max_length=300)


class BreachCloseForm(forms.Form):
    note = forms.CharField(label=_("Afsluitende notitie"), max_length=500, required=False)


_BREACH_FORMS: dict[str, type[forms.Form]] = {
    "report": BreachReportForm,
    "assess": BreachAssessForm,
    "not_reported": BreachReasonForm,
    "informed": forms.Form,
    "close": BreachCloseForm,
}


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def breaches(request: HttpRequest) -> HttpResponse:
    """The open breaches, overdue (72 hours, not reported) first; the closed ones below."""
    closed = Breach.objects.filter(closed_at__isnull=False).order_by("-closed_at")[:50]
    return render(request, "desk/privacy/office_breaches.html", {"open": breaches_open(), "closed": closed})


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def breach(request: HttpRequest, pk: int) -> HttpResponse:
    """One breach followed through: reported (when, reference), what and how many, people told, closed."""
    found = Breach.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Niet gevonden."))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    initial = {"assess": {"people_affected": found.people_affected, "categories": found.categories}}
    forms_ = {
        key: cls(request.POST if key == action else None, prefix=key, initial=initial.get(key))
        for key, cls in _BREACH_FORMS.items()
    }
    if action in forms_ and forms_[action].is_valid():
        data = forms_[action].cleaned_data
        try:
            if action == "report":
                office.breach_reported(breach=found, reference=data["reference"], at=data["at"], actor=request.user)
            elif action == "assess":
                office.breach_assessed(
                    breach=found,
                    categories=data["categories"],
                    people_affected=data["people_affected"],
                    actor=request.user,
                )
            elif action == "not_reported":
                office.breach_not_reported(breach=found, reason=data["reason"], actor=request.user)
            elif action == "informed":
                office.breach_people_informed(breach=found, actor=request.user)
            else:
                office.breach_close(breach=found, note=data["note"], actor=request.user)
        except KolkError as exc:
            forms_[action].add_error(None, str(exc.message))
        else:
            messages.success(request, _("Vastgelegd."))
            return redirect("desk:office_breach", pk=found.pk)
    register = get_register()
    labels = [register.categories[c].label.get(_lang()) for c in found.categories if c in register.categories]
    return render(
        request, "desk/privacy/office_breach.html", {"breach": found, "forms": forms_, "category_labels": labels}
    )


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def register_view(request: HttpRequest) -> HttpResponse:
    """The GDPR art. 30 register, read from the register file: what the controller shows the AP on request."""
    rows = article30_rows(_lang())
    first = rows[0] if rows else {}
    activities: dict[str, list[dict[str, str]]] = {}
    for row in rows:  # the register's rows by activity: subjects, recipients and retention are the activity's
        activities.setdefault(row["activity"], []).append(row)
    context = {
        "rows": rows,
        "activities": list(activities.items()),
        "controller": first.get("controller", ""),
        "officer": first.get("privacy_officer", ""),
        "security": first.get("security", ""),
        "transfers": first.get("transfers", ""),
        "version": get_register().version,
    }
    return render(request, "desk/privacy/office_register.html", context)
