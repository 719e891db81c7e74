"""What each publication cites, in rows of its own, so that the sources page needs no snapshot.

Existing publications are filled from their snapshots. The rule that makes a source a reference
is copied as it is today (a migration must not import the app's live code): a source that is not
a mention and has a URL, DOI, PMID or trial id.

Also the indexes the catalogue pages (home, evidence map, grading page) count and rank public
uses by (partial to public uses, and holding every column those queries read), and those that
find what a person wrote or reviewed without reading every publication.
"""

import django.db.models.deletion
from django.db import migrations, models


IDENTIFIERS = ("url", "doi", "pmid", "trial_id")
SOURCE_DEFAULTS = {
    "key": "",
    "title": "",
    "authors": "",
    "publisher": "",
    "year": None,
    "kind": "",
    "kind_label": "",
    "url": "",
    "doi": "",
    "pmid": "",
    "trial_id": "",
    "mentioned_only": False,
    "note": "",
}
BATCH = 500


def fill_sources(apps, schema_editor):
    Publication = apps.get_model("uses", "Publication")
    PublishedSource = apps.get_model("uses", "PublishedSource")
    rows = []
    publications = Publication.objects.filter(kind="condition").only("pk", "snapshot")
    for publication in publications.iterator(chunk_size=BATCH):
        for position, source in enumerate(publication.snapshot.get("sources", [])):
            source = {**SOURCE_DEFAULTS, **source}
            rows.append(
                PublishedSource(
                    publication_id=publication.pk,
                    key=source["key"],
                    title=source["title"],
                    sort_title=source["title"].lower(),
                    is_reference=not source["mentioned_only"]
                    and any(source[name] for name in IDENTIFIERS),
                    position=position,
                    data=source,
                )
            )
        if len(rows) >= BATCH:
            PublishedSource.objects.bulk_create(rows)
            rows = []
    PublishedSource.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("uses", "0009_editorial_policy_text"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedSource",
            # The publication first and the JSON last: SQLite reads a row's columns in order.
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="published_sources",
                        to="uses.publication",
                    ),
                ),
                ("key", models.SlugField(max_length=100)),
                ("title", models.CharField(max_length=300)),
                (
                    "sort_title",
                    models.CharField(
                        help_text="The title in lower case: sources are listed by name.",
                        max_length=300,
                    ),
                ),
                (
                    "is_reference",
                    models.BooleanField(
                        help_text="Shown as a citation readers can look up; otherwise as a mention."
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        help_text="Its place in the snapshot's list of sources."
                    ),
                ),
                ("data", models.JSONField(help_text="The source as the snapshot gives it.")),
            ],
            options={
                "verbose_name": "published source",
                "ordering": ["publication", "position"],
                "indexes": [
                    models.Index(
                        fields=["publication", "is_reference", "key", "sort_title"],
                name="pubsource_by_publication",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("publication", "key"), name="one_row_per_source_of_a_publication"
                    )
                ],
            },
        ),
        *(
            migrations.AddIndex(
                model_name="publication",
                index=models.Index(
                    condition=models.Q(
                        ("is_current", True), ("is_withdrawn", False), ("kind", "condition")
                    ),
                    fields=["kind", *columns, "position", "title", "is_current", "is_withdrawn"],
                    name=name,
                ),
            )
            for name, columns in [
                ("pub_uses_by_category", ["approval", "category"]),
                ("pub_uses_by_evidence", ["approval", "certainty", "direction"]),
                ("pub_uses_by_label", ["evidence_label"]),
            ]
        ),
        *(
            migrations.AddIndex(model_name="publication", index=models.Index(fields=fields, name=name))
            for name, fields in [
                ("pub_author_latest", ["author", "-published_at"]),
                ("pub_reviewer_latest", ["reviewer", "-published_at"]),
                ("pub_reviews", ["reviewer", "position", "title", "-published_at"]),
            ]
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                condition=models.Q(("is_current", True), ("is_withdrawn", False)),
                fields=["kind", "condition", "topic", "is_current", "is_withdrawn"],
                name="pub_public_entries",
            ),
        ),
        migrations.RunPython(fill_sources, migrations.RunPython.noop, elidable=True),
    ]
