"""Databases and links from before the grading vocabulary changed move to it with nothing lost."""

import json
from importlib import import_module
from pathlib import Path

from django.conf import settings

from tests import factories
from uses.models import Evidence, Publication
from uses.serializers import fingerprint

FIXTURES = Path(settings.BASE_DIR, "fixtures")


def test_existing_rows_migrate_to_the_new_vocabulary_with_nothing_lost(published, editor):
    from django.apps import apps

    migration = import_module("uses.migrations.0008_grade_vocabulary")
    evidence = factories.make_evidence(published, design="none", direction="unclear")
    Evidence.objects.filter(pk=evidence.pk).update(certainty="insufficient")
    publication = Publication.objects.get(condition=published, is_current=True)
    snapshot = publication.snapshot
    for entry in snapshot["evidence"]:
        entry["certainty"] = "insufficient"
    Publication.objects.filter(pk=publication.pk).update(
        snapshot=snapshot, certainty="insufficient", evidence_label="Insufficient evidence"
    )

    migration.rename_certainties(apps, None)
    migration.rename_in_snapshots(apps, None)
    migration.relabel_publications(apps, None)

    evidence.refresh_from_db()
    publication.refresh_from_db()
    assert evidence.certainty == "not_assessed"
    assert evidence.history.filter(certainty="insufficient").count() == 0
    assert {e["certainty"] for e in publication.snapshot["evidence"]} == {"not_assessed"}
    assert publication.fingerprint == fingerprint(publication.snapshot)
    assert publication.certainty == "not_assessed"
    assert publication.evidence_label == "No study results mentioned"
    assert [e["claim"] for e in publication.snapshot["evidence"]] == [
        e["claim"] for e in snapshot["evidence"]
    ]

    migration.restore_certainties(apps, None)
    evidence.refresh_from_db()
    assert evidence.certainty == "insufficient"


def test_the_editorial_policy_as_shipped_is_brought_up_to_date(db):
    from django.apps import apps
    from django.contrib.flatpages.models import FlatPage

    migration = import_module("uses.migrations.0009_editorial_policy_text")
    shipped = FlatPage.objects.create(url=migration.URL, title="Policy", content=migration.SHIPPED)
    migration.update_policy(apps, None)
    shipped.refresh_from_db()
    assert shipped.content == migration.TODAY
    assert "insufficient" not in shipped.content and "localhost" not in shipped.content
    fixture = json.loads((FIXTURES / "site.json").read_text())
    assert migration.TODAY in [row["fields"].get("content") for row in fixture]

    edited = "Our own words.\n\n" + migration.OLD_REPORT_SECTION
    FlatPage.objects.filter(pk=shipped.pk).update(content=edited)
    migration.update_policy(apps, None)
    shipped.refresh_from_db()
    assert shipped.content == "Our own words.\n"


def test_a_link_to_the_old_certainty_filter_moves_to_its_new_name(client, db):
    response = client.get("/uses/?certainty=insufficient&category=pain")
    assert response.status_code == 301
    assert response["Location"] == "/uses/?certainty=not_assessed&category=pain"
