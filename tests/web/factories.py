"""Members with a portal login, for the website's tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from kolk.core.roles import Role
from kolk.people.services import user_create
from kolk.privacy.ledger import consent_record
from tests.factories import PersonFactory

PASSWORD = "kolk-demo-2026"


def member(*, username: str = "lid", consent: bool = True, **person: Any) -> Any:
    """A person with a member login (and the portal's consent unless told otherwise)."""
    person.setdefault("emails", [f"{username}@example.nl"])
    who = PersonFactory(with_pass=True, **person)
    Group.objects.get_or_create(name=Role.MEMBER.value)  # a transactional test flushed the migration's groups
    user = user_create(username=username, password=PASSWORD, roles=[Role.MEMBER], person=who, actor=None)
    if consent:
        consent_record(subject=who, purpose="website_access", given=True, method="web", actor=None)
    return user
