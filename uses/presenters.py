"""Turn a publication's snapshot into what templates show: labels, numbered citations."""

from uses.models import Category, Certainty, Direction, Kind, Publication, StudyDesign


def label(choices, value: str) -> str:
    """The human label of a stored value; unknown values from older snapshots show as they are."""
    return dict(choices.choices).get(value, value.replace("_", " ").capitalize())


def present(publication: Publication) -> dict:
    """The snapshot with display labels and, for a use, citations numbered into its source list."""
    content = publication.content
    if content["kind"] != Kind.CONDITION:
        return content
    numbers = {source["key"]: number for number, source in enumerate(content["sources"], 1)}
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
    for number, source in enumerate(content["sources"], 1):
        source["number"] = number
    return content


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
