"""Transfers are immutable: the database refuses UPDATE and DELETE on them.

On PostgreSQL a trigger raises for every row either statement touches; TRUNCATE, which
only a test run's flush or an operator emptying the whole ledger uses, is left alone.
SQLite, for development, gets no trigger: its test databases are emptied row by row.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE FUNCTION credits_transfer_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit transfers are immutable: % of transfer % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER credits_transfer_immutable
    BEFORE UPDATE OR DELETE ON credits_credittransfer
    FOR EACH ROW EXECUTE FUNCTION credits_transfer_immutable();
"""
DROP = """
DROP TRIGGER credits_transfer_immutable ON credits_credittransfer;
DROP FUNCTION credits_transfer_immutable();
"""


def create_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
