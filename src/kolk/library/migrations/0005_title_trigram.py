"""Typo tolerance in the catalogue: trigrams over Title.search_text.

PostgreSQL: the pg_trgm extension and a GIN trigram index, so "oorlogswintr" still finds
"Oorlogswinter". SQLite has no trigrams: kolk.library.search falls back to comparing the
words of a few candidates in Python.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX library_title_search_trgm ON library_title USING gin (search_text gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX library_title_search_trgm"]  # the extension may serve others: it stays


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0004_kiosks")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
