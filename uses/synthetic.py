"""A big published catalogue, quickly, for the scale tests and the benchmark.

Each synthetic use copies one of the article's uses (its body, claims, grades and sources, so
its labels come out as the article's do), under its own name, in a category taken in turn from
every category, with one reference of its own. Rows are written in bulk, but every snapshot,
publication and citation row is built by the same functions as a real approval's
(``serialize``, ``build_publication``, ``published_sources``): only the saving is batched.
"""

import itertools
from collections import Counter

from django.core.management import call_command
from django.db import transaction

from uses import tallies
from uses.cache import public_record_changed
from uses.models import (
    Approval,
    Category,
    Condition,
    Evidence,
    EvidenceSource,
    Publication,
    PublishedSource,
    Source,
    SourceKind,
)
from uses.serializers import condition_queryset, serialize_condition
from uses.services import build_publication, published_sources

PREFIX = "synthetic-use-"
BATCH = 500
FIRST_POSITION = 1000  # after the article's own uses
MAX_POSITION = 32767  # the largest small integer every database stores


def article_uses() -> list[Publication]:
    """The article's published uses (loading the article first on an empty site)."""
    published = Publication.objects.public().conditions().exclude(slug__startswith=PREFIX)
    if not published.exists():
        call_command("load_article", verbosity=0)
    return list(published.select_related("reviewer").order_by("position", "pk"))


@transaction.atomic
def add_published_uses(count: int) -> list[Publication]:
    """Publish ``count`` more uses, modelled on the article's, and return their publications."""
    templates = article_uses()
    working = {
        condition.pk: condition
        for condition in condition_queryset().filter(
            pk__in=[template.condition_id for template in templates]
        )
    }
    offset = Condition.objects.filter(slug__startswith=PREFIX).count()
    categories = itertools.cycle(Category.values)
    plan = []
    for number, template in zip(range(offset, offset + count), itertools.cycle(templates)):
        model = working[template.condition_id]
        approved = model.approval == Approval.FDA_APPROVED
        plan.append((number, template, model, model.category if approved else next(categories)))

    publications = []
    for start in range(0, len(plan), BATCH):
        publications += _publish_batch(plan[start : start + BATCH])
    return publications


@transaction.atomic
def _publish_batch(plan) -> list[Publication]:
    conditions = Condition.objects.bulk_create(
        [
            Condition(
                name=f"{model.name} (synthetic {number})",
                slug=f"{PREFIX}{number}",
                article_heading=model.article_heading,
                category=category,
                approval=model.approval,
                regimen=model.regimen,
                oral=model.oral,
                injection=model.injection,
                implant=model.implant,
                summary=model.summary,
                body=model.body,
                author=model.author,
                review_interval_months=model.review_interval_months,
                position=min(FIRST_POSITION + number, MAX_POSITION),
            )
            for number, _, model, category in plan
        ]
    )
    by_slug = {condition.slug: condition for condition in conditions}
    evidence, cites = [], []
    sources = Source.objects.bulk_create(
        [
            Source(
                key=f"synthetic-source-{number}",
                title=f"A trial of naltrexone, report {number}",
                publisher="Journal of Synthetic Data",
                year=2000 + number % 25,
                kind=SourceKind.STUDY,
                url=f"https://example.org/synthetic/{number}",
            )
            for number, *_ in plan
        ]
    )
    for (number, _, model, _), own_source in zip(plan, sources, strict=True):
        condition = by_slug[f"{PREFIX}{number}"]
        own_source_placed = False
        for item in model.evidence.all():
            copy = Evidence(
                key=f"{condition.slug}-{item.position}-{item.pk}",
                condition=condition,
                claim=item.claim,
                design=item.design,
                certainty=item.certainty,
                direction=item.direction,
                rationale=item.rationale,
                citation_needed=item.citation_needed,
                position=item.position,
            )
            evidence.append(copy)
            cited = [citation.source for citation in item.evidencesource_set.all()]
            if cited and not own_source_placed:
                cited.append(own_source)
                own_source_placed = True
            cites.append((copy, cited))
    Evidence.objects.bulk_create(evidence)
    EvidenceSource.objects.bulk_create(
        [EvidenceSource(evidence=item, source=source) for item, cited in cites for source in cited]
    )
    saved = condition_queryset().filter(pk__in=[condition.pk for condition in conditions])
    saved = {condition.slug: condition for condition in saved}
    publications = [
        build_publication(
            entry=saved[f"{PREFIX}{number}"],
            snapshot=serialize_condition(saved[f"{PREFIX}{number}"]),
            reviewer=template.reviewer,
            change_note="Synthetic use for measuring the site at scale.",
            published_at=template.published_at,
            reviewed_on=template.reviewed_on,
            author=model.author,
            current=None,
        )
        for number, template, model, _ in plan
    ]
    Publication.objects.bulk_create(publications)
    cited = [row for publication in publications for row in published_sources(publication)]
    PublishedSource.objects.bulk_create(cited)
    # Counted as publishing counts them: new entries, each with one review.
    tallies.count_uses(Counter(map(tallies.use_group, publications)))
    tallies.refresh_sources(row.key for row in cited)
    tallies.add_credits(
        Counter(publication.author_id for publication in publications if publication.author_id),
        Counter(publication.reviewer_id for publication in publications),
    )
    public_record_changed()  # as a real approval does: every cached page is out of date
    return publications
