import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0003_idempotent_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "checked_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("mismatches", models.PositiveIntegerField()),
            ],
        ),
        migrations.AddIndex(
            model_name="credittransfer",
            index=models.Index(
                condition=models.Q(("kind", "expire")),
                fields=["created_at"],
                name="credits_transfer_expired",
            ),
        ),
    ]
