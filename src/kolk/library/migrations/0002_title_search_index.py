"""Full-text search over Title.search_text, kept by the database itself.

PostgreSQL: a generated tsvector column ('dutch' configuration) with a GIN index.
SQLite: an FTS5 external-content table with triggers that follow every write.
"""

from django.db import migrations

PG_FORWARD = [
    "ALTER TABLE library_title ADD COLUMN search tsvector"
    " GENERATED ALWAYS AS (to_tsvector('dutch'::regconfig, search_text)) STORED",
    "CREATE INDEX library_title_search_gin ON library_title USING gin (search)",
]
PG_BACKWARD = ["DROP INDEX library_title_search_gin", "ALTER TABLE library_title DROP COLUMN search"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE library_title_fts USING fts5("
    "search_text, content='library_title', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER library_title_fts_ai AFTER INSERT ON library_title BEGIN"
    " INSERT INTO library_title_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER library_title_fts_ad AFTER DELETE ON library_title BEGIN"
    " INSERT INTO library_title_fts(library_title_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER library_title_fts_au AFTER UPDATE OF search_text ON library_title BEGIN"
    " INSERT INTO library_title_fts(library_title_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO library_title_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER library_title_fts_au",
    "DROP TRIGGER library_title_fts_ad",
    "DROP TRIGGER library_title_fts_ai",
    "DROP TABLE library_title_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
