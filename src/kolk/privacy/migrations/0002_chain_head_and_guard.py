"""The audit chain's head row, and on PostgreSQL a guard on the audit table.

The guard refuses DELETE, and UPDATE of anything but sealing an unsealed entry.
The hash chain already detects a change; the guard stops the application or a
careless statement from making one. (SQLite, the embedded demo database, relies
on the chain alone: its test flush deletes rows.)
"""

from django.db import migrations

GENESIS = "0" * 64

GUARD = """
CREATE OR REPLACE FUNCTION privacy_audit_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit entries are append-only';
    END IF;
    IF OLD.seq IS NOT NULL
       OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.actor IS DISTINCT FROM OLD.actor
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.subject_ref IS DISTINCT FROM OLD.subject_ref
       OR NEW.details::text IS DISTINCT FROM OLD.details::text THEN
        RAISE EXCEPTION 'sealed audit entries cannot be changed';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_audit_guard BEFORE UPDATE OR DELETE ON privacy_auditentry
    FOR EACH ROW EXECUTE FUNCTION privacy_audit_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS privacy_audit_guard ON privacy_auditentry;
DROP FUNCTION IF EXISTS privacy_audit_guard();
"""


def create_head(apps, schema_editor):
    apps.get_model("privacy", "AuditChainHead").objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
