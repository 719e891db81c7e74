import pytest

from tests import factories
from uses.models import Certainty, Direction
from uses.serializers import (
    SCHEMA_VERSION,
    publication_columns,
    serialize_condition,
    serialize_topic,
    upgrade_snapshot,
)

pytestmark = pytest.mark.django_db


def test_condition_snapshot_holds_fields_evidence_and_full_sources():
    source = factories.make_source(key="trial-1", title="A trial", doi="10.1000/xyz123")
    condition = factories.make_condition(name="Lupus", slug="lupus", oral=True)
    factories.make_evidence(condition, claim="It helps.", sources=[source], position=2)
    factories.make_evidence(condition, claim="Unsourced.", citation_needed=True, position=1)

    snapshot = serialize_condition(condition)

    assert snapshot["schema"] == SCHEMA_VERSION
    assert snapshot["kind"] == "condition"
    assert snapshot["title"] == "Lupus"
    assert snapshot["formulations"] == ["oral tablet"]
    assert [e["claim"] for e in snapshot["evidence"]] == ["Unsourced.", "It helps."]
    assert snapshot["evidence"][0]["citation_needed"] is True
    assert snapshot["evidence"][1]["sources"] == ["trial-1"]
    assert snapshot["sources"][0]["title"] == "A trial"
    assert snapshot["sources"][0]["doi"] == "10.1000/xyz123"
    assert snapshot["author"]["slug"] == condition.author.slug


def test_a_source_cited_twice_appears_once_in_the_snapshot():
    source = factories.make_source()
    condition = factories.make_condition()
    factories.make_evidence(condition, sources=[source])
    factories.make_evidence(condition, sources=[source])
    assert len(serialize_condition(condition)["sources"]) == 1


def test_topic_snapshot_and_overview_kind():
    assert serialize_topic(factories.make_topic(title="Timing"))["kind"] == "topic"
    overview = serialize_topic(factories.make_topic(is_overview=True))
    assert overview["kind"] == "overview"


def test_older_snapshots_gain_the_keys_they_lack():
    old = {"schema": 0, "kind": "condition", "title": "Old", "evidence": [{"claim": "x"}]}
    content = upgrade_snapshot(old)
    assert content["sources"] == []
    assert content["evidence"][0]["certainty"] == Certainty.NOT_ASSESSED
    assert content["title"] == "Old"
    assert "sources" not in old


def test_an_older_snapshots_insufficient_certainty_reads_as_not_assessed():
    old = {"kind": "condition", "evidence": [{"claim": "x", "certainty": "insufficient"}]}
    assert upgrade_snapshot(old)["evidence"][0]["certainty"] == Certainty.NOT_ASSESSED
    assert old["evidence"][0]["certainty"] == "insufficient"


def test_publication_columns_are_extracted_from_the_snapshot():
    condition = factories.make_condition(name="Lupus", slug="lupus", category="autoimmune")
    factories.make_evidence(
        condition,
        claim="A few small, randomized studies found it reverses the disease.",
        design="randomised",
        certainty="low",
        direction=Direction.BENEFIT,
    )
    columns = publication_columns(serialize_condition(condition))
    assert columns["slug"] == "lupus"
    assert columns["category"] == "autoimmune"
    assert columns["certainty"] == "low"
    assert columns["direction"] == "benefit"
    assert columns["evidence_label"] == "May help (low certainty)"
    assert "it reverses the disease." in columns["search_text"]
