"""The published record: frozen snapshots of reviewed entries. Public pages read only these."""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Expression, RawSQL
from django.utils import timezone

from uses.addresses import address

from .choices import Approval, Category, Certainty, Direction, Regimen
from .content import Condition, Person, Topic

# A list of uses filters on at most these columns (the public filters, a use page's related uses).
LIST_FILTERS = ("approval", "category", "certainty", "regimen")
# The words of a search. Anything else (quotes, operators, punctuation) is not searched for, so a
# query is never read as the database's search syntax.
SEARCH_WORD = re.compile(r"\w+")
# Words this long also find the words they begin ("migr" finds "migraine"); a shorter one would
# find nearly everything, so it finds only itself.
SEARCH_PREFIX_LENGTH = 3
# The full-text index the migration ``0011_public_indexes_and_search`` creates and the database
# itself keeps in step with every write, whatever writes (publishing, imports, ``bulk_create``):
# on SQLite an FTS5 table filled by triggers, which holds only the public uses (0018), on
# PostgreSQL a generated ``tsvector`` column of uses_publication with a GIN index on the public
# rows. Neither is a model field: nothing else reads them. Both stem English words (Porter), so
# "reverses" finds "reversed". A search is for public uses: on a queryset of anything else,
# SQLite finds nothing.
SEARCH_TABLE = "uses_publication_search"
SEARCH_CONFIG = "english"


class SearchVectorColumn(Expression):
    """PostgreSQL's generated ``search_vector`` column of the query's publications.

    Not raw SQL: the column follows the table's alias when the query becomes a subquery (as a
    later page's keys do), where a table name would point at the outer query's rows.
    """

    output_field = SearchVectorField()

    def __init__(self, alias: str | None = None):
        super().__init__()
        self.alias = alias

    def resolve_expression(self, query=None, *args, **kwargs):
        return SearchVectorColumn(query.get_initial_alias())

    def relabeled_clone(self, relabels):
        return SearchVectorColumn(relabels.get(self.alias, self.alias))

    def get_group_by_cols(self):
        return [self]

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.alias)
        return f"{table}.{connection.ops.quote_name('search_vector')}", []


class Kind(models.TextChoices):
    OVERVIEW = "overview", "Overview"
    CONDITION = "condition", "Use"
    TOPIC = "topic", "Topic"


class ReviewType(models.TextChoices):
    """What a publication records. Only a content review makes new content public."""

    CONTENT = "content", "Content reviewed and published"
    CONFIRMATION = "confirmation", "Confirmed still accurate"
    WITHDRAWAL = "withdrawal", "Withdrawn"


# The page of a publication of each kind, by its slug; the overview's is the home page.
PAGE_OF_KIND = {Kind.CONDITION: "uses:condition-detail", Kind.TOPIC: "uses:topic-detail"}


def address_of(kind: str, slug: str) -> str:
    """The public address of a page of ``kind`` with ``slug`` (the overview is the home page)."""
    if kind in PAGE_OF_KIND:
        return address(PAGE_OF_KIND[kind], slug)
    return address("uses:home")


# The whole review history of a page of each kind; the overview's is the home page's.
REVIEWS_OF_KIND = {Kind.CONDITION: "uses:condition-reviews", Kind.TOPIC: "uses:topic-reviews"}


def reviews_address_of(kind: str, slug: str) -> str:
    """The address of every review of the page of ``kind`` with ``slug``."""
    if kind in REVIEWS_OF_KIND:
        return address(REVIEWS_OF_KIND[kind], slug)
    return address("uses:overview-reviews")


def public_q(prefix: str = "") -> Q:
    """What the public sees: current publications that are not withdrawals. ``prefix`` is the
    path to the publication from a related model's query (``"publication__"``)."""
    return Q(**{f"{prefix}is_current": True, f"{prefix}is_withdrawn": False})


# What the public sees: each entry's current publication, unless it is a withdrawal. The partial
# indexes below carry this condition, and ``public()`` filters with exactly these terms, so that
# the database answers lists and counts from an index in article order.
PUBLIC = public_q()


def _search_words(text: str) -> list[tuple[str, bool]]:
    """The words of a search, each with whether it also finds the words it begins."""
    return [(word, len(word) >= SEARCH_PREFIX_LENGTH) for word in SEARCH_WORD.findall(text.lower())]


def _fts5_query(words) -> str:
    return " ".join(f'"{word}"*' if start else f'"{word}"' for word, start in words)


def _tsquery(words) -> SearchQuery:
    return SearchQuery(
        " & ".join(f"{word}:*" if start else word for word, start in words),
        search_type="raw",
        config=SEARCH_CONFIG,
    )


class PublicationQuerySet(models.QuerySet):
    def current(self):
        """Each entry's current publication, withdrawn ones included."""
        return self.filter(is_current=True)

    def public(self):
        """What the public sees: current publications that are not withdrawals."""
        return self.filter(PUBLIC)

    def conditions(self):
        return self.filter(kind=Kind.CONDITION)

    def topics(self):
        return self.filter(kind=Kind.TOPIC)

    def overview(self):
        return self.filter(kind=Kind.OVERVIEW)

    def of_entry(self, publication: "Publication"):
        """Every publication of the same entry: its public review history."""
        return self.of_entry_key(publication)

    def of_entry_key(self, obj):
        """Publications of the entry that ``obj`` (a publication or submission) belongs to."""
        return self.filter(condition_id=obj.condition_id, topic_id=obj.topic_id)

    def of_public_entries(self):
        """Publications (current or past) of entries the public may still see."""
        # One EXISTS with the entry's two keys inside it (a key that is null matches nothing):
        # both databases answer it per row from the one-current-per-entry indexes, so a
        # newest-first page such as the feed stops after its first rows.
        public = Publication.objects.public().filter(
            Q(condition=OuterRef("condition")) | Q(topic=OuterRef("topic"))
        )
        return self.filter(Exists(public))

    def search(self, text: str):
        """Publications whose text has every word of ``text``, best matches first, then the
        article's order: ``matching`` and ``best_first`` together."""
        return self.matching(text).best_first(text)

    def matching(self, text: str):
        """Of a queryset of public uses (``public().conditions()``: on SQLite the search index
        holds nothing else), those whose text has every word of ``text``, as a word or the
        start of one, in the queryset's order.

        Full-text search on SQLite and PostgreSQL, answered from the search index; on any other
        database, a scan for each word. On SQLite the full-text query runs once, as a list of
        keys, so that a count or a page in article order never reads a row it does not need.
        """
        words = _search_words(text)
        if not words:
            return self
        vendor = connections[self.db].vendor
        if vendor == "sqlite":  # FTS5: every word ("pain"* finds "painful")
            return self.filter(
                pk__in=RawSQL(
                    f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s",
                    [_fts5_query(words)],
                )
            )
        if vendor == "postgresql":
            return self.alias(_search_vector=SearchVectorColumn()).filter(
                _search_vector=_tsquery(words)
            )
        for word, _ in words:
            self = self.filter(search_text__contains=word)
        return self

    def best_first(self, text: str):
        """The queryset (of ``matching(text)``) with the best matches of ``text`` first, then
        in the article's order. Ranking scores every match, so rank only what must be.

        On SQLite the result names the publications table as such, so it is a query of its own,
        never a subquery of another.
        """
        words = _search_words(text)
        if not words:
            return self
        vendor = connections[self.db].vendor
        if vendor == "sqlite":
            # The unary + keeps the full-text table the outer loop of the join: without table
            # statistics SQLite would otherwise loop over public uses and run the full-text query
            # (and its ranking) once for each of them. ``rank`` is bm25, best first.
            return self.extra(
                tables=[SEARCH_TABLE],
                where=[
                    f"{SEARCH_TABLE} MATCH %s",
                    f'"uses_publication"."id" = +{SEARCH_TABLE}.rowid',
                ],
                params=[_fts5_query(words)],
                order_by=[f"{SEARCH_TABLE}.rank", "position", "title"],
            )
        if vendor == "postgresql":
            return self.order_by(
                SearchRank(SearchVectorColumn(), _tsquery(words)).desc(), "position", "title"
            )
        return self.order_by("position", "title")

    def in_article_order(self):
        return self.order_by("position", "title")

    def with_people(self):
        return self.select_related("author", "reviewer")


class Publication(models.Model):
    """One approved version of an entry. The entry's newest approved version is its current one."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="publications"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="publications"
    )
    is_current = models.BooleanField(default=True)
    is_withdrawn = models.BooleanField(
        default=False, help_text="A withdrawal: the page answers 410 Gone and leaves every list."
    )
    review_type = models.CharField(
        max_length=20, choices=ReviewType.choices, default=ReviewType.CONTENT
    )
    submission = models.OneToOneField(
        "uses.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publication",
        help_text="The approved submission; empty for the source article's own review.",
    )
    schema_version = models.PositiveSmallIntegerField()
    snapshot = models.JSONField(help_text="The entry exactly as it was reviewed.")
    fingerprint = models.CharField(max_length=64, help_text="Hash of the snapshot.")

    # Columns extracted from the snapshot once, at publication, for lists, filters and search.
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    approval = models.CharField(max_length=20, choices=Approval.choices, blank=True)
    regimen = models.CharField(max_length=20, choices=Regimen.choices, blank=True)
    certainty = models.CharField(max_length=20, choices=Certainty.choices, blank=True)
    direction = models.CharField(max_length=20, choices=Direction.choices, blank=True)
    evidence_label = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    search_text = models.TextField(blank=True)
    author = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Who reviewed it, and when.
    reviewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reviews")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The login that approved it; empty for the source article's own review.",
    )
    change_note = models.TextField(
        "what changed (public)",
        blank=True,
        help_text="The public line the reviewer approved: review history, feed, 410 page.",
    )
    reviewer_comment = models.TextField(
        blank=True, help_text="Private: a confirming reviewer's comment, seen only in the admin."
    )
    published_at = models.DateTimeField()
    content_published_at = models.DateTimeField(
        help_text="When this content was first published: the “Updated” date readers see. "
        "A confirmation or a withdrawal keeps the date of the content it re-publishes."
    )
    frozen_at = models.DateTimeField(
        help_text="When the content last reviewed by a person was frozen: its submission's "
        "time. Confirmations and withdrawals keep it. Edits made after it have not been "
        "reviewed by anyone else, so their authors may not approve or confirm."
    )
    reviewed_on = models.DateField()
    first_published_on = models.DateField()
    next_review_due = models.DateField()

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "publication"
        get_latest_by = "published_at"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.CONDITION, condition__isnull=False, topic__isnull=True)
                    | Q(kind__in=[Kind.TOPIC, Kind.OVERVIEW], condition__isnull=True)
                    & Q(topic__isnull=False)
                ),
                name="publication_has_one_entry_of_its_kind",
            ),
            models.UniqueConstraint(
                fields=["condition"],
                condition=Q(is_current=True),
                name="one_current_publication_per_condition",
            ),
            models.UniqueConstraint(
                fields=["topic"],
                condition=Q(is_current=True),
                name="one_current_publication_per_topic",
            ),
            # One address, one entry: a current or withdrawn page keeps its address.
            models.UniqueConstraint(
                fields=["kind", "slug"],
                condition=Q(is_current=True),
                name="one_current_publication_per_address",
                violation_error_message="Another published entry has this address.",
            ),
            # The home page shows one overview: another topic becomes it only through review.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind=Kind.OVERVIEW, is_current=True, is_withdrawn=False),
                name="one_public_overview",
                violation_error_message="Another topic is the published overview.",
            ),
            models.CheckConstraint(
                condition=Q(is_withdrawn=True, review_type=ReviewType.WITHDRAWAL)
                | Q(is_withdrawn=False) & ~Q(review_type=ReviewType.WITHDRAWAL),
                name="withdrawn_exactly_when_a_withdrawal",
            ),
        ]
        indexes = [
            # Counts of public entries of a kind. SQLite would otherwise count through the unique
            # index on addresses, which must read every row to leave withdrawn entries out.
            models.Index(fields=["kind"], condition=PUBLIC, name="pub_public_kind"),
            # Public lists in article order: all uses, and filtered by each list filter.
            # With the key last, PostgreSQL finds a later page's keys from the index alone.
            models.Index(
                fields=["kind", "position", "title", "id"],
                condition=PUBLIC,
                name="pub_public_order",
            ),
            *(
                models.Index(
                    fields=["kind", column, "position", "title"],
                    condition=PUBLIC,
                    name=f"pub_public_{column}",
                )
                for column in LIST_FILTERS
            ),
            models.Index(fields=["slug", "is_current"], name="pub_slug_current"),
            # An entry's review history, newest first: its latest reviews from an index range,
            # not a sort of every review (an entry reviewed monthly for years has hundreds).
            models.Index(fields=["condition", "-published_at", "-id"], name="pub_use_history"),
            models.Index(fields=["topic", "-published_at", "-id"], name="pub_topic_history"),
            # The entries the public may see (their review histories are public), by id.
            models.Index(
                fields=["kind", "condition", "topic", "is_current", "is_withdrawn"],
                condition=PUBLIC,
                name="pub_public_entries",
            ),
            # People's pages and the sitemap: what each person wrote or reviewed, newest first
            # or in article order, without reading the publications they did not.
            models.Index(fields=["author", "-published_at"], name="pub_author_latest"),
            models.Index(fields=["reviewer", "-published_at"], name="pub_reviewer_latest"),
            models.Index(
                fields=["reviewer", "position", "title", "-published_at"], name="pub_reviews"
            ),
            # An author's public pages in article order, the first few without sorting them all.
            models.Index(
                fields=["author", "position", "title"], condition=PUBLIC, name="pub_public_authored"
            ),
            # The catalogue pages name the first public uses of each group of these columns,
            # a range of an index each: each index holds every column those queries read, so
            # SQLite never reads a row (its snapshot sits before these columns), and starts with
            # the kind, so that SQLite picks it without statistics. The kind is not in the
            # condition: PostgreSQL leaves out of an index scan's range what the condition
            # implies, and would then scan the whole index for each group. See uses.catalogue.
            *(
                models.Index(
                    fields=["kind", *columns, "position", "title", "is_current", "is_withdrawn"],
                    condition=PUBLIC,
                    name=name,
                )
                for name, columns in [
                    ("pub_uses_by_category", ["approval", "category"]),
                    ("pub_uses_by_evidence", ["approval", "certainty", "direction"]),
                    ("pub_uses_by_label", ["evidence_label"]),
                ]
            ),
            # The feed: newest first.
            models.Index(fields=["published_at", "id"], name="pub_published"),
            # The sitemap index: when public content last changed.
            models.Index(
                fields=["content_published_at"], condition=PUBLIC, name="pub_public_updated"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.published_at:%Y-%m-%d})"

    def get_absolute_url(self):
        return address_of(self.kind, self.slug)

    def get_reviews_url(self):
        return reviews_address_of(self.kind, self.slug)

    @property
    def content(self) -> dict:
        """The snapshot brought up to the current schema, so templates can rely on every key."""
        from uses.serializers import upgrade_snapshot

        return upgrade_snapshot(self.snapshot)

    @property
    def is_review_overdue(self) -> bool:
        """Past its next review date (a withdrawn entry has none)."""
        return not self.is_withdrawn and self.next_review_due < timezone.localdate()

    @property
    def entry(self) -> Condition | Topic:
        return self.condition if self.kind == Kind.CONDITION else self.topic


class PublishedSourceQuerySet(models.QuerySet):
    def of_public_uses(self):
        """The sources the public uses cite (the rows of those uses only), by a column of
        their own: a source's rows come from one index, in article order, with no join."""
        return self.filter(is_public=True)


class PublishedSource(models.Model):
    """One source as one publication's snapshot gives it, in a row of its own.

    Written with the publication, so that the sources page lists sources and the uses citing
    them with a few indexed queries instead of decoding every snapshot. Only ``is_public``
    changes: publishing clears it when the publication stops being current.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="published_sources"
    )
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    sort_title = models.CharField(
        max_length=300, help_text="The title in lower case: sources are listed by name."
    )
    is_reference = models.BooleanField(
        help_text="Shown as a citation readers can look up; otherwise as a mention."
    )
    position = models.PositiveSmallIntegerField(
        help_text="Its place in the snapshot's list of sources."
    )
    data = models.JSONField(help_text="The source as the snapshot gives it.")
    # The citing publication's place in the article's order and its title, which it never
    # changes: the sources page lists each source's first uses from an index, in that order.
    use_position = models.PositiveSmallIntegerField(default=0)
    use_title = models.CharField(max_length=200, default="")
    is_public = models.BooleanField(
        default=False,
        help_text="Cited by a public use: its publication is current and not a withdrawal.",
    )

    objects = PublishedSourceQuerySet.as_manager()

    class Meta:
        ordering = ["publication", "position"]
        verbose_name = "published source"
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "key"], name="one_row_per_source_of_a_publication"
            )
        ]
        indexes = [
            # Holds all that the sources page groups, for the public uses' rows only.
            models.Index(
                fields=["publication", "is_reference", "key", "sort_title"],
                name="pubsource_by_publication",
            ),
            # The public uses citing a source in article order: the sources page lists a
            # source's first few, and publishing counts a source's uses again from the index
            # alone (uses.tallies). ``is_reference`` comes after the order: a filter on a
            # boolean is no equality an index can start with on SQLite, and a source is nearly
            # always shown one way only.
            models.Index(
                fields=["key", "use_position", "use_title", "is_reference", "sort_title"],
                condition=Q(is_public=True),
                name="pubsource_public_by_key",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.key})"


def count_public_use_matches(text: str) -> int:
    """How many public uses have every word of ``text``: the count of
    ``Publication.objects.public().conditions().matching(text)``.

    On SQLite the full-text table holds only the public uses (migration 0018), so it counts them
    itself; looking each match up among the uses took most of a search's time when every use
    matched. Elsewhere the uses are counted.
    """
    words = _search_words(text)
    if words and connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s",
                [_fts5_query(words)],
            )
            return cursor.fetchone()[0]
    return Publication.objects.public().conditions().matching(text).count()
