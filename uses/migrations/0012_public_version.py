"""The public record's version: one row, bumped with every change public pages show (uses/cache.py).

Created at version 1, changed now: every page cached or validated before this migration is stale.
"""

import django.utils.timezone
from django.db import migrations, models


def create_version(apps, schema_editor):
    PublicVersion = apps.get_model("uses", "PublicVersion")
    PublicVersion.objects.get_or_create(
        pk=1, defaults={"counter": 1, "changed_at": django.utils.timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("uses", "0011_public_indexes_and_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("counter", models.PositiveBigIntegerField(default=0)),
                (
                    "changed_at",
                    models.DateTimeField(
                        help_text="When the public record last changed: public pages' Last-Modified."
                    ),
                ),
            ],
            options={
                "verbose_name": "public record version",
                "ordering": ["pk"],
            },
        ),
        migrations.RunPython(create_version, migrations.RunPython.noop),
    ]
