from django.conf import settings
from django.db import migrations


def create_table(apps, schema_editor):
    from django.core.management import call_command

    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(
        f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.IMPORT_CACHE_TABLE)}"
    )


class Migration(migrations.Migration):
    """The database cache table where uploaded imports wait between preview and confirmation."""

    dependencies = [("uses", "0002_roles")]

    operations = [migrations.RunPython(create_table, drop_table)]
