"""On SQLite the full-text table indexes only the public uses, not every publication.

The search looks only for public uses, yet the table (0011) held every version of every entry:
a search's count then looked up each match among the public uses, 10,000 look-ups for a word
every use has (8 of its 17 ms at 10,000 uses). Holding only what a search may find, the table
counts a search's matches by itself (``uses.models.publishing.count_public_use_matches``).

The triggers keep it so: a publication enters the table when it becomes a public use (current,
not a withdrawal, a use) and leaves it when it stops being one; its text is the publication's
``search_text`` (the table reads it from ``uses_publication``, its content table). PostgreSQL,
whose index is a column of the publication, is unchanged. Both directions can run more than once.
"""

from django.db import migrations

TABLE = "uses_publication_search"
PUBLIC_USE = "{row}.is_current AND NOT {row}.is_withdrawn AND {row}.kind = 'condition'"
TRIGGERS = ("insert", "delete", "update")
DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS {TABLE}_{name}" for name in TRIGGERS]
ADD = f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text);"
REMOVE = (
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
)

PUBLIC_USES_ONLY = [
    *DROP_TRIGGERS,
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON uses_publication
    WHEN {PUBLIC_USE.format(row="new")} BEGIN {ADD} END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON uses_publication
    WHEN {PUBLIC_USE.format(row="old")} BEGIN {REMOVE} END""",
    # One trigger for both halves, each under its own condition: a row that stays public with a
    # new text leaves with its old text and enters with its new one.
    f"""CREATE TRIGGER {TABLE}_update
    AFTER UPDATE OF search_text, is_current, is_withdrawn, kind ON uses_publication BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, search_text)
        SELECT 'delete', old.id, old.search_text WHERE {PUBLIC_USE.format(row="old")};
        INSERT INTO {TABLE}(rowid, search_text)
        SELECT new.id, new.search_text WHERE {PUBLIC_USE.format(row="new")};
    END""",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('delete-all')",
    f"""INSERT INTO {TABLE}(rowid, search_text)
    SELECT id, search_text FROM uses_publication WHERE {PUBLIC_USE.format(row="uses_publication")}""",
]
# As 0011 made them: every publication, whatever its state.
EVERY_PUBLICATION = [
    *DROP_TRIGGERS,
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON uses_publication BEGIN {ADD} END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON uses_publication BEGIN {REMOVE} END",
    f"""CREATE TRIGGER {TABLE}_update AFTER UPDATE OF search_text ON uses_publication BEGIN
        {REMOVE}
        {ADD}
    END""",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return operation


index_public_uses_only = run(PUBLIC_USES_ONLY)
index_every_publication = run(EVERY_PUBLICATION)


class Migration(migrations.Migration):
    dependencies = [
        ("uses", "0017_import_jobs"),
    ]

    operations = [
        migrations.RunPython(index_public_uses_only, index_every_publication, elidable=False),
    ]
