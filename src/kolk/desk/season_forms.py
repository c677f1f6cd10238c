"""The season at the desk: a presale's two moments as date and time inputs (Dutch), used by the programme,
a show's presale page and a theaterabonnement's form; and the member's pass scanned at the till in a presale."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kolk.boxoffice.models import Series, Show
from kolk.core.errors import Invalid, KolkError
from kolk.library.selectors import subscription_current
from kolk.people.reach import person_reach
from kolk.people.selectors import person_id_by_pass


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )


def _time(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H.%M"],
    )


PRESALE_FIELDS = ("members_from", "public_from")


class PresaleForm(forms.Form):
    """The presale's two moments, each a date and a time as the desk types them (both empty: no presale)."""

    members_from_date = _date(_l("Datum"))
    members_from_time = _time(_l("Tijd"))
    public_from_date = _date(_l("Datum"))
    public_from_time = _time(_l("Tijd"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in PRESALE_FIELDS:
            day, at = data.get(f"{key}_date"), data.get(f"{key}_time")
            bad = f"{key}_date" in self.errors or f"{key}_time" in self.errors
            if day and at is None and not bad:
                self.add_error(f"{key}_time", _("Vul ook een tijd in, bijvoorbeeld 10:00."))
            elif at is not None and not day and not bad:
                self.add_error(f"{key}_date", _("Vul ook een datum in."))
            data[key] = timezone.make_aware(dt.datetime.combine(day, at)) if day and at is not None else None
        return data

    @staticmethod
    def initial_for(thing: Show | Series) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key in PRESALE_FIELDS:
            moment = getattr(thing, key)
            if moment is not None:
                local = timezone.localtime(moment)
                initial[f"{key}_date"], initial[f"{key}_time"] = local.date(), local.time().replace(second=0)
        return initial


def errors_to_form(form: forms.Form, exc: ValidationError | KolkError, names: dict[str, str]) -> None:
    """A service's refusal on the form: each message at its field (`names`: the service's name to the form's)."""
    if isinstance(exc, KolkError):
        form.add_error(None, str(exc.message))
        return
    for name, msgs in exc.message_dict.items():
        target = names.get(name, name)
        form.add_error(target if target in form.fields else None, msgs)


PRESALE_NAMES = {"members_from": "members_from_date", "public_from": "public_from_date"}


PURPOSE = "ticket_sales"


def member_pass_seen(request: HttpRequest, raw: str) -> bool:
    """A scanned pass at the till, in a presale: True for a member whose subscription runs; Invalid otherwise.

    Staff reach the member for ticket_sales (a logged staff read); the library answers yes or no.
    An empty field is no member (the sale is then refused in the presale, with the presale's words).
    """
    number = raw.strip()[:40]
    if not number:
        return False
    person_id = person_id_by_pass(number)
    if person_id is None:
        raise Invalid(_("Onbekende pas."), fields={"pass": [_("Onbekende pas: kijk het nummer na of scan opnieuw.")]})
    person = person_reach(actor=request.user, person_id=person_id, purpose=PURPOSE)
    if subscription_current(person) is None:
        text = _("Deze pas hoort niet bij een lopend abonnement: in de voorverkoop koopt alleen een lid.")
        raise Invalid(text, fields={"pass": [text]})
    return True
