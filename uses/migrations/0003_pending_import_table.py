from django.db import migrations


def create_table(apps, schema_editor):
    from django.core.management import call_command

    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS uses_pending_import")


class Migration(migrations.Migration):
    """The database cache table where uploaded imports waited between preview and confirmation.
    Since 0017 they wait in their ImportJob and no cache is configured, so this creates nothing
    and 0017 drops the table where it was made."""

    dependencies = [("uses", "0002_roles")]

    operations = [migrations.RunPython(create_table, drop_table)]
