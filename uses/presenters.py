"""Turn a publication's snapshot into what templates show: labels, numbered citations."""

from uses.models import Category, Certainty, Direction, Kind, Publication, StudyDesign
from uses.serializers import is_reference


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
    content["evidence"] = [
        {
            **item,
            "design_label": label(StudyDesign, item["design"]),
            "certainty_label": label(Certainty, item["certainty"]),
            "direction_label": label(Direction, item["direction"]),
            "citations": [
                {"number": numbers[key], "source": sources[key]}
                for key in item["sources"]
                if key in sources
            ],
        }
        for item in content["evidence"]
    ]
    return content


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
