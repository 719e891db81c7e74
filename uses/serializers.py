"""Snapshots: one serializer per entry type, and the columns a publication extracts from them.

A snapshot is the whole entry as JSON: its fields, its evidence items and the full text of every
source it cites, so that a published page needs nothing from the working copy.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, prefetch_related_objects

from uses.grading import honest_best, use_label
from uses.models import (
    Certainty,
    Condition,
    Direction,
    Evidence,
    EvidenceSource,
    Kind,
    Person,
    Source,
    StudyDesign,
    Topic,
)
from uses.models.choices import RENAMED_CERTAINTIES
from uses.models.content import SOURCE_IDENTIFIERS

SCHEMA_VERSION = 1

# What the keys of older snapshots default to: templates can rely on every key being present.
SNAPSHOT_DEFAULTS = {
    "kind": Kind.CONDITION,
    "title": "",
    "slug": "",
    "summary": "",
    "body": "",
    "author": None,
    "article_heading": "",
    "category": "",
    "approval": "",
    "regimen": "",
    "formulations": [],
    "evidence": [],
    "sources": [],
    "position": 0,
}
EVIDENCE_DEFAULTS = {
    "id": None,
    "claim": "",
    "design": StudyDesign.NONE,
    "certainty": Certainty.NOT_ASSESSED,
    "direction": Direction.UNCLEAR,
    "rationale": "",
    "citation_needed": False,
    "sources": [],
}
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


def person_data(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {
        "name": person.name,
        "slug": person.slug,
        "credentials": person.credentials,
        "display_name": person.display_name,
    }


def source_data(source: Source) -> dict:
    return {
        "key": source.key,
        "title": source.title,
        "authors": source.authors,
        "publisher": source.publisher,
        "year": source.year,
        "kind": source.kind,
        "kind_label": source.get_kind_display(),
        "url": source.url,
        "doi": source.doi,
        "pmid": source.pmid,
        "trial_id": source.trial_id,
        "mentioned_only": source.mentioned_only,
        "note": source.note,
    }


def is_reference(source: dict) -> bool:
    """Whether readers are shown ``source`` (a snapshot's) as a citation they can look up.

    Only a source that is not a mention and has a URL, DOI, PMID or trial id is one. Anything
    else is shown as a mention, including sources approved before a reference needed an
    identifier: their snapshots stay as reviewed, only how they are shown follows this rule.
    """
    return not source.get("mentioned_only") and any(source.get(name) for name in SOURCE_IDENTIFIERS)


def _evidence_with_sources() -> Prefetch:
    return Prefetch(
        "evidence",
        queryset=Evidence.objects.prefetch_related(
            Prefetch("evidencesource_set", queryset=EvidenceSource.objects.select_related("source"))
        ),
    )


def condition_queryset():
    """Everything serialize_condition reads, in a fixed number of queries."""
    return Condition.objects.select_related("author").prefetch_related(_evidence_with_sources())


def with_snapshot_data(entry: Condition | Topic) -> Condition | Topic:
    """``entry`` (one just read, such as a locked row) with everything its snapshot reads, in
    three queries however many claims and sources it has, instead of one or two for each."""
    lookups = ["author", _evidence_with_sources()] if isinstance(entry, Condition) else ["author"]
    prefetch_related_objects([entry], *lookups)
    return entry


def fingerprint(snapshot: dict) -> str:
    """A hash that is equal for equal snapshots: has the entry changed since it was reviewed?"""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def serialize_condition(condition: Condition) -> dict:
    sources: dict[str, dict] = {}
    evidence = []
    for item in condition.evidence.all():
        # Citations in their canonical order (EvidenceSource is ordered by source key).
        cited = [citation.source for citation in item.evidencesource_set.all()]
        for source in cited:
            sources.setdefault(source.key, source_data(source))
        evidence.append(
            {
                "id": item.pk,
                "claim": item.claim,
                "design": item.design,
                "certainty": item.certainty,
                "direction": item.direction,
                "rationale": item.rationale,
                "citation_needed": item.citation_needed,
                "sources": [source.key for source in cited],
            }
        )
    return {
        "schema": SCHEMA_VERSION,
        "kind": Kind.CONDITION,
        "title": condition.name,
        "slug": condition.slug,
        "article_heading": condition.article_heading,
        "category": condition.category,
        "approval": condition.approval,
        "regimen": condition.regimen,
        "formulations": condition.formulations,
        "summary": condition.summary,
        "body": condition.body,
        "author": person_data(condition.author),
        "position": condition.position,
        "review_interval_months": condition.review_interval_months,
        "evidence": evidence,
        "sources": list(sources.values()),
    }


def serialize_topic(topic: Topic) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        "kind": Kind.OVERVIEW if topic.is_overview else Kind.TOPIC,
        "title": topic.title,
        "slug": topic.slug,
        "summary": topic.summary,
        "body": topic.body,
        "author": person_data(topic.author),
        "position": topic.position,
        "review_interval_months": topic.review_interval_months,
    }


def serialize(entry: Condition | Topic) -> dict:
    if isinstance(entry, Condition):
        return serialize_condition(entry)
    return serialize_topic(entry)


def upgrade_snapshot(snapshot: dict) -> dict:
    """Fill in keys that older snapshots lack, without changing what they say."""
    content = {**SNAPSHOT_DEFAULTS, **snapshot}
    content["evidence"] = [_upgrade_evidence(item) for item in content["evidence"]]
    content["sources"] = [{**SOURCE_DEFAULTS, **source} for source in content["sources"]]
    return content


def _upgrade_evidence(item: dict) -> dict:
    """An evidence item with every key, its certainty in today's vocabulary."""
    item = {**EVIDENCE_DEFAULTS, **item}
    item["certainty"] = RENAMED_CERTAINTIES.get(item["certainty"], item["certainty"])
    return item


def publication_columns(snapshot: dict) -> dict:
    """The indexed columns of a publication, extracted once from its snapshot."""
    content = upgrade_snapshot(snapshot)
    best = honest_best(content["evidence"], content["body"])
    search_parts = [content["title"], content["summary"], content["body"]]
    search_parts += [item["claim"] for item in content["evidence"]]
    return {
        "kind": content["kind"],
        "slug": content["slug"],
        "title": content["title"],
        "summary": content["summary"],
        "category": content["category"],
        "approval": content["approval"],
        "regimen": content["regimen"],
        "certainty": best["certainty"] if best else "",
        "direction": best["direction"] if best else "",
        "evidence_label": (
            use_label(
                approval=content["approval"], evidence=content["evidence"], body=content["body"]
            ).text
            if content["kind"] == Kind.CONDITION
            else ""
        ),
        "position": content["position"],
        "fingerprint": fingerprint(snapshot),
        "search_text": "\n".join(part for part in search_parts if part).lower(),
    }
