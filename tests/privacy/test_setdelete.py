"""Set-based delete: the same database as Django's delete() leaves, with no row loaded."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import signals

from kolk.people.models import Person
from kolk.privacy.setdelete import delete_rows

pytestmark = pytest.mark.django_db
FISCAL_THEN_PEOPLE = ["billing.Payment", "billing.CollectionItem", "billing.Invoice", "people.Person"]


@pytest.fixture
def demo(db):
    call_command("seed", "--demo", stdout=io.StringIO())


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as plain values."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label] = sorted(model._base_manager.values_list(*fields), key=repr)
    return state


def after(delete) -> dict[str, list[tuple[object, ...]]]:
    """The database after `delete`, rolled back again."""
    with transaction.atomic():
        delete()
        state = snapshot()
        transaction.set_rollback(True)
    return state


def test_invoices_then_people_with_their_history_go_exactly_as_django_deletes_them(demo):
    """The demo's people have loans, orders, choices, mail and invoices: every cascade is walked.

    In the fiscal rule's order: payments, collection items, invoices; then the people.
    """
    before = snapshot()
    order = [apps.get_model(label) for label in FISCAL_THEN_PEOPLE]

    def by_django() -> None:
        for model in order:
            model._base_manager.all().delete()

    def in_sql() -> None:
        for model in order:
            assert delete_rows(model._base_manager.all()) == len(before[model._meta.label])

    expected = after(by_django)
    changed = {label for label in before if before[label] != expected[label]}
    assert {"people.Person", "library.Loan", "boxoffice.Order", "privacy.PrivacyChoice", "billing.Payment"} <= changed
    assert after(in_sql) == expected


def test_rows_protected_by_another_table_stop_the_delete_and_change_nothing(demo):
    owner = Person.objects.filter(invoices__isnull=False).first()
    assert owner is not None
    before = snapshot()
    with pytest.raises(models.ProtectedError, match=r"billing\.Invoice\.person"):
        delete_rows(Person.objects.filter(pk=owner.pk))
    assert snapshot() == before


def test_the_statements_do_not_grow_with_the_rows(demo, django_assert_max_num_queries):
    for label in FISCAL_THEN_PEOPLE[:-1]:
        delete_rows(apps.get_model(label)._base_manager.all())
    with django_assert_max_num_queries(2 * len(Person._meta.related_objects) + 10):
        delete_rows(Person.objects.all())


def test_a_model_with_delete_signals_goes_through_django(db):
    from kolk.people.models import EmailAddress
    from tests.factories import PersonFactory

    seen: list[int] = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_delete.connect(listener, sender=EmailAddress)
    try:
        person = PersonFactory()
        EmailAddress.objects.create(person=person, address="iemand@example.nl")
        delete_rows(Person.objects.filter(pk=person.pk))
    finally:
        signals.post_delete.disconnect(listener, sender=EmailAddress)
    assert seen
    assert not Person.objects.filter(pk=person.pk).exists()
