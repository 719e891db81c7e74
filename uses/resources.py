"""Import and export of the working copy and of the published record (django-import-export).

Rows are keyed by natural keys (slugs and source keys), never by database ids. Imports write the
working copy only and are all or nothing: one bad row stops the whole file. Exported cells that a
spreadsheet would run as a formula are escaped in every format, and the escape is undone on import
so that an export imports back unchanged.
"""

from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.encoding import force_str
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader

from uses.models import (
    Condition,
    Evidence,
    EvidenceSource,
    Person,
    Publication,
    Source,
    Topic,
)
from uses.models.choices import RENAMED_CERTAINTIES
from uses.models.content import citation_problem
from uses.review_checks import word_diff

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def escape_formula(value):
    """Make a cell that a spreadsheet would run as a formula plain text, by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return ESCAPE + value
    return value


def unescape_formula(value):
    """Undo escape_formula, so that an exported file imports back to the same text."""
    if isinstance(value, str) and value.startswith(ESCAPE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class KeyWidget(widgets.ForeignKeyWidget):
    """A foreign key by natural key; an unknown key is an error that names it. Every key is read
    once per import (CachedForeignKeyWidget made a new class for each row it looked up)."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if not hasattr(self, "_by_key"):
            queryset = self.get_queryset(value, row, **kwargs)
            self._by_key = {str(getattr(obj, self.field)): obj for obj in queryset}
        try:
            return self._by_key[str(value).strip()]
        except KeyError:
            raise ValueError(
                f"There is no {self.model._meta.verbose_name} with the key “{value}”."
            ) from None


class KeysWidget(widgets.ManyToManyWidget):
    """Several natural keys separated by commas; unknown keys are errors, never dropped."""

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        if not hasattr(self, "_by_key"):  # one query per import, not one per row
            self._by_key = {getattr(obj, self.field): obj for obj in self.model.objects.all()}
        found = {key: self._by_key[key] for key in keys if key in self._by_key}
        unknown = [key for key in keys if key not in found]
        if unknown:
            raise ValueError(
                f"Unknown {self.model._meta.verbose_name} key(s): {', '.join(unknown)}."
            )
        return [found[key] for key in dict.fromkeys(keys)]


#: Rows of a checked file whose changes its page shows; the totals count them all.
PREVIEW_ROWS = 100


class WordDiff(resources.Diff):
    """The import preview's diff with the review page's word highlighting: <del>/<ins> and
    classes, never the inline styles that the strict Content-Security-Policy blocks. Only the
    rows the preview shows are highlighted: it was a quarter of a large file's check."""

    def as_html(self):
        if self.row_number > PREVIEW_ROWS:
            return []
        return [
            word_diff("" if self.new else force_str(old), force_str(new))
            for old, new in zip(self.left, self.right, strict=False)
        ]

    def __init__(self, resource, instance, new):  # the base reads the values without dehydrate_
        self.left, self.right, self.new = self.values(resource, instance), [], new
        self.row_number = getattr(resource, "row_number", 0)

    def compare_with(self, resource, instance):
        self.right = self.values(resource, instance)

    @staticmethod
    def values(resource, instance) -> list:
        # As the resource exports each field (its dehydrate_ method, where it has one), so that
        # a claim's sources are the row's, even before they are written (a check writes none).
        names = {field: name for name, field in resource.fields.items()}
        return [
            getattr(resource, f"dehydrate_{names[field]}", field.export)(instance)
            for field in resource.get_import_fields()
        ]


class EscapedExport:
    """Every exported cell goes through escape_formula, whatever the format."""

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))


def author_field() -> fields.Field:
    return fields.Field(
        attribute="author", column_name="author", widget=KeyWidget(Person, field="slug")
    )


def check_size(dataset) -> None:
    """Refuse a file with more rows than an import takes, or with cells no text of the site can
    hold (longer than any, or with a NUL character, which PostgreSQL refuses even in a query):
    every such cell, each by row and column, in one message."""
    rows = settings.IMPORT_MAX_ROWS
    if len(dataset) > rows:
        raise ValueError(
            f"The file has {len(dataset):,} rows; the limit is {rows:,}. Split it into smaller "
            f"files and import them one by one."
        )
    chars = settings.IMPORT_MAX_CELL_CHARS
    problems = []
    for number, row in enumerate(dataset, 1):
        for header, value in zip(dataset.headers, row, strict=False):
            if not isinstance(value, str):
                continue
            if len(value) > chars:
                problems.append(
                    f"Row {number}, column “{header}”: {len(value):,} characters (the limit is "
                    f"{chars:,})"
                )
            if "\x00" in value:
                problems.append(f"Row {number}, column “{header}”: a NUL character")
    if problems:
        shown = "; ".join(problems[:20]) + (
            f"; and {len(problems) - 20} more" if problems[20:] else ""
        )
        raise ValueError(f"Some cells cannot be imported: {shown}.")


def with_valid_choices(instance, errors: dict) -> dict:
    """``errors`` (by field) where "not a valid choice" also says which values are."""

    def said(name, error):
        if getattr(error, "code", None) != "invalid_choice":
            return error
        choices = ", ".join(str(value) for value, _ in instance._meta.get_field(name).flatchoices)
        value = (error.params or {}).get("value", "")
        return ValidationError(f"“{value}” is not a valid choice; the choices are: {choices}.")

    return {
        name: [said(name, error) for error in ValidationError(messages).error_list]
        for name, messages in errors.items()
    }


class ChunkedInstanceLoader(ModelInstanceLoader):
    """CachedInstanceLoader's one lookup of every row's existing entry, in chunks: a file of
    10,000 existing claims asked SQLite for one query (and its prefetch) of 10,000 keys, past
    its limits ("Expression tree is too large")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pk_field = self.resource.fields[self.resource.get_import_id_fields()[0]]
        keys = []
        if self.dataset.dict and self.pk_field.column_name in self.dataset.dict[0]:
            keys = list(dict.fromkeys(self.pk_field.clean(row) for row in self.dataset.dict))
        lookup = f"{self.pk_field.attribute}__in"
        self.all_instances = {
            self.pk_field.get_value(instance): instance
            for instance in in_chunks(
                lambda chunk: self.get_queryset().filter(**{lookup: chunk}), keys
            )
        }

    def get_instance(self, row):
        return self.all_instances.get(self.pk_field.clean(row))


class WorkingCopyResource(EscapedExport, resources.ModelResource):
    """What every working-copy resource shares: natural keys, strict rows, formula escaping."""

    #: The column that names a row (its natural key); a repeat inside one file is an error.
    key_column = "slug"

    class Meta:
        instance_loader_class = ChunkedInstanceLoader  # a query per 500 rows, not one per row
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    #: Called with each row's number as it is done (uses.importing.Progress), when set.
    progress = None

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, *args, **kwargs
    ):
        # A file refused as a whole (no header, a missing column, too many rows, a cell no text
        # can hold) is not read row by row: its rows would only repeat the problem, and a NUL
        # in a key would fail the rows' lookup on PostgreSQL.
        self.dry_run = dry_run
        try:
            self.check_file(dataset)
        except ValueError as error:
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            result.total_rows = len(dataset)
            self.handle_import_error(result, error, raise_errors)
            return result
        # The file is one transaction (import_data's, rolled back after a check or on any
        # error): rows need no savepoint each. A check writes nothing, and an import is of a
        # checked file; a row the database refuses still refuses the file. Two statements a
        # row fewer: a tenth of an import's time on PostgreSQL.
        return super().import_data_inner(dataset, dry_run, raise_errors, False, *args, **kwargs)

    def check_file(self, dataset) -> None:
        """The file's own problems, before any row: raise ValueError to refuse it."""
        if not dataset.headers or not any(header for header in dataset.headers):
            raise ValueError("The file has no header row: the first row must name the columns.")
        if len(dataset) == 0:
            raise ValueError("The file has a header row but no data rows: nothing to import.")
        check_size(dataset)
        required = [self.key_column, *self.required_columns()]
        missing = [column for column in required if column not in dataset.headers]
        if missing:
            raise ValueError(
                f"The file lacks the column(s) {', '.join(missing)}. "
                f"Columns found: {', '.join(str(h) for h in dataset.headers)}."
            )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._rows_by_key = {}

    def required_columns(self) -> list[str]:
        return []

    def get_diff_class(self):
        return WordDiff

    def import_row(self, row, instance_loader, **kwargs):
        self.row_number = kwargs["row_number"]
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.progress:
            self.progress(kwargs["row_number"])
        return row_result

    def before_import_row(self, row, row_number=None, **kwargs):
        for column, value in row.items():
            # Spreadsheets give empty cells as None; text columns store them as "".
            row[column] = "" if value is None else unescape_formula(value)
        # The row's own problems are reported with those of its columns (import_instance),
        # so that one pass names every mistake of the file.
        self._row_problems = {}
        key = str(row.get(self.key_column) or "").strip()
        if key in self._rows_by_key:
            self._row_problems[self.key_column] = [
                f"“{key}” appears more than once in this file "
                f"(first on row {self._rows_by_key[key]})."
            ]
        else:
            self._rows_by_key[key] = row_number
        try:
            self.validate_row(row)
        except ValidationError as error:
            self._row_problems = error.update_error_dict(self._row_problems)
        super().before_import_row(row, row_number=row_number, **kwargs)

    def validate_row(self, row) -> None:
        """Checks that need several columns of the row; raise ValidationError by column."""

    def import_instance(self, instance, row, **kwargs):
        problems = dict(self._row_problems)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            problems = error.update_error_dict(problems)
        if problems:
            raise ValidationError(problems)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            self.clean_instance(instance, exclude=list(errors), validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(with_valid_choices(instance, errors))

    def clean_instance(self, instance, *, exclude, validate_unique) -> None:
        instance.full_clean(exclude=exclude, validate_unique=validate_unique)

    # A check (the preview, a dry run) validates every row and writes nothing, not even to roll
    # it back: it holds no lock that the site's editors would wait for, and takes half the time.
    # Everything a save would refuse, full_clean checks first (fields, choices, constraints,
    # unique keys against the database and, by before_import_row, against the file).

    def save_instance(self, instance, is_create, row, **kwargs):
        if not self.dry_run:
            self.write_instance(instance, is_create, row, **kwargs)

    def write_instance(self, instance, is_create, row, **kwargs):
        """What an import (never a check) writes of a row's entry."""
        super().save_instance(instance, is_create, row, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        if not self.dry_run:
            super().save_m2m(instance, row, **kwargs)


class PersonResource(WorkingCopyResource):
    class Meta(WorkingCopyResource.Meta):
        model = Person
        fields = ["slug", "name", "credentials", "role", "bio"]
        import_id_fields = ["slug"]

    def required_columns(self):
        return ["name"]


class SourceResource(WorkingCopyResource):
    key_column = "key"

    class Meta(WorkingCopyResource.Meta):
        model = Source
        fields = [
            "key", "title", "authors", "publisher", "year", "kind", "url", "doi", "pmid",
            "trial_id", "mentioned_only", "note",
        ]  # fmt: skip
        import_id_fields = ["key"]

    def required_columns(self):
        return ["title"]


class ConditionResource(WorkingCopyResource):
    author = author_field()

    class Meta(WorkingCopyResource.Meta):
        model = Condition
        fields = [
            "slug", "name", "article_heading", "category", "approval", "regimen", "oral",
            "injection", "implant", "position", "summary", "body", "author",
            "review_interval_months",
        ]  # fmt: skip
        import_id_fields = ["slug"]

    def required_columns(self):
        return ["name", "category", "summary"]


class TopicResource(WorkingCopyResource):
    author = author_field()

    class Meta(WorkingCopyResource.Meta):
        model = Topic
        fields = [
            "slug", "title", "is_overview", "position", "summary", "body", "author",
            "review_interval_months",
        ]  # fmt: skip
        import_id_fields = ["slug"]

    def required_columns(self):
        return ["title", "summary"]


class EvidenceResource(WorkingCopyResource):
    key_column = "key"
    condition = fields.Field(
        attribute="condition", column_name="condition", widget=KeyWidget(Condition, field="slug")
    )
    sources = fields.Field(
        attribute="sources", column_name="sources", widget=KeysWidget(Source, field="key")
    )

    class Meta(WorkingCopyResource.Meta):
        model = Evidence
        fields = [
            "key", "condition", "position", "claim", "design", "certainty", "direction",
            "rationale", "sources", "citation_needed",
        ]  # fmt: skip
        import_id_fields = ["key"]

    def required_columns(self):
        return ["condition", "claim", "design", "certainty", "direction"]

    def clean_instance(self, instance, *, exclude, validate_unique) -> None:
        # The use was already looked up by its key, and the claim's key, its only unique column,
        # was matched against the database by the instance loader and against the file by
        # before_import_row: spare full_clean the two queries a row it would repeat.
        instance.full_clean(exclude=[*exclude, "condition"], validate_unique=False)

    def before_import_row(self, row, **kwargs):
        # A file exported before "insufficient" was renamed "not assessed" still imports.
        certainty = row.get("certainty")
        if certainty in RENAMED_CERTAINTIES:
            row["certainty"] = RENAMED_CERTAINTIES[certainty]
        super().before_import_row(row, **kwargs)

    def validate_row(self, row) -> None:
        # Many-to-many values are saved after the row: check them now, so that an unknown
        # source key is reported against its row and column like any other mistake.
        self._row_sources, self._row_source_keys = [], ""
        try:
            sources = self.fields["sources"].widget.clean(row.get("sources"))
        except ValueError as error:
            raise ValidationError({"sources": str(error)}) from error
        self._row_sources = sources
        self._row_source_keys = ",".join(sorted(source.key for source in sources))
        problem = citation_problem(
            has_sources=bool(sources),
            citation_needed=bool(widgets.BooleanWidget().clean(row.get("citation_needed"))),
        )
        if problem:
            raise ValidationError({"citation_needed": problem})

    def before_import(self, dataset, **kwargs):
        self._earlier_conditions = set()  # what after_import reports
        self._saved = {}  # claims saved, by pk: (claim, is new, its sources' pks)
        self._new = []  # claims to create at the end: [claim, its sources' pks, its row result]
        super().before_import(dataset, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        # A claim moved to another use changes the use it leaves too.
        self._condition_before = None if new else instance.condition_id
        super().after_init_instance(instance, new, row, **kwargs)

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.import_type == row_result.IMPORT_TYPE_UPDATE and self._condition_before:
            self._earlier_conditions.add(self._condition_before)
        if row_result.import_type == row_result.IMPORT_TYPE_NEW and not self.dry_run:
            self._new[-1][2] = row_result  # its id, once the claim is written
        super().after_import_row(row, row_result, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.earlier_conditions = sorted(self._earlier_conditions)
        if result.has_errors() or result.has_validation_errors():
            return
        claims = Evidence.objects.bulk_create([claim for claim, _, _ in self._new], BATCH)
        for claim, (_, sources, row_result) in zip(claims, self._new, strict=True):
            row_result.object_id = claim.pk
            self._saved[claim.pk] = (claim, True, sources)
        if self._saved:
            write_citations_and_history(self._saved.values(), user=kwargs.get("user"))

    def get_queryset(self):
        return Evidence.objects.select_related("condition").prefetch_related(
            "evidencesource_set__source"
        )

    # New claims, every claim's citations and its history record are written for the whole
    # file at its end (after_import), a statement for 500 rows, not row by row: on PostgreSQL a
    # claim's own INSERT was half of an import's time, and its citations and history two
    # thirds before that.

    def write_instance(self, instance, is_create, row, **kwargs):
        sources = [source.pk for source in self._row_sources]
        if is_create:  # as Evidence.save would, once: a key, and its first revision
            instance.give_a_key()
            instance.revision += 1
            self._new.append([instance, sources, None])
            return
        instance.skip_history_when_saving = True
        try:
            super().write_instance(instance, is_create, row, **kwargs)
        finally:
            del instance.skip_history_when_saving
        self._saved[instance.pk] = (instance, is_create, sources)

    def save_m2m(self, instance, row, **kwargs):
        # What the claim's sources are, for the preview's diff, without reading them back.
        instance.imported_source_keys = self._row_source_keys

    def dehydrate_sources(self, evidence):
        # In the canonical citation order (EvidenceSource is ordered by source key).
        if hasattr(evidence, "imported_source_keys"):
            return evidence.imported_source_keys
        if evidence.pk is None:
            return ""
        return ",".join(citation.source.key for citation in evidence.evidencesource_set.all())


def write_citations_and_history(saved, *, user=None) -> None:
    """For imported claims (claim, is new, its sources' pks): set each one's citations to those
    sources, and write each one history record with them, as simple-history would for a claim
    saved with its sources (``+`` new, ``~`` changed), in a few statements for the whole file."""
    saved = list(saved)
    pks = [claim.pk for claim, _, _ in saved]
    existing = {}
    for pk, evidence_id, source_id in in_chunks(
        lambda chunk: EvidenceSource.objects.filter(evidence_id__in=chunk).values_list(
            "pk", "evidence_id", "source_id"
        ),
        pks,
    ):
        existing[(evidence_id, source_id)] = pk
    wanted = {(claim.pk, source) for claim, _, sources in saved for source in sources}
    gone = [pk for link, pk in existing.items() if link not in wanted]
    for chunk in chunked(gone):
        EvidenceSource.objects.filter(pk__in=chunk).delete()
    added = EvidenceSource.objects.bulk_create(
        [EvidenceSource(evidence_id=e, source_id=s) for e, s in sorted(wanted - existing.keys())],
        batch_size=BATCH,
    )
    links = {link: pk for link, pk in existing.items() if link in wanted}
    links.update({(link.evidence_id, link.source_id): link.pk for link in added})

    now = timezone.now()
    records = []
    for update in (False, True):
        claims = [claim for claim, new, _ in saved if new is not update]
        records += Evidence.history.bulk_history_create(
            claims, batch_size=BATCH, update=update, default_user=user, default_date=now
        )
    cited = Evidence.history.model._meta.get_field("historicalevidencesource").related_model
    by_claim = {}
    for (evidence_id, source_id), pk in links.items():
        by_claim.setdefault(evidence_id, []).append((pk, source_id))
    cited.objects.bulk_create(
        [
            cited(history=record, id=pk, evidence_id=record.id, source_id=source_id)
            for record in records
            for pk, source_id in sorted(by_claim.get(record.id, []))
        ],
        batch_size=BATCH,
    )


#: Rows a statement writes or names at most: within every database's limit on parameters.
BATCH = 500


def chunked(values):
    return (values[start : start + BATCH] for start in range(0, len(values), BATCH))


def in_chunks(query, values):
    """``query(chunk)`` for each chunk of ``values``, chained."""
    for chunk in chunked(values):
        yield from query(chunk)


#: Import order for a whole site: each resource only refers to those before it.
WORKING_COPY_RESOURCES = [
    PersonResource, SourceResource, ConditionResource, TopicResource, EvidenceResource,
]  # fmt: skip


# --- the published record (export only) -------------------------------------------------------


class PublicRecordExport(EscapedExport):
    """Exports of the published record: whatever list the admin exports from, only what the
    public sees now (never withdrawn entries or past versions)."""

    def filter_export(self, queryset, **kwargs):
        return queryset.filter(pk__in=Publication.objects.public().values("pk"))


class PublishedEntryResource(PublicRecordExport, resources.ModelResource):
    """Every entry as the public sees it now: one row per current, public publication."""

    reviewer = fields.Field(attribute="reviewer__display_name", column_name="reviewed_by")
    author = fields.Field(attribute="author__display_name", column_name="written_by")

    class Meta:
        model = Publication
        name = "Published entries (what the public sees)"
        fields = [
            "kind", "slug", "title", "category", "approval", "regimen", "evidence_label",
            "certainty", "direction", "summary", "author", "reviewer", "reviewed_on",
            "next_review_due", "first_published_on", "published_at", "change_note",
        ]  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return Publication.objects.public().in_article_order().select_related("author", "reviewer")


class PublishedEvidenceResource(PublicRecordExport, resources.ModelResource):
    """Every published claim with its grade and sources, as the public pages show them."""

    use = fields.Field(attribute="use", column_name="use")
    claim = fields.Field(attribute="claim", column_name="claim")
    design = fields.Field(attribute="design", column_name="design")
    certainty = fields.Field(attribute="certainty", column_name="certainty")
    direction = fields.Field(attribute="direction", column_name="direction")
    citation_needed = fields.Field(attribute="citation_needed", column_name="citation_needed")
    sources = fields.Field(attribute="sources", column_name="sources")
    reviewed_on = fields.Field(attribute="reviewed_on", column_name="reviewed_on")

    class Meta:
        model = Publication
        name = "Published evidence (one row per claim)"
        fields = [
            "use", "claim", "design", "certainty", "direction", "citation_needed", "sources",
            "reviewed_on",
        ]  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return Publication.objects.public().conditions().in_article_order()

    def filter_export(self, queryset, **kwargs):
        # One row per claim of each public publication (export() iterates what this returns).
        public = super().filter_export(queryset, **kwargs)
        return [
            SimpleNamespace(
                use=publication.slug,
                reviewed_on=publication.reviewed_on,
                **{key: item[key] for key in ("claim", "design", "certainty", "direction")},
                citation_needed=item["citation_needed"],
                sources=",".join(item["sources"]),
            )
            for publication in public.conditions()
            for item in publication.content["evidence"]
        ]
