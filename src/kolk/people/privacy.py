"""What people tells the privacy core: a household goes when its last member is erased."""

from __future__ import annotations

from collections.abc import Callable

from kolk.people.models import Household, Person
from kolk.privacy.fieldmap import declare
from kolk.privacy.registry import register_erasure_hook

# A staff login's TOTP device (django-otp): its secret and use are login data of
# the account, which is no Person (subject=None, like django-axes' tables).
declare(
    "otp_totp.TOTPDevice",
    subject=None,
    personal={
        "user": "username",
        "key": "login_data",
        "last_t": "login_data",
        "last_used_at": "login_data",
        "throttling_failure_timestamp": "login_data",
        "throttling_failure_count": "login_data",
    },
    not_personal=["name", "confirmed", "step", "t0", "digits", "tolerance", "drift", "created_at"],
)


def empty_households_delete(pks: list[int]) -> Callable[[], object] | None:
    """A household's name is its members' family data; with no members left it goes too.

    Only the households of the people being erased are looked at, not every household.
    """
    households = list(
        Person.objects.filter(pk__in_array=pks, household__isnull=False)
        .values_list("household_id", flat=True)
        .distinct()
    )
    if not households:
        return None
    return lambda: Household.objects.filter(pk__in_array=households, members__isnull=True).delete()


register_erasure_hook("empty_households", empty_households_delete)
