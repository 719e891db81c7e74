"""Keeping the counts of the public record (``uses.models.tallies``) in step with publishing.

``services.publish`` calls ``record_publication`` in the publication's transaction, after it
has locked the public record's version, so publishing transactions update the counts one after
the other. Each call costs a few queries whatever the catalogue's size: a use's counts move by
one; a source's row is counted again from the rows of the uses citing it; a person's counts move
by the reviews in one entry's history. The ``*_from_scratch`` functions count everything again:
the tests hold the kept counts to them, and the migration fills the tables with them.
"""

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, F, Min, Q

from uses.models import Kind, Publication, PublishedSource
from uses.models.tallies import USE_GROUP_COLUMNS, PublicCredit, PublicSource, PublicUseCount


def is_public_use(publication: Publication | None) -> bool:
    return (
        publication is not None
        and publication.kind == Kind.CONDITION
        and not publication.is_withdrawn
    )


def record_publication(*, before: Publication | None, after: Publication) -> None:
    """Count ``after`` (saved, with its cited sources' rows) in place of ``before``, its
    entry's publication that was current until now (or None).

    Only what moves is written: a new version in the same groups that cites the same sources
    by the same names (a confirmation, most corrections) leaves the use and source counts as
    they are.
    """
    leaving = [before] if is_public_use(before) else []
    entering = [after] if is_public_use(after) else []
    moves = Counter(map(use_group, entering))
    moves.subtract(Counter(map(use_group, leaving)))
    count_uses(moves)
    cited = {
        publication: set()
        for publication in (*(item.pk for item in leaving), *(item.pk for item in entering))
    }
    for publication, *source in PublishedSource.objects.filter(
        publication__in=list(cited)
    ).values_list("publication", "key", "is_reference", "sort_title"):
        cited[publication].add(tuple(source))
    old = cited.get(before.pk, set()) if leaving else set()
    new = cited.get(after.pk, set()) if entering else set()
    refresh_sources(key for key, *_ in old ^ new)
    credit_people(before=before, after=after)


def use_group(publication: Publication) -> tuple:
    return tuple(getattr(publication, name) for name in USE_GROUP_COLUMNS)


def count_uses(moves: Counter) -> None:
    """Move the count of each group of public uses by its number in ``moves`` (a group's
    count may stay at zero: the pages read only counts above it)."""
    for group, step in sorted(moves.items()):
        if not step:
            continue
        columns = dict(zip(USE_GROUP_COLUMNS, group, strict=True))
        if not PublicUseCount.objects.filter(**columns).update(uses=F("uses") + step):
            PublicUseCount.objects.create(**columns, uses=step)


def count_sources(rows):
    """Each source of ``rows`` (of ``PublishedSource``), once per way it is shown, with its
    name and the number of publications citing it."""
    return (
        rows.order_by()
        .values("is_reference", "key")
        .annotate(name=Min("sort_title"), uses=Count("pk"))  # a row per publication and key
    )


def citations_from_scratch():
    """The rows of what public uses cite, found through their publications."""
    return PublishedSource.objects.filter(
        publication__is_current=True,
        publication__is_withdrawn=False,
        publication__kind=Kind.CONDITION,
    )


def sources_from_scratch():
    """Each source the public uses cite, read through their publications."""
    return count_sources(citations_from_scratch())


def refresh_sources(keys: Iterable[str]) -> None:
    """Count again the sources with these keys, from the rows of the uses citing them."""
    keys = set(keys)
    if not keys:
        return
    PublicSource.objects.filter(key__in=keys).delete()
    PublicSource.objects.bulk_create(
        PublicSource(**row)
        for row in count_sources(PublishedSource.objects.of_public_uses().filter(key__in=keys))
    )


def credit_people(*, before: Publication | None, after: Publication) -> None:
    """Move the counts of the people that ``after`` replacing ``before`` credits or uncredits.

    A new version of a public page credits its author and its reviewer; withdrawing a page takes
    its whole review history off the public record, and publishing it again brings it back.
    """
    authored, reviewed = Counter(), Counter()
    was_public = before is not None and not before.is_withdrawn
    is_public = not after.is_withdrawn
    if was_public and before.author_id:
        authored[before.author_id] -= 1
    if is_public and after.author_id:
        authored[after.author_id] += 1
    if was_public and is_public:
        reviewed[after.reviewer_id] += 1
    elif was_public or is_public:
        step = 1 if is_public else -1
        if before is not None:  # a first publication has no earlier reviews to count
            history = Publication.objects.of_entry(after).exclude(pk=after.pk)
            for reviewer, number in history.values_list("reviewer").annotate(Count("pk")):
                reviewed[reviewer] += step * number
        if is_public:
            reviewed[after.reviewer_id] += 1
    add_credits(authored, reviewed)


def add_credits(authored: Counter, reviewed: Counter) -> None:
    for person in sorted(set(authored) | set(reviewed)):
        steps = {"authored": authored[person], "reviewed": reviewed[person]}
        moves = {name: F(name) + step for name, step in steps.items() if step}
        if moves and not PublicCredit.objects.filter(person_id=person).update(**moves):
            PublicCredit.objects.create(person_id=person, **steps)


def use_counts_from_scratch() -> dict[tuple, int]:
    rows = (
        Publication.objects.public()
        .conditions()
        .order_by()
        .values_list(*USE_GROUP_COLUMNS)
        .annotate(Count("pk"))
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def credits_from_scratch() -> dict[int, tuple[int, int]]:
    """(authored, reviewed) of each person a public page credits."""
    authored = dict(
        Publication.objects.public()
        .filter(author__isnull=False)
        .order_by()
        .values_list("author")
        .annotate(Count("pk"))
    )
    reviewed = dict(
        Publication.objects.of_public_entries()
        .order_by()
        .values_list("reviewer")
        .annotate(Count("pk"))
    )
    return {
        person: (authored.get(person, 0), reviewed.get(person, 0))
        for person in set(authored) | set(reviewed)
    }


def kept_counts() -> dict:
    """What the tables hold, in the shapes of the ``*_from_scratch`` functions."""
    return {
        "uses": {
            tuple(row[:-1]): row[-1]
            for row in PublicUseCount.objects.filter(uses__gt=0).values_list(
                *USE_GROUP_COLUMNS, "uses"
            )
        },
        "credits": {
            person: (authored, reviewed)
            for person, authored, reviewed in PublicCredit.objects.filter(
                Q(authored__gt=0) | Q(reviewed__gt=0)
            ).values_list("person", "authored", "reviewed")
        },
        "sources": sorted(PublicSource.objects.values_list("is_reference", "key", "name", "uses")),
        "citations": sorted(PublishedSource.objects.of_public_uses().values_list("pk", flat=True)),
    }


def counts_from_scratch() -> dict:
    return {
        "uses": use_counts_from_scratch(),
        "credits": credits_from_scratch(),
        "sources": sorted(
            (row["is_reference"], row["key"], row["name"], row["uses"])
            for row in sources_from_scratch()
        ),
        "citations": sorted(citations_from_scratch().values_list("pk", flat=True)),
    }
