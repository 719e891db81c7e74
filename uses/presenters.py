"""Turn a publication's snapshot into what templates show: labels, numbered citations, and the
article's passage with each claim graded where it stands."""

import html

from django.utils.safestring import mark_safe

from uses import grading
from uses.models import Category, Certainty, Direction, Kind, Publication, StudyDesign
from uses.review_checks import paragraphs
from uses.serializers import is_reference
from uses.templatetags.uses_tags import render_markdown


def label(choices, value: str) -> str:
    """The human label of a stored value; unknown values from older snapshots show as they are."""
    return dict(choices.choices).get(value, value.replace("_", " ").capitalize())


def present(publication: Publication) -> dict:
    """The snapshot with display labels and, for a use, citations numbered into its source list:
    references first, then mentions, each group in the order the claims first cite them."""
    content = publication.content
    if content["kind"] != Kind.CONDITION:
        return content
    content["sources"] = sorted(content["sources"], key=lambda source: not is_reference(source))
    for number, source in enumerate(content["sources"], 1):
        source["number"] = number
        source["is_reference"] = is_reference(source)
    content["references"] = [source for source in content["sources"] if source["is_reference"]]
    content["mentions"] = [source for source in content["sources"] if not source["is_reference"]]
    numbers = {source["key"]: source["number"] for source in content["sources"]}
    sources = {source["key"]: source for source in content["sources"]}
    content["category_label"] = label(Category, content["category"])
    content["label"] = grading.label_named(publication.evidence_label)
    content["evidence"] = [
        {
            **item,
            "number": number,
            "design_label": label(StudyDesign, item["design"]),
            "certainty_label": label(Certainty, item["certainty"]),
            "certainty_meaning": grading.certainty_meaning(
                design=item["design"], certainty=item["certainty"]
            ),
            "direction_label": label(Direction, item["direction"]),
            "citations": [
                {"number": numbers[key], "source": sources[key]}
                for key in item["sources"]
                if key in sources
            ],
        }
        for number, item in enumerate(content["evidence"], 1)
    ]
    content["passage"], content["unplaced_evidence"] = annotated_passage(
        content["body"], content["evidence"]
    )
    return content


def annotated_passage(body: str, evidence: list[dict]) -> tuple[list[dict], list[dict]]:
    """The article's passage paragraph by paragraph, each claim marked where it stands and its
    grade given after its paragraph: every sentence appears once on the page.

    Returns the paragraphs (``html``, sanitised, and the ``evidence`` they make) and the claims
    no paragraph quotes verbatim (an editor reworded one), which the page lists on their own.
    """
    placed: set[int] = set()
    passage = []
    for paragraph in paragraphs(body):
        rendered = render_markdown(paragraph)
        found = []
        for item in evidence:
            quoted = html.escape(item["claim"].strip(), quote=False)
            if item["number"] in placed or not quoted or quoted not in rendered:
                continue
            marked = (
                f'<mark class="claim" id="claim-{item["number"]}">{quoted}</mark>'
                f'<a class="claim-ref" href="#evidence-{item["number"]}">'
                f'<span class="visually-hidden">How strong is this? See </span>'
                f"evidence {item['number']}</a>"
            )
            rendered = rendered.replace(quoted, marked, 1)
            placed.add(item["number"])
            found.append(item)
        found.sort(key=lambda item: item["number"])
        passage.append({"html": mark_safe(rendered), "evidence": found})
    return passage, [item for item in evidence if item["number"] not in placed]


def sources_of(publications) -> dict:
    """The sources of published uses, as "references" and "mentions", each once, by name, with
    the uses (``uses``) that cite or mention it. A source that is a mention in one use's
    snapshot and a reference in another's (not all re-approved yet) is listed in both groups."""
    groups: dict[bool, dict[str, dict]] = {True: {}, False: {}}
    for publication in publications:
        for source in publication.content["sources"]:
            reference = is_reference(source)
            entry = groups[reference].setdefault(
                source["key"], {**source, "is_reference": reference, "uses": []}
            )
            entry["uses"].append(publication)

    def by_name(entries: dict) -> list[dict]:
        return sorted(entries.values(), key=lambda source: (source["title"].lower(), source["key"]))

    return {"references": by_name(groups[True]), "mentions": by_name(groups[False])}


def group_by_category(publications) -> list[dict]:
    """Publications of uses grouped under their category, in the vocabulary's order."""
    groups = {value: [] for value in Category.values}
    for publication in publications:
        groups.setdefault(publication.category, []).append(publication)
    return [
        {"category": value, "label": label(Category, value), "uses": uses}
        for value, uses in groups.items()
        if uses
    ]


def evidence_grid(publications) -> dict:
    """Uses placed by the certainty and direction of their best evidence, for the evidence map."""
    certainties = [*Certainty.values]
    directions = [*Direction.values]
    cells = {(c, d): [] for c in certainties for d in directions}
    unrated = []
    for publication in publications:
        if (publication.certainty, publication.direction) in cells:
            cells[(publication.certainty, publication.direction)].append(publication)
        else:
            unrated.append(publication)
    return {
        "directions": [{"value": d, "label": label(Direction, d)} for d in directions],
        "rows": [
            {
                "value": c,
                "label": label(Certainty, c),
                "cells": [{"direction": d, "uses": cells[(c, d)]} for d in directions],
            }
            for c in certainties
        ],
        "unrated": unrated,
    }
