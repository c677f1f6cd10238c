"""Fixtures of the fault tests: a migrated template database that scenarios copy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.harness import Template, vendor

# Ten kills per job on PostgreSQL (the production database), at points spread over the whole
# run by the seeded random order; three on SQLite, where the same scenarios run to show the
# embedded database keeps the promises too.
KILLS = 10 if vendor() == "postgresql" else 3


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    made = Template(tmp_path_factory.mktemp("faults"))
    try:
        yield made
    finally:
        made.drop()
