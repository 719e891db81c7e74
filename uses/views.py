"""Public pages. Every view reads current Publications only, never the working copy."""

import re

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.core.paginator import InvalidPage, Paginator
from django.db import connections
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from uses import catalogue, grading, jsonld
from uses.filters import ConditionFilter
from uses.http import public_page
from uses.models import (
    Certainty,
    Direction,
    Kind,
    Person,
    Publication,
    ReviewType,
    StudyDesign,
)
from uses.models.choices import RENAMED_CERTAINTIES
from uses.models.publishing import count_public_use_matches, reviews_address_of
from uses.presenters import label, present
from uses.serializers import publication_columns
from uses.services import build_publication

PAGE_SIZE = 20
# An entry's page lists its latest reviews and links the rest, which come in pages: an entry
# reviewed every month for years has a page the size of one reviewed once.
HISTORY_ON_PAGE = 10
REVIEWS_PAGE_SIZE = 50
# The list's filters whose columns publishing keeps counts by (uses.models.tallies): the number
# of matches of a list filtered by these alone is a sum of those counts.
COUNTED_FILTERS = {"approval", "category", "certainty"}
RANKED_MATCHES = 500  # a search with more matches lists them in the article's order
SOURCES_PAGE_SIZE = 50
PEOPLE_PAGE_SIZE = 50
# A page number as a link writes it. Anything else (" 1", "1.0", other scripts' digits) is a
# malformed request, not a missing page.
PAGE_NUMBER = re.compile(r"-?[0-9]+")
LIST_COLUMNS_ONLY = ("snapshot", "search_text")
# What the page of an entry reads of its publication (the snapshot holds what it says; the 410
# page of a withdrawn one needs its title and change line): never, for one, its search text
# or the reviewer's private comment.
ENTRY_COLUMNS = (
    "kind", "slug", "title", "condition", "topic", "is_withdrawn", "snapshot", "category",
    "regimen", "evidence_label", "change_note", "reviewed_on", "first_published_on",
    "content_published_at", "next_review_due",
    "reviewer", "reviewer__slug", "reviewer__name", "reviewer__credentials",
)  # fmt: skip
# What a use's card shows (includes/_use_cards.html), what a link to an entry needs, and what a
# line of a review history shows (includes/_review_history.html): lists read only these columns.
CARD_COLUMNS = ("kind", "slug", "title", "summary", "evidence_label")
LINK_COLUMNS = ("kind", "slug", "title")
# What the page of an entry's reviews reads of its current publication, besides the reviews.
REVIEWS_COLUMNS = (*LINK_COLUMNS, "condition", "topic", "is_withdrawn")
HISTORY_COLUMNS = (
    "reviewed_on", "change_note", "is_current",
    "reviewer", "reviewer__slug", "reviewer__name", "reviewer__credentials",
)  # fmt: skip
EDITORIAL_POLICY_URL = "/editorial-policy/"
SOURCES_PAGE_TITLE = "Sources and mentions"


class ListPaginator(Paginator):
    """Pages of a list of publications whose later pages cost about what the first one does.

    On PostgreSQL a later page first finds its rows' keys in the list's index, then reads only
    those rows; with a plain OFFSET it sorted every earlier row's columns, on disk at 10,000
    uses. SQLite already walks the index in order for an OFFSET, and would walk all of it to
    match a list of keys, so it pages the plain way.
    """

    def page(self, number):
        number = self.validate_number(number)
        if number == 1 or connections[self.object_list.db].vendor != "postgresql":
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


# The queries that pages narrow for each request are built once per process, as a generic
# view's ``queryset`` is, and copied for each use (``.all()``, a filter, a slice; never
# evaluated themselves): building one took about as long as the database takes to answer it.
CURRENT_USES = Publication.objects.public().conditions().in_article_order()
CURRENT_USES = CURRENT_USES.defer(*LIST_COLUMNS_ONLY)
CURRENT_TOPICS = Publication.objects.public().topics().in_article_order()
CURRENT_TOPICS = CURRENT_TOPICS.defer(*LIST_COLUMNS_ONLY)
USE_CARDS = CURRENT_USES.only(*CARD_COLUMNS)
# The cards, and the dates the list's structured data gives (jsonld.collection_page).
LISTED_USES = CURRENT_USES.only(*CARD_COLUMNS, "content_published_at", "reviewed_on")
TOPIC_LINKS = CURRENT_TOPICS.only(*LINK_COLUMNS)
# The current publication at an address: one at most (a database constraint), nothing to order.
ENTRY_PAGES = {
    kind: entries.current().select_related("reviewer").only(*ENTRY_COLUMNS).order_by()
    for kind, entries in [
        (Kind.CONDITION, Publication.objects.conditions()),
        (Kind.TOPIC, Publication.objects.topics()),
    ]
}
HISTORY = Publication.objects.select_related("reviewer").only(*HISTORY_COLUMNS)


def current_uses():
    return CURRENT_USES.all()


def current_topics():
    return CURRENT_TOPICS.all()


TEMPLATES = {
    Kind.CONDITION: "uses/condition_detail.html",
    Kind.TOPIC: "uses/topic_detail.html",
    Kind.OVERVIEW: "uses/home.html",
}


def entry_page(request, publication: Publication, template: str, **context):
    """The page of one published entry, with its review history and structured data.

    A withdrawn entry answers 410 Gone: it was published once and has been taken down on purpose.
    """
    if publication.is_withdrawn:
        return gone(request, publication)
    content = present(publication)
    history = list(HISTORY.of_entry(publication)[: HISTORY_ON_PAGE + 1])
    # Counted only when there are more than the page lists: the link says how many.
    if len(history) > HISTORY_ON_PAGE:
        review_count = HISTORY.of_entry(publication).count()
    else:
        review_count = len(history)
    return render(
        request,
        template,
        {
            "publication": publication,
            "content": content,
            "history": history[:HISTORY_ON_PAGE],
            "review_count": review_count,
            "structured_data": jsonld.medical_web_page(settings.SITE_URL, publication, content),
            **context,
        },
    )


def gone(request, publication: Publication):
    """410 Gone: the entry was published once and has been taken down on purpose."""
    return render(request, "410.html", {"publication": publication}, status=410)


def reviews_page(request, publication: Publication):
    """Every review of one published entry, newest first, a page at a time."""
    if publication.is_withdrawn:
        return gone(request, publication)
    paginator = Paginator(HISTORY.of_entry(publication), REVIEWS_PAGE_SIZE)
    page, error = requested_page(paginator, request.GET.get("page", "1"))
    return render(
        request,
        "uses/review_history.html",
        {
            "publication": publication,
            "page_obj": page,
            "history": page,
            "review_count": paginator.count,
            # The whole history's numbering: the newest review is number ``count``.
            "history_start": paginator.count - page.start_index() + 1,
            "page_error": error,
            "structured_data": jsonld.web_page(
                settings.SITE_URL, name=f"Review history: {publication.title}", path=request.path
            ),
        },
        status=400 if error else 200,
    )


def overview_context() -> dict:
    """The index of uses that the overview shows: approved uses and categories with counts."""
    return catalogue.use_index(current_uses())


def requested_page(paginator: Paginator, number: str, *, first_only: bool = False):
    """The page ``number`` (as the query string gives it) of ``paginator``, and what is wrong
    with a malformed number: ``(page, error)``. A malformed number shows page 1 with the error
    (the view answers 400); a number with no such page is 404, as ListView answers.
    ``first_only``: the request is invalid otherwise, so there is nothing to page through."""
    error = ""
    if not PAGE_NUMBER.fullmatch(number):
        error = f"There is no page “{number}”: pages run from 1 to {paginator.num_pages}."
        number = "1"
    elif first_only:
        number = "1"
    try:
        return paginator.page(number), error
    except InvalidPage as exc:
        raise Http404(f"There is no page {number}.") from exc


@public_page
def home(request):
    overview = Publication.objects.public().overview().with_people().first()
    context = overview_context()
    if overview is None:
        return render(request, "uses/home_empty.html", context)
    topics = list(current_topics())
    return entry_page(request, overview, TEMPLATES[Kind.OVERVIEW], topics=topics, **context)


@public_page
def condition_list(request):
    if (certainty := request.GET.get("certainty")) in RENAMED_CERTAINTIES:
        params = request.GET.copy()  # a link from before "insufficient" became "not assessed"
        params["certainty"] = RENAMED_CERTAINTIES[certainty]
        return redirect(f"{request.path}?{params.urlencode()}", permanent=True)
    uses = LISTED_USES.all()
    filterset = ConditionFilter(request.GET, queryset=uses)
    valid_filters = filterset.is_valid()
    matches = filterset.qs if valid_filters else uses.none()
    paginator = ListPaginator(matches, PAGE_SIZE)
    chosen = {}
    if valid_filters:
        chosen = {name: value for name, value in filterset.form.cleaned_data.items() if value}
    if valid_filters and chosen.keys() <= COUNTED_FILTERS:
        paginator.count = catalogue.public_use_count(**chosen)  # kept by publishing
    elif valid_filters and chosen.keys() == {"q"}:
        paginator.count = count_public_use_matches(chosen["q"])
    # The best matches of a search first, when there are few enough to rank: the database
    # scores every match to find the best twenty, so a word most uses share (“naltrexone”)
    # lists its matches in the article's order. The count never ranks.
    words = chosen.get("q", "")
    if words and paginator.count <= RANKED_MATCHES:
        paginator.object_list = matches.best_first(words)
    # When the filters are invalid, their errors say what is wrong: page 1, nothing to page.
    page, page_error = requested_page(
        paginator, request.GET.get("page", "1"), first_only=not valid_filters
    )
    valid = valid_filters and not page_error
    return render(
        request,
        "uses/condition_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "page_error": page_error,
            "query_string": filter_query_string(request),
            "structured_data": jsonld.collection_page(
                settings.SITE_URL, name="Uses of naltrexone", path=request.path, items=page
            ),
        },
        status=200 if valid else 400,
    )


def filter_query_string(request) -> str:
    """The current filters without the page number, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def published_or_moved(kind: Kind, slug: str) -> tuple[Publication | None, str | None]:
    """The current publication of ``kind`` with this slug, or the new slug of an entry that had
    it before."""
    found = ENTRY_PAGES[kind].filter(slug=slug)[:1]
    if found:
        return found[0], None
    earlier = Publication.objects.filter(kind=kind, slug=slug, is_current=False)
    earlier = earlier.order_by("-published_at").first()
    current = earlier and Publication.objects.of_entry(earlier).current().first()
    if current is None or current.slug == slug:
        raise Http404("No published page has this address.")
    return None, current.slug


@public_page
def condition_detail(request, slug):
    publication, moved_to = published_or_moved(Kind.CONDITION, slug)
    if moved_to:
        return redirect("uses:condition-detail", slug=moved_to, permanent=True)
    related = USE_CARDS.filter(category=publication.category).exclude(pk=publication.pk)
    return entry_page(request, publication, TEMPLATES[Kind.CONDITION], related=related[:6])


@public_page
def entry_reviews(request, slug, kind: Kind):
    """Every review of a use or a topic (``kind``, from the URL pattern)."""
    publication, moved_to = published_or_moved(kind, slug)
    if moved_to:  # to the same page of the history at the entry's new address
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reviews_address_of(kind, moved_to) + query, permanent=True)
    return reviews_page(request, publication)


@public_page
def overview_reviews(request):
    overview = Publication.objects.public().overview().only(*REVIEWS_COLUMNS).first()
    if overview is None:
        raise Http404("The site has no published overview yet.")
    return reviews_page(request, overview)


@public_page
def topic_detail(request, slug):
    publication, moved_to = published_or_moved(Kind.TOPIC, slug)
    if moved_to:
        return redirect("uses:topic-detail", slug=moved_to, permanent=True)
    return entry_page(request, publication, TEMPLATES[Kind.TOPIC], topics=TOPIC_LINKS.all())


@public_page
def source_list(request):
    """What the published uses mention and the references behind them, with the uses of each:
    read from the rows each publication wrote of what it cites, a page at a time."""
    counts = catalogue.source_counts()
    paginator = Paginator(catalogue.cited_sources(), SOURCES_PAGE_SIZE)
    paginator.count = counts[True] + counts[False]  # known: no second count of the same groups
    page, page_error = requested_page(paginator, request.GET.get("page", "1"))
    return render(
        request,
        "uses/source_list.html",
        {
            **catalogue.sources_page(page),
            "page_obj": page,
            "page_error": page_error,
            "query_string": "",
            "reference_count": counts[True],
            "mention_count": counts[False],
            "structured_data": jsonld.web_page(
                settings.SITE_URL,
                name=SOURCES_PAGE_TITLE,
                path=request.path,
                page_type="CollectionPage",
            ),
        },
        status=400 if page_error else 200,
    )


@public_page
def person_detail(request, slug):
    """A profile, for people a published page names; nobody else's is public."""
    person = get_object_or_404(
        Person.objects.named_on_public_pages().select_related("public_credit"), slug=slug
    )
    # What the page shows of each: its address, its title and when it was reviewed.
    shown = ("kind", "slug", "title", "reviewed_on")
    published = Publication.objects.public().in_article_order().only(*shown)
    # Every review in a public page's history, earlier versions included: the page links them.
    reviews = Publication.objects.of_public_entries().order_by(
        "position", "title", "-published_at", "pk"
    )
    # The counts are known (publishing keeps them): no query counts what the pages list.
    authored_pages = Paginator(published.filter(author=person), PEOPLE_PAGE_SIZE)
    authored_pages.count = person.public_credit.authored
    reviewed_pages = Paginator(reviews.filter(reviewer=person).only(*shown), PEOPLE_PAGE_SIZE)
    reviewed_pages.count = person.public_credit.reviewed
    authored, authored_error = requested_page(authored_pages, request.GET.get("wrote", "1"))
    reviewed, reviewed_error = requested_page(reviewed_pages, request.GET.get("reviewed", "1"))
    return render(
        request,
        "uses/person_detail.html",
        {
            "person": person,
            "authored": authored,
            "reviewed": reviewed,
            "page_error": authored_error or reviewed_error,
            "structured_data": jsonld.web_page(
                settings.SITE_URL,
                name=person.display_name,
                path=request.path,
                page_type="ProfilePage",
            ),
        },
        status=400 if authored_error or reviewed_error else 200,
    )


@public_page
def evidence_map(request):
    grid = catalogue.evidence_grid(current_uses())
    listed = [use for row in grid["rows"] for cell in row["cells"] for use in cell["uses"]]
    return render(
        request,
        "uses/evidence_map.html",
        {
            "grid": grid,
            "structured_data": jsonld.collection_page(
                settings.SITE_URL,
                name="Evidence at a glance",
                path=request.path,
                items=[*grid["approved"]["uses"], *listed, *grid["unrated"]["uses"]],
            ),
        },
    )


@public_page
def grading_page(request):
    """How we grade evidence: the scheme and the rules every label on the site follows."""
    uses_by_label = catalogue.uses_by_label(
        current_uses().only("kind", "slug", "title", "evidence_label", "position")
    )
    none = {"count": 0, "uses": [], "more": 0}
    return render(
        request,
        "uses/grading.html",
        {
            "grading": grading,
            "designs": [
                {"value": rule.value, "label": label(StudyDesign, rule.value), "words": rule.words}
                for rule in grading.DESIGN_RULES
            ],
            "certainties": [
                {"value": value, "label": label(Certainty, value), "meaning": meaning}
                for value, meaning in grading.CERTAINTY_MEANINGS.items()
            ],
            "certainty_rules": [
                {"design": label(StudyDesign, design), "rule": rule}
                for design, rule in grading.CERTAINTY_RULES
            ],
            "directions": [
                {"label": label(Direction, direction), "rule": f"When {rule}"}
                for direction, rule in [
                    *((direction, rule) for direction, rule, _ in grading.DIRECTION_RULES),
                    (Direction.MIXED, grading.MIXED_RULE),
                ]
            ]
            + [
                {
                    "label": label(Direction, Direction.UNCLEAR),
                    "rule": grading.UNCLEAR_RULE[0].upper() + grading.UNCLEAR_RULE[1:],
                }
            ],
            "labels": [
                {"label": use_label, **uses_by_label.get(use_label.text, none)}
                for use_label in grading.USE_LABELS
            ],
            "structured_data": jsonld.web_page(
                settings.SITE_URL, name="How we grade evidence", path=request.path
            ),
        },
    )


@public_page
def editorial_policy(request):
    """Site-level text with no medical facts: a flat page that goes live when saved."""
    page = get_object_or_404(FlatPage, url=EDITORIAL_POLICY_URL, sites=settings.SITE_ID)
    return render(
        request,
        "flatpages/default.html",
        {
            "flatpage": page,
            "structured_data": jsonld.web_page(
                settings.SITE_URL, name=page.title, path=request.path
            ),
        },
    )


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages (the admin's) that name no icon."""
    return redirect(static("images/favicon.svg"), permanent=True)


@public_page
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")


def preview_page(request, *, submission, reviewer: Person | None):
    """A submission rendered with the public templates, as approval would publish it today.

    Built by the same function as the publication itself, so the preview cannot drift from it.
    Staff only (the admin view that calls this checks), marked as a preview and never indexed.
    """
    from uses.review import proposed_public_note

    columns = publication_columns(submission.snapshot)
    publication = build_publication(
        entry=submission.entry,
        snapshot=submission.snapshot,
        reviewer=reviewer or Person(name="(the approving reviewer)", slug="reviewer"),
        review_type=ReviewType.WITHDRAWAL if submission.is_withdrawal else ReviewType.CONTENT,
        current=Publication.objects.of_entry_key(submission).current().first(),
        submission=submission,
        change_note=proposed_public_note(submission),
    )
    if publication.is_withdrawn:  # what readers will get: the 410 page
        response = render(request, "410.html", {"publication": publication, "preview": True})
    else:
        extra = {}
        if columns["kind"] == Kind.CONDITION:
            extra["related"] = current_uses().filter(category=columns["category"])[:6]
        elif columns["kind"] == Kind.TOPIC:
            extra["topics"] = current_topics()
        else:
            extra.update(overview_context(), topics=list(current_topics()))
        template = TEMPLATES[columns["kind"]]
        response = entry_page(request, publication, template, preview=True, **extra)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
