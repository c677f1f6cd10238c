"""Migration 0006: the copies the pull list showed before (set aside on the shelf) stay on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("library", "0005_title_trigram")]
AFTER = [("library", "0006_copy_damaged_transit")]


def test_a_copy_set_aside_on_the_shelf_stays_on_the_pull_list_and_one_from_the_desk_does_not():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Branch, Title, Copy = (apps.get_model("library", m) for m in ("Branch", "Title", "Copy"))
    Reservation, Loan = apps.get_model("library", "Reservation"), apps.get_model("library", "Loan")
    Person = apps.get_model("people", "Person")
    branch = Branch.objects.create(code="assen", name="DNK Assen")
    title = Title.objects.create(title="Het boek")
    shelf, desk = (Copy.objects.create(title=title, barcode=b, branch=branch, status="on_hold") for b in ("1", "2"))
    people = [Person.objects.create(given_name=n, surname="Lid", customer_number=n) for n in ("a", "b")]
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    on_shelf = Reservation.objects.create(
        title=title,
        person=people[0],
        pickup_branch=branch,
        placed_at=now,
        status="ready",
        copy=shelf,
        ready_on=now.date(),
    )
    came_in = Reservation.objects.create(
        title=title,
        person=people[1],
        pickup_branch=branch,
        placed_at=now,
        status="ready",
        copy=desk,
        ready_on=now.date(),
    )
    Loan.objects.create(copy=desk, person=people[0], checked_out_at=now, due_on=now.date(), returned_at=now)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    marked = dict(apps.get_model("library", "Reservation").objects.values_list("pk", "to_pull"))
    assert marked == {on_shelf.pk: True, came_in.pk: False}
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())  # the other tests find the schema as they left it
