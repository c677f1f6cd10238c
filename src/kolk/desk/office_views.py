"""The Privacy Officer's office pages beyond the overview: who read a person's record.

Role: Privacy Officer only (allow(purpose="rights", roles=(PRIVACY_OFFICER,))). A
person is found by customer number, POSTed (personal data never in a URL); their
page goes through person_reach, so the officer's own look is logged too.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kolk.core.roles import Role
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.privacy.permits import allow
from kolk.privacy.reads import releases, staff_reads


class FindForm(forms.Form):
    customer_number = forms.CharField(label=_("Klantnummer"), max_length=12)


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def reads_find(request: HttpRequest) -> HttpResponse:
    """Find the person whose reads the officer wants to see (by customer number, POSTed)."""
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pk = Person.objects.filter(customer_number=form.cleaned_data["customer_number"].strip()).values_list(
            "pk", flat=True
        )
        if pk:
            return redirect("desk:office_reads", pk=pk[0])
        form.add_error("customer_number", _("Geen persoon met dit klantnummer."))
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
