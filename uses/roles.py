"""The two roles of the review workflow: their names, their permissions, and who may do what.

The one place that says who may take a workflow step. The workflow functions (``uses.review``)
ask it before every step, so the admin, imports, commands and any API obey the same rule; the
admin asks it only to decide which buttons to show. The data migration that creates the groups
and the tests that check them read ``ROLE_PERMISSIONS``.
"""

EDITORS = "Editors"
REVIEWERS = "Medical reviewers"
SUBMIT_PERMISSION = "uses.submit_entry"
REVIEW_PERMISSION = "uses.review_submission"

WORKING_COPY = ["condition", "evidence", "topic", "source"]

ROLE_PERMISSIONS = {
    # Editors change the working copy and ask for review. They delete nothing but evidence
    # items (removing a claim is a change that is reviewed like any other).
    EDITORS: [
        *(f"{action}_{model}" for model in WORKING_COPY for action in ("add", "change", "view")),
        "delete_evidence",
        "view_person",
        "view_publication",
        "view_submission",
        "submit_entry",
    ],
    # Medical reviewers read everything and decide; they change nothing in the working copy.
    REVIEWERS: [
        *(f"view_{model}" for model in [*WORKING_COPY, "person", "publication", "submission"]),
        "review_submission",
    ],
}


def sync_roles(apps) -> None:
    """Create the groups and give them exactly their permissions (and no others)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # A migration's historical apps have no models module, so create_permissions would skip
        # them: lend one for the call, and give back what was there (the real registry's module,
        # when a test passes it, so that later flushes still run post-migrate set-up).
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="uses", codename__in=codenames
        )
        if permissions.count() != len(set(codenames)):
            missing = set(codenames) - set(permissions.values_list("codename", flat=True))
            raise RuntimeError(f"Unknown permissions for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def can_submit_entries(user) -> bool:
    """Ask for review at all (an import offers to submit what it changed only to them)."""
    return user.is_active and user.has_perm(SUBMIT_PERMISSION)


def can_submit(user, model) -> bool:
    """Ask for review of (or withdrawal of) an entry of ``model``: editors who may change it."""
    return can_submit_entries(user) and user.has_perm(
        f"{model._meta.app_label}.change_{model._meta.model_name}"
    )


def can_review(user) -> bool:
    """Approve, send back or confirm: medical reviewers (four eyes is checked separately)."""
    return user.is_active and user.has_perm(REVIEW_PERMISSION)
