"""A parent's or guardian's consents for their children under 16, in their own portal.

Under 16 a child cannot consent alone (UAVG art. 5): the guardian named in the
family relations gives or withdraws it, for the text version they read. From 16
the child decides for themself. Each choice is in the ledger (who gave it, the
text version, the method) and in the guardian's portal activity (A01/A02).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.people.models import Person
from kolk.people.selectors import wards_of
from kolk.privacy.ledger import choices_of, consent_record
from kolk.privacy.models import PrivacyChoice
from kolk.privacy.register import get_register
from kolk.privacy.subjects import CONSENT_AGE
from kolk.web.services import portal_event_record


@dataclass(frozen=True)
class ChildConsent:
    purpose: str
    label: str
    text: str
    version: dt.date | str
    given: bool


@dataclass(frozen=True)
class Child:
    person: Person
    age: int | None
    consents: list[ChildConsent] = field(default_factory=list)

    @property
    def decides_self(self) -> bool:
        """16 or older (or of unknown age): the child gives their own consent."""
        return self.age is None or self.age >= CONSENT_AGE


def children_of(guardian: Person, lang: str) -> list[Child]:
    """The guardian's children, each with the consents the guardian may give for them (under 16)."""
    register = get_register()
    on = today()
    result = []
    for child in wards_of(guardian):
        age = child.privacy_age(on)
        consents = []
        if age is not None and age < CONSENT_AGE:
            state = choices_of(child)
            for purpose in register.consent_purposes():
                text = register.consent_texts[purpose]
                consents.append(
                    ChildConsent(
                        purpose=purpose,
                        label=register.purposes[purpose].label.get(lang),
                        text=text.text.get(lang),
                        version=_as_date(text.version),
                        given=bool(state["consents"].get(purpose)),
                    )
                )
        result.append(Child(person=child, age=age, consents=consents))
    return result


def _as_date(version: str) -> dt.date | str:
    """A text version is the date it was written (2018-07-23): shown as a date where it is one."""
    try:
        return dt.date.fromisoformat(version)
    except ValueError:
        return version


@transaction.atomic
def portal_child_consent_set(
    *, guardian: Any, child: Any, purpose: str, given: bool, ip_address: str | None, actor: Actor, lang: str
) -> PrivacyChoice:
    """A guardian gives or withdraws a consent for their child from the portal, for the text shown in `lang`."""
    choice = consent_record(
        subject=child, purpose=purpose, given=given, method="web", given_by=guardian, actor=actor, lang=lang
    )
    portal_event_record(
        person=guardian,
        action="child_consent_given" if given else "child_consent_withdrawn",
        ip_address=ip_address,
        actor=actor,
        details={"purpose": purpose, "choice": choice.pk},
    )
    return choice
