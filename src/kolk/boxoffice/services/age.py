"""The Kijkwijzer age check at the till and the door: "16 (or 18) or older?", answered yes, no or unknown.

The answer is drawn from the member's birth date through the purpose gate
(purpose `age_check`, register row B05, a yes-or-no purpose): the box office
gets the answer, never the date. Each check reaches the person the one way staff
reach a person (kolk.people.reach), so it is logged as a staff read with its
purpose; the gate logs the read of the date beside it. Unknown: no member, no
birth date on record, or processing restricted (art. 18): staff ask for an ID.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kolk.boxoffice.models import Show
from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.core.errors import NotFound
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.people.selectors import person_id_by_pass
from kolk.privacy.gate import purpose_read
from kolk.privacy.register import Duration

PURPOSE = "age_check"
# The Kijkwijzer ratings the law makes the centre check at the door (art. 240a Sr); 12 and 14 are advice.
CHECKED_RATINGS = {"16": 16, "18": 18}


def age_to_check(show: Show) -> int | None:
    """The age a show's audience must have reached (16 or 18), or None when its rating asks no check."""
    if show.kind != Show.Kind.FILM or show.film is None:
        return None
    return CHECKED_RATINGS.get(show.film.age_rating.strip().rstrip("+"))


@dataclass(frozen=True)
class AgeCheck:
    """What staff see: the age asked and yes, no or unknown; never a date."""

    age: int
    answer: str  # yes, no, unknown

    @property
    def old_enough(self) -> bool:
        return self.answer == "yes"

    @property
    def tone(self) -> str:
        """The feedback colour: ok (green) for yes, error (red) for no, warn (orange) for unknown."""
        return {"yes": "ok", "no": "error"}.get(self.answer, "warn")

    @property
    def label(self) -> str:
        if self.answer == "yes":
            return _("%(age)s+: ja") % {"age": self.age}
        if self.answer == "no":
            return _("%(age)s+: nee") % {"age": self.age}
        return _("%(age)s+: onbekend") % {"age": self.age}

    @property
    def advice(self) -> str:
        """What to do next: nothing for yes; otherwise the words the badge carries."""
        if self.answer == "yes":
            return ""
        if self.answer == "no":
            return _("Jonger dan %(age)s: geen toegang.") % {"age": self.age}
        return _("Leeftijd controleren")


def _only_pk(pk: int) -> Person:
    # The reach needs the person to exist; nothing of theirs is loaded but the id.
    return Person.objects.only("pk").get(pk=pk)


def age_check(*, person_id: int | None, show: Show, actor: Actor) -> AgeCheck | None:
    """Is the person `person_id` old enough for `show`? None when the show's rating asks no check.

    Staff reach the person for the purpose `age_check` (refused: NotFound); the
    birth date is read through the gate and only the answer leaves this function.
    """
    age = age_to_check(show)
    if age is None:
        return None
    if person_id is None:
        return AgeCheck(age, "unknown")
    person = person_reach(actor=actor, person_id=person_id, purpose=PURPOSE, load=_only_pk)
    rows = purpose_read(
        purpose=PURPOSE,
        model=Person,
        fields=["date_of_birth"],
        queryset=Person.objects.filter(pk=person.pk),
        actor=actor,
    ).list()
    born = rows[0]["date_of_birth"] if rows else None
    if born is None:
        return AgeCheck(age, "unknown")
    latest = Duration(iso=f"P{age}Y", years=age).before(today())  # born on or before this day: old enough
    return AgeCheck(age, "yes" if born <= latest else "no")


def age_check_pass(*, pass_number: str, show: Show, actor: Actor) -> AgeCheck | None:
    """The age check for a scanned member pass; NotFound for a pass kolk does not know."""
    person_id = person_id_by_pass(pass_number)
    if person_id is None:
        raise NotFound(_("Onbekende pas."))
    return age_check(person_id=person_id, show=show, actor=actor)
