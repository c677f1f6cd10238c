"""What people tells the privacy core: a household goes when its last member is erased."""

from __future__ import annotations

from kolk.people.models import Household
from kolk.privacy.retention import register_erasure_hook


def empty_households_delete(pks: list[int]) -> None:
    """A household's name is its members' family data; with no members left it goes too."""
    Household.objects.filter(members__isnull=True).delete()


register_erasure_hook("empty_households", empty_households_delete)
