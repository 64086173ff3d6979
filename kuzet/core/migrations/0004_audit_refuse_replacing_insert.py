"""Refuse an insert into the audit events table that would replace an existing event.

On SQLite, ``INSERT OR REPLACE`` (and ``REPLACE``) resolves a primary-key or unique
conflict by deleting the old row without firing its DELETE triggers (unless the
connection turned on ``recursive_triggers``), so it slipped past migration 0002. A BEFORE
INSERT trigger fires before conflict resolution and refuses any row whose id or hash is
already stored. It lives in the schema, so it holds for every connection, the ``sqlite3``
shell included, where a per-connection pragma would not.

PostgreSQL has no REPLACE; ``INSERT ... ON CONFLICT DO UPDATE`` fires the statement-level
UPDATE trigger of migration 0002 and is refused by it, so nothing is added there.
"""

from django.db import migrations

SQLITE_TRIGGER = """
CREATE TRIGGER core_auditevent_no_replace BEFORE INSERT ON core_auditevent
WHEN EXISTS (SELECT 1 FROM core_auditevent WHERE id = NEW.id OR hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS core_auditevent_no_replace"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_alter_auditevent_action")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
