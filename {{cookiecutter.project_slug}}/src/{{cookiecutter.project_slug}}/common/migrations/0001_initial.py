from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "common_throttlecounter"


def make_unlogged(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The counters are disposable: they need neither WAL writes nor replicas.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(TABLE)} SET UNLOGGED")


def make_logged(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(TABLE)} SET LOGGED")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ThrottleCounter",
            fields=[
                ("key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("hits", models.PositiveIntegerField()),
                (
                    "ends_at",
                    models.FloatField(
                        db_index=True, help_text="When the window ends, as Unix time."
                    ),
                ),
            ],
        ),
        migrations.RunPython(make_unlogged, make_logged),
    ]
