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
def demo(db, settings):
    settings.DEBUG = True  # the demo refuses to run with DEBUG off
    call_command("seed", "--demo", stdout=io.StringIO())
    settings.DEBUG = False


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
        addresses = list(EmailAddress.objects.filter(person=person).values_list("pk", flat=True))
        delete_rows(Person.objects.filter(pk=person.pk))
    finally:
        signals.post_delete.disconnect(listener, sender=EmailAddress)
    assert sorted(seen) == sorted(addresses)  # each of the person's addresses went through Django, once
    assert not Person.objects.filter(pk=person.pk).exists()


def test_in_array_is_in_with_one_parameter(db):
    from tests.factories import PersonFactory

    people = [PersonFactory() for _ in range(3)]
    pks = [p.pk for p in people[:2]]
    assert set(Person.objects.filter(pk__in_array=pks)) == set(Person.objects.filter(pk__in=pks))
    assert not Person.objects.filter(pk__in_array=[]).exists()
    sub = Person.objects.filter(pk__in=pks).values("pk")
    assert set(Person.objects.filter(pk__in_array=sub)) == set(people[:2])
    _sql, params = Person.objects.filter(pk__in_array=list(range(1, 5001))).query.sql_with_params()
    assert len(params) == 1  # not a placeholder per value


def test_a_loan_loses_its_person_and_its_subscription_in_one_write(demo, django_assert_max_num_queries):
    """Two keys of a model that point into the delete are set to NULL by one UPDATE, not one each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kolk.library.models import Loan

    members = Person.objects.filter(library_loans__subscription__person=models.F("pk")).distinct()
    assert members.exists()
    for label in FISCAL_THEN_PEOPLE[:-1]:
        delete_rows(apps.get_model(label)._base_manager.all())
    with CaptureQueriesContext(connection) as ctx:
        delete_rows(members)
    loan_updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(f'UPDATE "{Loan._meta.db_table}"')]
    assert len(loan_updates) == 1
    assert not Loan.objects.filter(person__isnull=False, person__in=members).exists()


def test_protected_pks_names_exactly_whom_a_protected_row_keeps(demo):
    """The same answer as trying each person on their own, in one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kolk.privacy.setdelete import protected_pks

    people = Person.objects.all()
    expected = set()
    for person in people:
        with transaction.atomic():
            try:
                delete_rows(Person.objects.filter(pk=person.pk))
            except models.ProtectedError:
                expected.add(person.pk)
            transaction.set_rollback(True)
    assert expected
    assert expected != set(people.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        found = protected_pks(people)
    assert found == expected
    assert len(ctx.captured_queries) == 1


def test_a_mandate_in_a_collection_protects_its_holder_through_the_bank_account(db):
    """A protected row three steps down the cascade: person -> bank account -> mandate <- collection item."""
    import datetime as dt

    from schwifty import IBAN

    from kolk.billing.models import CollectionItem, Invoice
    from kolk.billing.services import InvoiceLineIn, bank_account_set, invoice_create, mandate_sign
    from kolk.billing.services.collections import collection_create
    from kolk.core.clock import today
    from kolk.privacy.setdelete import protected_pks
    from tests.factories import PersonFactory

    holder, other, free = PersonFactory(), PersonFactory(), PersonFactory()
    iban = IBAN.generate("NL", bank_code="INGB", account_code="0123456789")
    bank_account_set(person=holder, iban=iban.compact, holder_name="A. Houder", actor=None)
    mandate_sign(person=holder, actor=None)
    invoice = invoice_create(
        person=holder,
        lines=[InvoiceLineIn(description="Abonnement", unit_amount_cents=4950, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    collection_create(collection_date=today() + dt.timedelta(days=5), actor=None)
    assert CollectionItem.objects.filter(invoice=invoice).exists()
    # Only the mandate ties the holder to the collection item now: the invoice is someone else's.
    Invoice.objects.filter(pk=invoice.pk).update(person=other)
    everyone = Person.objects.filter(pk__in=[holder.pk, other.pk, free.pk])
    assert protected_pks(everyone) == {holder.pk, other.pk}
    with pytest.raises(models.ProtectedError, match=r"billing\.CollectionItem\.mandate"):
        delete_rows(Person.objects.filter(pk=holder.pk))
    assert delete_rows(Person.objects.filter(pk=free.pk)) == 1
