import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0004_ledger_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="credittransfer",
            name="lot_draws",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="credittransfer",
            name="kind",
            field=models.CharField(
                choices=[
                    ("grant", "Grant"),
                    ("reserve", "Reserve"),
                    ("capture", "Capture"),
                    ("release", "Release"),
                    ("expire", "Expire"),
                    ("adjust", "Adjust"),
                    ("lapse", "Lapse"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="CreditLot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("expires_at", models.DateTimeField()),
                ("remaining", models.PositiveBigIntegerField()),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lots",
                        to="credits.creditaccount",
                    ),
                ),
                (
                    "grant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lot",
                        to="credits.credittransfer",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("remaining__gt", 0)),
                        fields=["account", "expires_at"],
                        name="credits_lot_unspent",
                    )
                ],
            },
        ),
    ]
