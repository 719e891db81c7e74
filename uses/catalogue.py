"""Reads for the pages that sum up the whole catalogue: the home page, the evidence map, the
grading page and the sources page.

Each gives counts that publishing keeps (uses.tallies) and names at most a few uses per group
(one query, a few index probes per group), with a link to the full list, the way an A to Z
index does. So each page costs the same number
of queries and about the same bytes whether 20 or 10,000 uses are published.
"""

from django.db import connections
from django.db.models import Count, Sum
from django.db.models.expressions import RawSQL

from uses.models import (
    Approval,
    Category,
    Certainty,
    Direction,
    PublicSource,
    PublicUseCount,
    PublishedSource,
)
from uses.models.choices import label

NAMES_PER_CATEGORY = 8  # a small category is listed whole; a bigger one links to its list
NAMES_PER_CELL = 10
NAMES_PER_LABEL = 8
USES_PER_SOURCE = 10
# What a page needs of a use it names: its address, its name, where it goes, and the dates of
# the evidence map's structured data.
LISTED = (
    "kind",
    "slug",
    "title",
    "position",
    "approval",
    "category",
    "certainty",
    "direction",
    "evidence_label",
    "content_published_at",
    "reviewed_on",
)


def first_of_each(
    queryset, groups, fields: tuple[str, ...], count: int, order=("position", "title")
):
    """At most ``count`` rows of each of ``groups`` (tuples of values of ``fields``), first by
    ``order``.

    One part per group, each the first ``count`` entries of an index range (an index leads with
    ``fields`` and then ``order``): a few probes per group, however many rows a group has.
    (Ranking every row with a window function read the whole catalogue.) The parts are one
    UNION ALL; SQLite allows a limit only in a part that is a subquery of its own. The ORM
    writes a part once for each way it reads (a boolean is no parameter), and the other parts
    change its values: writing fifty parts took longer than the database took to answer them.
    """
    written: dict[tuple, tuple[str, list]] = {}
    parts, values = [], []
    for group in groups:
        shape = tuple(value if isinstance(value, bool) else None for value in group)
        own = [value for value in group if not isinstance(value, bool)]
        if shape not in written:
            part = queryset.filter(**dict(zip(fields, group, strict=True)))
            sql, params = part.order_by(*order).values("pk")[:count].query.sql_with_params()
            common = list(params[: len(params) - len(own)])
            if list(params[len(common) :]) != own:  # pragma: no cover - another ORM's SQL
                raise AssertionError(f"The group's values are not the last parameters: {sql}")
            written[shape] = sql, common
        sql, common = written[shape]
        parts.append(sql)
        values += [*common, *own]
    if not parts:
        return queryset.none()
    if connections[queryset.db].features.supports_slicing_ordering_in_compound:
        union = " UNION ALL ".join(f"({sql})" for sql in parts)
    else:
        union = " UNION ALL ".join(
            f"SELECT * FROM ({sql}) AS first_of_group_{number}" for number, sql in enumerate(parts)
        )
    return queryset.model.objects.order_by().filter(pk__in=RawSQL(union, values))


def counts_by(*fields: str) -> dict[tuple, int]:
    """How many public uses share each combination of ``fields``: publishing keeps the counts
    (uses.tallies), a few rows whatever the number of uses."""
    rows = (
        PublicUseCount.objects.filter(uses__gt=0)
        .order_by()
        .values_list(*fields)
        .annotate(count=Sum("uses"))
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def public_use_count(**filters: str) -> int:
    """How many public uses have these values of the counted columns: a sum of a few kept
    counts, where counting the uses themselves read 10,000 index entries."""
    return PublicUseCount.objects.filter(**filters).aggregate(uses=Sum("uses"))["uses"] or 0


def _in_article_order(uses) -> list:
    return sorted(uses, key=lambda use: (use.position, use.title))


def use_index(uses) -> dict:
    """The home page's index: the approved uses and each category of off-label uses with its
    count, a small category's names in full and a bigger one's first few."""
    counts = counts_by("approval", "category")
    names = first_of_each(uses, counts, ("approval", "category"), NAMES_PER_CATEGORY)
    names = list(names.only(*LISTED))
    approved = _in_article_order(use for use in names if use.approval == Approval.FDA_APPROVED)
    off_label_counts: dict[str, int] = {}
    for (approval, category), count in counts.items():
        if approval != Approval.FDA_APPROVED:
            off_label_counts[category] = off_label_counts.get(category, 0) + count
    groups = []
    for category in [*Category.values, *sorted(set(off_label_counts) - set(Category.values))]:
        if not (count := off_label_counts.get(category)):
            continue
        shown = _in_article_order(
            use
            for use in names
            if use.category == category and use.approval != Approval.FDA_APPROVED
        )[:NAMES_PER_CATEGORY]
        groups.append(
            {
                "category": category,
                "label": label(Category, category),
                "count": count,
                "uses": shown,
                "more": count - len(shown),
            }
        )
    approved_count = sum(n for (a, _), n in counts.items() if a == Approval.FDA_APPROVED)
    return {
        "approved": approved[:NAMES_PER_CATEGORY],
        "approved_count": approved_count,
        "approved_more": approved_count - len(approved[:NAMES_PER_CATEGORY]),
        "off_label_groups": groups,
    }


def evidence_grid(uses) -> dict:
    """Uses placed by the certainty and direction of their best evidence, each cell with its
    count and its first few uses; approved uses apart, as the regulator graded them."""
    counts = counts_by("approval", "certainty", "direction")
    names = first_of_each(uses, counts, ("approval", "certainty", "direction"), NAMES_PER_CELL)
    names = list(names.only(*LISTED))
    certainties, directions = [*Certainty.values], [*Direction.values]
    cells = {(c, d): {"count": 0, "uses": []} for c in certainties for d in directions}
    unrated = {"count": 0, "uses": []}
    approved = {"count": 0, "uses": []}

    def cell_of(approval, certainty, direction):
        if approval == Approval.FDA_APPROVED:
            return approved
        return cells.get((certainty, direction), unrated)

    for key, count in counts.items():
        cell_of(*key)["count"] += count
    for use in names:
        cell_of(use.approval, use.certainty, use.direction)["uses"].append(use)
    for cell in [*cells.values(), unrated, approved]:
        cell["uses"] = _in_article_order(cell["uses"])[:NAMES_PER_CELL]
        cell["more"] = cell["count"] - len(cell["uses"])
    rows = []
    for c in certainties:
        row_cells = [{"direction": d, **cells[(c, d)]} for d in directions]
        rows.append(
            {
                "value": c,
                "label": label(Certainty, c),
                "count": sum(cell["count"] for cell in row_cells),
                "more": sum(cell["more"] for cell in row_cells),
                "cells": row_cells,
            }
        )
    return {
        "directions": [{"value": d, "label": label(Direction, d)} for d in directions],
        "rows": rows,
        "unrated": unrated,
        "approved": approved,
    }


def uses_by_label(uses) -> dict[str, dict]:
    """For each label text: how many uses carry it and the first few of them."""
    counts = counts_by("evidence_label")
    groups = {text: {"count": count, "uses": []} for (text,), count in counts.items()}
    for use in first_of_each(uses, counts, ("evidence_label",), NAMES_PER_LABEL).only(*LISTED):
        groups[use.evidence_label]["uses"].append(use)
    for group in groups.values():
        group["uses"] = _in_article_order(group["uses"])
        group["more"] = group["count"] - len(group["uses"])
    return groups


def cited_sources():
    """Each source that public uses cite, once per way it is shown (a source that is
    a mention in one snapshot and a reference in another is in both groups), by name, with the
    number of uses citing it: a query to paginate. Publishing keeps these rows (uses.tallies)."""
    return PublicSource.objects.order_by("-is_reference", "name", "key").values(
        "is_reference", "key", "name", "uses"
    )


def source_counts() -> dict[bool, int]:
    """How many references and how many mentions public uses cite."""
    rows = PublicSource.objects.order_by().values_list("is_reference").annotate(count=Count("pk"))
    return {True: 0, False: 0, **dict(rows)}


def sources_page(page) -> dict:
    """The sources on ``page`` (of ``cited_sources``) as the page shows them: the snapshot's
    words of the first use (in article order) that cites each, and its first few uses."""
    wanted = {(row["is_reference"], row["key"]) for row in page}
    rows = (
        first_of_each(
            PublishedSource.objects.of_public_uses(),
            sorted(wanted),
            ("is_reference", "key"),
            USES_PER_SOURCE,
            order=("use_position", "use_title"),
        )
        .select_related("publication")
        .only(
            "key",
            "is_reference",
            "data",
            "use_position",
            "use_title",
            "publication__kind",
            "publication__slug",
            "publication__title",
            "publication__position",
        )
    )
    citing: dict[tuple, list] = {}
    for row in rows:
        citing.setdefault((row.is_reference, row.key), []).append(row)
    sources = []
    for entry in page:
        found = sorted(
            citing.get((entry["is_reference"], entry["key"]), []),
            key=lambda row: (row.use_position, row.use_title),
        )
        if not found:
            continue
        sources.append(
            {
                **found[0].data,
                "is_reference": entry["is_reference"],
                "uses": [row.publication for row in found],
                "more": entry["uses"] - len(found),
            }
        )
    return {
        "references": [source for source in sources if source["is_reference"]],
        "mentions": [source for source in sources if not source["is_reference"]],
    }
