"""Desk pages of the library (role: desk or library staff).

Register a member or a family, a member's page (subscription, loans,
reservations, blocks, open amounts), checkout and check-in by scanning (a
keyboard-wedge scanner types the barcode and presses Enter: the input has
autofocus and the form submits on Enter), reserve, block and unblock.
Each view parses the request, calls one service or selector, and renders.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kolk.core.errors import KolkError, NotFound
from kolk.core.forms import refusal_to_form
from kolk.library.models import Block, Branch, Loan, Reservation, SubscriptionType, Title
from kolk.library.selectors import member_overview
from kolk.library.services.invoicing import fees_invoice
from kolk.library.services.members import block_lift, block_set, subscription_cancel, subscription_start
from kolk.library.services.registration import NewPerson, members_register, pass_number_check, possible_duplicates
from kolk.library.services.reservations import reservation_cancel, reservation_place
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow

CHILDREN = 3


def _refusal(request: HttpRequest, exc: KolkError | ValidationError) -> None:
    text = str(exc.message) if isinstance(exc, KolkError) else "; ".join(exc.messages)
    messages.error(request, text)


def _person(request: HttpRequest, pk: int, purpose: str = "lending", *, viewed: bool = False) -> Person:
    """The member the desk acts for; acts are audited by their service, a look at the page as a staff read."""
    return person_reach(actor=request.user, person_id=pk, purpose=purpose, load=person_detail, viewed=viewed)


def _owner(request: HttpRequest, record: Loan | Block | Reservation, purpose: str = "lending") -> None:
    """The record's member must be one the desk may act for (kolk.people.reach)."""
    if record.person_id is None:
        raise NotFound()
    person_reach(actor=request.user, person_id=record.person_id, purpose=purpose, record=record, viewed=False)


# A date as it is on a Dutch ID card and as people say it: day, month, year; with or without dashes.
# A text field, not the browser's date picker: that one's order follows the computer's language, and
# typing 25041984 into an American one gives the year 41984. ISO is still read (a pasted date).
DATE_FORMATS = ["%d-%m-%Y", "%d%m%Y", "%d/%m/%Y", "%d.%m.%Y", "%d %m %Y", "%Y-%m-%d"]


def _date(label: str | Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": gettext_lazy("Schrijf de datum als dag-maand-jaar, zoals 25-04-1984.")},
        widget=forms.DateInput(
            attrs={
                "placeholder": gettext_lazy("dd-mm-jjjj"),
                "inputmode": "numeric",
                "autocomplete": "off",
                "size": 10,
            },
            format="%d-%m-%Y",
        ),
    )


def focus_first(form: forms.Form, default: str) -> None:
    """The cursor starts in the first field with an error, or else in `default` (autofocus)."""
    name = next((n for n in form.fields if n in form.errors), default) if form.is_bound else default
    if name in form.fields:
        form.fields[name].widget.attrs["autofocus"] = True


class RegisterForm(forms.Form):
    """First names first, date fields, phone, the new card scanned, the consent questions asked."""

    adult1_given = forms.CharField(label=gettext_lazy("Voornaam"), max_length=80)
    surname_prefix = forms.CharField(label=gettext_lazy("Tussenvoegsel"), max_length=20, required=False)
    surname = forms.CharField(label=gettext_lazy("Achternaam"), max_length=120)
    adult1_born = _date(gettext_lazy("Geboortedatum"))
    adult1_email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    adult1_phone = forms.CharField(label=gettext_lazy("Telefoon"), max_length=20, required=False)
    adult1_pass = forms.CharField(
        label=gettext_lazy("Pasnummer (scan de nieuwe pas)"),
        max_length=14,
        required=False,
        help_text=gettext_lazy("Leeg laten: kolk maakt een pasnummer."),
    )
    street = forms.CharField(label=gettext_lazy("Straat"), max_length=120)
    house_number = forms.IntegerField(label=gettext_lazy("Huisnummer"), min_value=1)
    house_number_suffix = forms.CharField(label=gettext_lazy("Toevoeging"), max_length=10, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=7)
    town = forms.CharField(label=gettext_lazy("Woonplaats"), max_length=80)
    adult2_given = forms.CharField(label=gettext_lazy("Voornaam partner"), max_length=80, required=False)
    adult2_born = _date(gettext_lazy("Geboortedatum partner"), required=False)
    adult2_email = forms.EmailField(label=gettext_lazy("E-mail partner"), required=False)
    adult2_phone = forms.CharField(label=gettext_lazy("Telefoon partner"), max_length=20, required=False)
    adult2_pass = forms.CharField(label=gettext_lazy("Pasnummer partner"), max_length=14, required=False)
    type = forms.ModelChoiceField(
        label=gettext_lazy("Abonnement"),
        queryset=SubscriptionType.objects.filter(active=True, is_school=False).order_by("name"),
        to_field_name="code",
        empty_label=gettext_lazy("kies een abonnement"),
    )
    id_seen = forms.BooleanField(label=gettext_lazy("Identiteitsbewijs gezien"), required=False)
    no_newsletter = forms.BooleanField(
        label=gettext_lazy("Geen nieuwsbrief"),
        help_text=gettext_lazy("Nieuwe leden krijgen de nieuwsbrief op hun e-mailadres. Vraag of dat goed is."),
        required=False,
    )
    reading_advice = forms.BooleanField(
        label=gettext_lazy("Ja, herinneringen en leesadvies"),
        help_text=gettext_lazy(
            "Vraag: wil je herinneringen en leesadvies op basis van wat je leent? Alleen aanvinken als het lid ja zegt."
        ),
        required=False,
    )
    confirm_new = forms.BooleanField(
        label=gettext_lazy("Geen van deze: toch nieuw inschrijven"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, CHILDREN + 1):
            self.fields[f"child{i}_given"] = forms.CharField(
                label=_("Voornaam kind %(n)d") % {"n": i}, max_length=80, required=False
            )
            self.fields[f"child{i}_born"] = _date(_("Geboortedatum kind %(n)d") % {"n": i}, required=False)
            self.fields[f"child{i}_pass"] = forms.CharField(
                label=_("Pasnummer kind %(n)d") % {"n": i}, max_length=14, required=False
            )

    GROUPS = (
        (gettext_lazy("Lid"), ("adult1_given", "surname_prefix", "surname", "adult1_born", "adult1_email",
                               "adult1_phone", "adult1_pass")),
        (gettext_lazy("Adres"), ("street", "house_number", "house_number_suffix", "postcode", "town")),
        (gettext_lazy("Abonnement en vragen"), ("type", "id_seen", "no_newsletter", "reading_advice")),
        (gettext_lazy("Partner (leeg laten als er geen is)"), ("adult2_given", "adult2_born", "adult2_email",
                                                               "adult2_phone", "adult2_pass")),
    )  # fmt: skip

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the order the desk asks them, under a heading each; the children last."""
        out = [(str(legend), [self[name] for name in names]) for legend, names in self.GROUPS]
        kids = [
            self[n] for i in range(1, CHILDREN + 1) for n in (f"child{i}_given", f"child{i}_born", f"child{i}_pass")
        ]
        return [*out, (str(_("Kinderen (leeg laten als er geen zijn)")), kids)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scanned: set[str] = set()
        for name in [n for n in self.fields if n.endswith("_pass")]:
            number = (data.get(name) or "").strip()
            if not number:
                continue
            try:
                data[name] = pass_number_check(number)
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if number in scanned:
                self.add_error(name, _("Deze pas is hierboven al gescand."))
            scanned.add(number)
        if data.get("adult2_given") and not data.get("adult2_born"):
            self.add_error("adult2_born", _("Vul de geboortedatum in."))
        for i in range(1, CHILDREN + 1):
            if data.get(f"child{i}_given") and not data.get(f"child{i}_born"):
                self.add_error(f"child{i}_born", _("Vul de geboortedatum in."))
        return data

    def people(self) -> tuple[list[NewPerson], list[NewPerson]]:
        d = self.cleaned_data
        adults = [
            NewPerson(
                d["adult1_given"], d["adult1_born"], d.get("adult1_email") or "", d.get("adult1_phone") or "",
                d.get("adult1_pass") or "",
            )
        ]  # fmt: skip
        if d.get("adult2_given"):
            adults.append(
                NewPerson(
                    d["adult2_given"], d["adult2_born"], d.get("adult2_email") or "", d.get("adult2_phone") or "",
                    d.get("adult2_pass") or "",
                )
            )  # fmt: skip
        children = [
            NewPerson(d[f"child{i}_given"], d[f"child{i}_born"], pass_number=d.get(f"child{i}_pass") or "")
            for i in range(1, CHILDREN + 1)
            if d.get(f"child{i}_given")
        ]
        return adults, children


@allow(purpose="lending")
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    duplicates: list[Person] = []
    if request.method == "POST" and form.is_valid():
        adults, children = form.people()
        d = form.cleaned_data
        if not d["confirm_new"]:
            duplicates = possible_duplicates(surname=d["surname"], people=[*adults, *children])
        if duplicates:
            data = request.POST.copy()
            data["confirm_new"] = "on"  # the next send, after looking, makes the new record
            form = RegisterForm(data)
            form.is_valid()
            return render(request, "desk/library/register.html", {"form": form, "duplicates": duplicates})
        try:
            people = members_register(
                adults=adults,
                children=children,
                surname=d["surname"],
                surname_prefix=d["surname_prefix"],
                address={
                    "street": d["street"],
                    "house_number": d["house_number"],
                    "house_number_suffix": d["house_number_suffix"],
                    "postcode": d["postcode"],
                    "town": d["town"],
                },
                type=d["type"],
                id_seen=d["id_seen"],
                newsletter=not d["no_newsletter"],
                reading_advice=d["reading_advice"],
                actor=request.user,
            )
        except ValidationError as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, _("Ingeschreven: %(n)d personen.") % {"n": len(people)})
            return redirect("desk:library_member", pk=people[0].pk)
    focus_first(form, "adult1_given")
    return render(request, "desk/library/register.html", {"form": form, "duplicates": duplicates})


@require_POST
@allow(purpose="loan_administration")
def block(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, "loan_administration")
    try:
        block_set(
            person=person,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", "")[:200],
            actor=request.user,
        )
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Geblokkeerd."))
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="loan_administration")
def unblock(request: HttpRequest, pk: int) -> HttpResponse:
    standing = Block.objects.filter(pk=pk).select_related("person").first()
    if standing is None:
        raise NotFound()
    _owner(request, standing, "loan_administration")
    block_lift(block=standing, actor=request.user)
    messages.success(request, _("Blokkering opgeheven."))
    return redirect("desk:library_member", pk=standing.person_id)


@require_POST
@allow(purpose="lending")
def reserve(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    title = Title.objects.filter(pk=request.POST.get("title", "0") or 0).first()
    branch = Branch.objects.filter(code=request.POST.get("branch", "")).first()
    if title is None or branch is None:
        messages.error(request, _("Kies een titel en een vestiging."))
        return redirect("desk:library_member", pk=pk)
    try:
        reservation = reservation_place(title=title, person=person, pickup_branch=branch, actor=request.user)
    except KolkError as exc:
        _refusal(request, exc)
    else:
        if reservation.status == Reservation.Status.READY:
            messages.success(
                request,
                _("Gereserveerd; exemplaar %(code)s staat in de kast: leg het klaar.") % {"code": reservation.copy},
            )
        else:
            messages.success(request, _("Gereserveerd; in de wachtrij."))
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="lending")
def reservation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = Reservation.objects.filter(pk=pk).select_related("person").first()
    if reservation is None:
        raise NotFound()
    _owner(request, reservation)
    try:
        reservation_cancel(reservation=reservation, actor=request.user)
    except KolkError as exc:
        _refusal(request, exc)
    return redirect("desk:library_member", pk=reservation.person_id)


@require_POST
@allow(purpose="lending")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    subscription = member_overview(person)["subscription"]
    if subscription is None:
        raise NotFound(_("Dit lid heeft geen lopend abonnement."))
    try:
        subscription_cancel(
            subscription=subscription,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", "")[:200],
            actor=request.user,
        )
    except (KolkError, ValidationError) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Opgezegd; het abonnement loopt tot de verlengdatum."))
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="invoicing")
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """Invoice the member's open amounts now (the daily job does it otherwise)."""
    person = _person(request, pk, "invoicing")
    try:
        invoices = fees_invoice(person=person, actor=request.user)
    except (KolkError, ValidationError) as exc:
        _refusal(request, exc)
    else:
        if invoices:
            messages.success(
                request, _("Gefactureerd: %(numbers)s.") % {"numbers": ", ".join(i.number for i in invoices)}
            )
        else:
            messages.warning(request, _("Niets nieuw gefactureerd: deze bedragen staan al op een factuur."))
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="lending")
def subscribe(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a subscription for a known person (a child under 16 names a guardian by pass number)."""
    person = _person(request, pk)
    kind = SubscriptionType.objects.filter(code=request.POST.get("type", ""), active=True, is_school=False).first()
    guardian_pass = request.POST.get("guardian", "").strip()[:14]
    guardian = Person.objects.filter(pass_number=guardian_pass).first() if guardian_pass else None
    if kind is None or (guardian_pass and guardian is None):
        messages.error(request, _("Kies een abonnementsvorm en een bestaand pasnummer van de ouder of voogd."))
        return redirect("desk:library_member", pk=pk)
    try:
        subscription_start(
            person=person, type=kind, id_seen=request.POST.get("id_seen") == "on", guardian=guardian, actor=request.user
        )
    except (KolkError, ValidationError) as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("Abonnement gestart."))
    return redirect("desk:library_member", pk=pk)
