"""What each publication cites, in rows of its own, so that the sources page needs no snapshot.

Existing publications are filled from their snapshots. The rule that makes a source a reference
is copied as it is today (a migration must not import the app's live code): a source that is not
a mention and has a URL, DOI, PMID or trial id.
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
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="published_sources",
                        to="uses.publication",
                    ),
                ),
            ],
            options={
                "verbose_name": "published source",
                "ordering": ["publication", "position"],
                "indexes": [
                    models.Index(
                        fields=["is_reference", "sort_title", "key"], name="pubsource_by_name"
                    ),
                    models.Index(fields=["key", "is_reference"], name="pubsource_key"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("publication", "key"), name="one_row_per_source_of_a_publication"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_sources, migrations.RunPython.noop, elidable=True),
    ]
