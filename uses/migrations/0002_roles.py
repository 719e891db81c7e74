"""The two roles and their permissions, as they were when the groups were first made.

Self-contained: a migration must do the same on every database whenever it runs, so it reads no
live code. A later change to ``uses.roles.ROLE_PERMISSIONS`` needs a migration of its own
(``tests/test_admin.py`` checks that this list and the live one agree).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "add_condition",
        "change_condition",
        "view_condition",
        "add_evidence",
        "change_evidence",
        "view_evidence",
        "add_topic",
        "change_topic",
        "view_topic",
        "add_source",
        "change_source",
        "view_source",
        "delete_evidence",
        "view_person",
        "view_publication",
        "view_submission",
        "submit_entry",
    ],
    "Medical reviewers": [
        "view_condition",
        "view_evidence",
        "view_topic",
        "view_source",
        "view_person",
        "view_publication",
        "view_submission",
        "review_submission",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are made after all migrations by default; the groups need them now. The
    # historical app configs have no models module, which create_permissions wants to see.
    using = schema_editor.connection.alias  # the database being migrated, not only the default
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps, using=using)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="uses", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"Missing permissions for {name}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    groups = apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias)
    groups.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("uses", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
