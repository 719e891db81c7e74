"""The working copy: what editors change in the admin. The public never reads these tables."""

import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from simple_history.models import HistoricalRecords

from uses.addresses import address
from uses.validators import (
    validate_doi,
    validate_pmid,
    validate_single_line,
    validate_text,
    validate_trial_id,
)

from .choices import (
    Approval,
    Category,
    Certainty,
    Direction,
    Regimen,
    SourceKind,
    StudyDesign,
)

REVIEW_INTERVAL_HELP = (
    "How many months a medical review stays valid before the entry must be reviewed again "
    "(1 to 60)."
)
# A medical review holds for one month to five years: the form, an import and the database agree.
REVIEW_INTERVAL_MONTHS = (1, 60)


def history_rows(model: type[models.Model]) -> models.QuerySet:
    """Every historical record of ``model``, as a plain queryset.

    ``Model.history`` builds a new manager class on each access (django-simple-history's
    descriptor), which costs more than compiling a query: code that reads history often (the
    four-eyes check of every approval) starts here instead.
    """
    return historical_model(model)._default_manager.all()


@functools.cache
def historical_model(model: type[models.Model]) -> type[models.Model]:
    return model.history.model


def review_interval_in_range(model_name: str) -> models.CheckConstraint:
    low, high = REVIEW_INTERVAL_MONTHS
    return models.CheckConstraint(
        condition=Q(review_interval_months__gte=low, review_interval_months__lte=high),
        name=f"{model_name}_review_interval_in_range",
        violation_error_message=f"The review interval must be {low} to {high} months.",
    )


class Revisioned(models.Model):
    """A row that counts its saves, so that a form opened before someone else's save is refused."""

    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.revision += 1
        super().save(*args, **kwargs)


class PersonQuerySet(models.QuerySet):
    def named_on_public_pages(self):
        """The people a public page names, the only ones with a public profile: the authors of
        current public pages and every reviewer in those pages' review histories, as
        publishing counts them (uses.tallies)."""
        return self.filter(Q(public_credit__authored__gt=0) | Q(public_credit__reviewed__gt=0))

    def with_last_change(self):
        """Annotates what ``Person.last_change`` reads: when a public page last named them as
        its author (``authored_at``) or reviewer (``reviewed_at``: its title and date are on
        their page), and their own last edit (``edited_at``: their bio is)."""
        from .publishing import Publication

        def latest(**naming):
            # Apart for authors and reviewers: each reads the newest row of its own index.
            return Subquery(
                Publication.objects.of_public_entries()
                .filter(**naming)
                .order_by("-published_at")
                .values("published_at")[:1]
            )

        edited = (
            history_rows(self.model)
            .filter(id=OuterRef("pk"))
            .order_by("-history_date")
            .values("history_date")[:1]
        )
        return self.annotate(
            authored_at=latest(author=OuterRef("pk")),
            reviewed_at=latest(reviewer=OuterRef("pk")),
            edited_at=Subquery(edited),
        )


class Person(Revisioned):
    """An author or medical reviewer. Bios are site-level text: they go live when saved."""

    name = models.CharField(
        max_length=120,
        validators=[validate_single_line],
        help_text="Full name as it appears in bylines.",
    )
    slug = models.SlugField(max_length=120, unique=True, help_text="Part of the profile's address.")
    credentials = models.CharField(
        max_length=80,
        blank=True,
        validators=[validate_single_line],
        help_text="Degrees and licences, for example “Ph.D.” or “APRN”.",
    )
    role = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_single_line],
        help_text="What they do for the site, e.g. “Medical writer”.",
    )
    bio = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="Public biography (Markdown). Live when saved.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        help_text="The login this person uses, so that their reviews carry their public name.",
    )
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return address("uses:person-detail", self.slug)

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def last_change(self):
        """The newest of the dates ``with_last_change()`` annotates (None where none is)."""
        dates = (self.authored_at, self.reviewed_at, self.edited_at)
        return max((date for date in dates if date is not None), default=None)


#: The fields that let a reader find a source. A reference has at least one; a mention has none.
SOURCE_IDENTIFIERS = ("url", "doi", "pmid", "trial_id")
REFERENCE_NEEDS_IDENTIFIER_MESSAGE = (
    "A reference needs a URL, DOI, PMID or trial id that leads to it. If the article only "
    "mentions this research and gives no reference, tick “mentioned in the article only”."
)
MENTION_HAS_NO_IDENTIFIERS_MESSAGE = (
    "A source only mentioned in the article cannot have a URL or identifiers."
)


class Source(Revisioned):
    """Research the article relies on: a reference readers can look up (it has a URL, DOI, PMID
    or trial id), or a mention, which the article names without a reference and readers see in
    the article's own words, never as a citation. Nothing here is invented."""

    key = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Stable short key used in imports and exports, e.g. “stanford-fibromyalgia”.",
    )
    title = models.CharField(
        "name or title",
        max_length=300,
        validators=[validate_single_line],
        help_text=(
            "For a mention: the article's own words for what it mentions, copied as they are "
            "(only the first letter may be raised), e.g. “Limited studies” or “Studies conducted "
            "by Stanford University”; cut a clause with “…”, e.g. “Dr. Bernard Bihari observed…”. "
            "For a reference: the title of the work."
        ),
    )
    authors = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_single_line],
        help_text=(
            "For a reference, as the work lists them, e.g. “Smith J”. Readers never see authors "
            "of a mention: leave it empty unless the article names them."
        ),
    )
    publisher = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=(
            "For a reference: the journal, publisher or institution. Readers never see it for a "
            "mention: leave it empty rather than guess."
        ),
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a reference: the year it was published."
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.STUDY)
    url = models.URLField(max_length=500, blank=True)
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[validate_doi],
        help_text="Digital Object Identifier, e.g. 10.1000/xyz123.",
    )
    pmid = models.CharField(
        "PMID", max_length=9, blank=True, validators=[validate_pmid], help_text="PubMed ID."
    )
    trial_id = models.CharField(
        "trial id",
        max_length=40,
        blank=True,
        validators=[validate_trial_id],
        help_text="Registry id such as NCT01234567.",
    )
    mentioned_only = models.BooleanField(
        "mentioned in the article only",
        default=False,
        help_text=(
            "Ticked: the article mentions this research without a reference. Readers see its name "
            "and the article's sentence, marked “No reference given”, never a citation; it has no "
            "URL or identifiers (never invent them). Unticked: a reference, which needs a URL, "
            "DOI, PMID or trial id that you have checked leads to the work. A mention becomes a "
            "reference for readers only when a reviewer approves the uses that cite it."
        ),
    )
    note = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text=(
            "For a mention: the article's sentence about it, word for word (readers see it as "
            "the article's words). For a reference: what the article says about it, or a note."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "key"]
        verbose_name = "source"
        constraints = [
            models.CheckConstraint(
                condition=Q(mentioned_only=False)
                | (Q(url="") & Q(doi="") & Q(pmid="") & Q(trial_id="")),
                name="mentioned_source_has_no_identifiers",
                violation_error_message=MENTION_HAS_NO_IDENTIFIERS_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(mentioned_only=True)
                | ~(Q(url="") & Q(doi="") & Q(pmid="") & Q(trial_id="")),
                name="reference_has_an_identifier",
                violation_error_message=REFERENCE_NEEDS_IDENTIFIER_MESSAGE,
            ),
        ]

    def __str__(self):
        # Mentions are named in the article's few words ("Limited studies" twice): the key tells
        # them apart wherever editors pick one, such as the evidence form's autocomplete.
        return f"{self.title} (mention: {self.key})" if self.mentioned_only else self.title

    def clean(self):
        super().clean()
        # Said by the field an editor can act on (the constraint would say it for the whole
        # form or import row), so the admin and imports name the box or column to fix.
        if not self.mentioned_only and not self.has_identifier:
            raise ValidationError(
                {"mentioned_only": REFERENCE_NEEDS_IDENTIFIER_MESSAGE},
                code="reference_without_identifier",
            )

    @property
    def has_identifier(self) -> bool:
        return any(getattr(self, name) for name in SOURCE_IDENTIFIERS)

    def citing_conditions(self):
        return Condition.objects.citing([self]).order_by("name")


class ReviewedEntry(Revisioned):
    """Fields shared by the two kinds of entry that go through medical review."""

    slug = models.SlugField(
        max_length=120, unique=True, help_text="Part of the page address. Keep it stable."
    )
    summary = models.TextField(
        max_length=600,
        validators=[MaxLengthValidator(600), validate_text],
        help_text="One or two plain sentences shown in lists and search results.",
    )
    body = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="The full text in Markdown. Keep the article's words as they are.",
    )
    author = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="%(class)s_authored", null=True, blank=True
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[
            MinValueValidator(REVIEW_INTERVAL_MONTHS[0]),
            MaxValueValidator(REVIEW_INTERVAL_MONTHS[1]),
        ],
        help_text=REVIEW_INTERVAL_HELP,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def entry_field(self) -> str:
        """The field that points at this entry from submissions and publications."""
        return self._meta.model_name


class ConditionQuerySet(models.QuerySet):
    def citing(self, sources):
        """Uses with a claim that cites any of ``sources``: editing one changes their snapshots."""
        return self.filter(evidence__sources__in=sources).distinct()


class Condition(ReviewedEntry):
    """A use of naltrexone: one condition it is used for."""

    name = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    article_heading = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="This use's heading in the source article; empty where the article has none.",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    approval = models.CharField(
        "approval status",
        max_length=20,
        choices=Approval.choices,
        default=Approval.OFF_LABEL,
        help_text="Only alcohol dependence and opioid addiction are FDA-approved.",
    )
    regimen = models.CharField(max_length=20, choices=Regimen.choices, default=Regimen.LOW_DOSE)
    oral = models.BooleanField("oral tablet", default=False)
    injection = models.BooleanField(default=False, help_text="Extended-release injection (shot).")
    implant = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the article.")
    history = HistoricalRecords()

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "use (condition)"
        verbose_name_plural = "uses (conditions)"
        constraints = [review_interval_in_range("condition")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("uses:condition-detail", kwargs={"slug": self.slug})

    @property
    def formulations(self) -> list[str]:
        fields = ("oral", "injection", "implant")
        return [self._meta.get_field(f).verbose_name for f in fields if getattr(self, f)]


CITATION_REQUIRED_MESSAGE = (
    "Choose at least one source, or tick “citation needed” so that readers see that the article "
    "gives no reference for it."
)


def citation_problem(*, has_sources: bool, citation_needed: bool) -> str:
    """What is wrong with a claim's citations, or "" when nothing is. One rule, used everywhere."""
    if not has_sources and not citation_needed:
        return CITATION_REQUIRED_MESSAGE
    return ""


class EvidenceSource(models.Model):
    """A citation of a source by an evidence item. Cited sources cannot be deleted."""

    evidence = models.ForeignKey("uses.Evidence", on_delete=models.CASCADE)
    source = models.ForeignKey(Source, on_delete=models.PROTECT)

    class Meta:
        ordering = ["source__key"]  # one canonical citation order, whatever the editing order
        verbose_name = "citation"
        constraints = [
            models.UniqueConstraint(fields=["evidence", "source"], name="unique_citation"),
        ]

    def __str__(self):
        return f"{self.evidence} → {self.source}"


class Evidence(Revisioned):
    """One claim about one use, with how strong the evidence behind it is."""

    key = models.SlugField(
        max_length=140,
        unique=True,
        blank=True,
        help_text="Stable key for imports and exports; made from the use's slug when left empty.",
    )
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="evidence")
    claim = models.TextField(
        validators=[validate_text], help_text="The claim, in the article's own words."
    )
    design = models.CharField(
        "best study design",
        max_length=20,
        choices=StudyDesign.choices,
        help_text=(
            "The strongest evidence the article states for the claim. Where it mentions "
            "studies without saying what kind, choose “Studies mentioned, design not stated”."
        ),
    )
    certainty = models.CharField(
        max_length=20,
        choices=Certainty.choices,
        help_text=(
            "GRADE certainty: how sure we can be of the effect the claim reports. "
            "“Not assessed” when there is nothing to rate: no study, only doctors’ practice, "
            "or an approval. The rules are on the public page “How we grade evidence”."
        ),
    )
    direction = models.CharField(
        max_length=20,
        choices=Direction.choices,
        help_text="What the claim’s own sentence reports, never more.",
    )
    rationale = models.TextField(
        "why this grade",
        blank=True,
        validators=[validate_text],
        help_text="The words in the text that justify the design and certainty chosen.",
    )
    sources = models.ManyToManyField(
        Source, through=EvidenceSource, related_name="evidence", blank=True
    )
    citation_needed = models.BooleanField(
        default=False, help_text="Tick when no source supports this claim yet."
    )
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        ordering = ["condition", "position", "pk"]
        verbose_name = "evidence item"
        verbose_name_plural = "evidence"

    def __str__(self):
        return self.claim[:80]

    def save(self, *args, **kwargs):
        self.give_a_key()
        super().save(*args, **kwargs)  # Revisioned: counts the save

    def give_a_key(self) -> None:
        """A claim saved without a key gets one made from its use's slug."""
        if not self.key:
            self.key = f"{self.condition.slug[:120]}-{uuid.uuid4().hex[:8]}"


class Topic(ReviewedEntry):
    """An article section that is not a use: mechanism, timing, contraindications..."""

    title = models.CharField(max_length=200, validators=[validate_single_line])
    is_overview = models.BooleanField(
        "is the overview",
        default=False,
        help_text="The overview is the home page: the article's title and introduction.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the article.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "title"]
        verbose_name = "topic"
        constraints = [
            models.UniqueConstraint(
                fields=["is_overview"],
                condition=Q(is_overview=True),
                name="one_overview_topic",
                violation_error_message="Only one topic can be the overview.",
            ),
            review_interval_in_range("topic"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.is_overview:
            return reverse("uses:home")
        return reverse("uses:topic-detail", kwargs={"slug": self.slug})
