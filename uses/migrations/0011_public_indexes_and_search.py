"""Public lists, counts and search answered from indexes at any size.

Partial indexes carry the public condition (current and not withdrawn), so SQLite and PostgreSQL
read a list page or its count from an index in article order instead of walking and sorting the
table. Full-text search: on SQLite an FTS5 table (Porter stemming) kept in step by triggers, on
PostgreSQL a generated tsvector column with a GIN index. Neither exists on other databases, where
search scans the text. Both are derived from ``search_text``, so reversing drops them.
"""

from django.db import migrations, models

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE uses_publication_search USING fts5(
        search_text, content='uses_publication', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    "INSERT INTO uses_publication_search(uses_publication_search) VALUES ('rebuild')",
    """CREATE TRIGGER uses_publication_search_insert AFTER INSERT ON uses_publication BEGIN
        INSERT INTO uses_publication_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER uses_publication_search_delete AFTER DELETE ON uses_publication BEGIN
        INSERT INTO uses_publication_search(uses_publication_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER uses_publication_search_update AFTER UPDATE OF search_text
    ON uses_publication BEGIN
        INSERT INTO uses_publication_search(uses_publication_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO uses_publication_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER uses_publication_search_update",
    "DROP TRIGGER uses_publication_search_delete",
    "DROP TRIGGER uses_publication_search_insert",
    "DROP TABLE uses_publication_search",
]
POSTGRESQL_FORWARD = [
    """ALTER TABLE uses_publication ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED""",
    """CREATE INDEX pub_search_vector ON uses_publication USING gin (search_vector)
    WHERE is_current AND NOT is_withdrawn""",
]
POSTGRESQL_BACKWARD = ["ALTER TABLE uses_publication DROP COLUMN search_vector"]


def run(statements: dict[str, list[str]]):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return operation


create_search_index = run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD})
drop_search_index = run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD})


class Migration(migrations.Migration):

    dependencies = [
        ("uses", "0010_published_sources"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='publication',
            name='pub_kind_current',
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind'], name='pub_public_kind'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind', 'position', 'title', 'id'], name='pub_public_order'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind', 'approval', 'position', 'title'], name='pub_public_approval'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind', 'category', 'position', 'title'], name='pub_public_category'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind', 'certainty', 'position', 'title'], name='pub_public_certainty'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('is_current', True), ('is_withdrawn', False)), fields=['kind', 'regimen', 'position', 'title'], name='pub_public_regimen'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(fields=['published_at', 'id'], name='pub_published'),
        ),
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
