"""A member's reading history (H01): what they borrowed and returned, kept only on their consent.

Off by default. While a member's consent `reading_history` stands, the retention
rule `loans_returned` spares their returned loans, and the portal lists them;
the member clears the list, or withdraws the consent, and the loans lose their
link to them at once (kolk.privacy.ledger). Without it, a returned loan loses
its link a year after its return.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.library.models import Loan
from kolk.people.models import Person
from kolk.privacy.ledger import consent_rows_clear, consenter_ids, has_consent
from kolk.privacy.register import get_register

READING_HISTORY = "reading_history"  # the consent purpose of the register
RULE = "loans_returned"  # the retention rule that unlinks returned loans outside a reading history


def reading_history_on(person: Person) -> bool:
    return has_consent(person, READING_HISTORY)


def reading_history(person: Person) -> QuerySet[Loan]:
    """The member's returned loans still linked to them, last returned first."""
    return (
        Loan.objects.filter(person=person, returned_at__isnull=False)
        .select_related("copy__title")
        .order_by("-returned_at", "-pk")
    )


def reading_history_clear(*, person: Person, actor: Actor) -> int:
    """Unlink every returned loan from the member now, their choice staying as it is; returns how many."""
    return consent_rows_clear(subject=person, purpose=READING_HISTORY, actor=actor)


def loans_beyond_history() -> Q:
    """The loans other purposes (exports, selections) may use: not those kept only for a reading history.

    A loan returned longer ago than the rule's period is still linked to its borrower
    only because they keep a reading history (their consent, for their own list): no
    export or selection reads it.
    """
    cutoff = get_register().retention[RULE].duration.before(today())
    return ~Q(returned_at__date__lte=cutoff, person__in=consenter_ids(READING_HISTORY))
