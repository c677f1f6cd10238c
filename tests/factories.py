"""factory-boy factories for kolk's models. Persons are built through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.models import Group

from kolk.core.roles import Role
from kolk.people.models import Person, User
from kolk.people.services import person_create


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name", locale="nl_NL")
    surname = factory.Faker("last_name", locale="nl_NL")
    street = "Weiersstraat"
    house_number = factory.Sequence(lambda n: n + 1)
    postcode = "9401 ET"
    town = "Assen"
    date_of_birth = dt.date(1980, 5, 17)

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        kwargs.setdefault("actor", None)
        return person_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.set([Group.objects.get_or_create(name=r.value)[0] for r in extracted])
        if create:
            self.save()


def staff_login(client: Any, user: User) -> None:
    """Log a user in with the test client; a privacy officer or administrator also passes
    the second factor, as django-otp records it (a TOTP device verified in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from kolk.core.otp import needs_second_factor, totp_demo_device

    client.force_login(user)
    if needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_demo_device(user).persistent_id
        session.save()
