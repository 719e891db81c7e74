"""Public lists, counts, search and the feed read indexes, so they stay fast at any size; so does
the four-eyes check of every approval.

Query plans, not timings: a plan that walks the publications table or sorts it for a list would
cost time in proportion to the catalogue. SQLite's plans are checked as they come, without table
statistics (nothing runs ANALYZE); PostgreSQL's with sequential scans and sorts discouraged,
since its planner rightly scans and sorts a table this small.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.factories import edit
from uses import selectors
from uses.models import Publication
from uses.models.publishing import ReviewType, count_public_use_matches
from uses.serializers import serialize
from uses.services import publish

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's query plans (CI runs them)"
)

# The publications table (or an alias of it in a subquery) read row by row, not by an index.
TABLE_SCAN = re.compile(r"^SCAN (uses_publication|[TU]\d+)(?:$| (?!USING (COVERING )?INDEX))")
SORT_FOR_ORDER = "USE TEMP B-TREE FOR ORDER BY"

LISTS = [
    "/uses/",
    "/uses/?page=2",
    "/uses/?approval=off_label",
    "/uses/?category=pain",
    "/uses/?category=pain&page=2",
    "/uses/?certainty=low",
    "/uses/?regimen=low_dose",
    "/uses/?approval=off_label&category=pain&regimen=low_dose",
]
SEARCHES = ["/uses/?q=use", "/uses/?q=naltrexone+use&page=2", "/uses/?q=use&category=pain"]


@pytest.fixture
def catalogue(reviewer):
    for number in range(25):
        factories.make_published_condition(
            name=f"Use {number}", slug=f"use-{number}", reviewer=reviewer, evidence=0
        )


def plans(client, url: str) -> list[list[str]]:
    """The plan of each query that ``url`` makes about publications, one line per step."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    result = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if "uses_publication" in query["sql"]:
                cursor.execute(explain + query["sql"])
                result.append([row[-1].strip().removeprefix("->  ") for row in cursor.fetchall()])
    return result


@on_sqlite
@pytest.mark.parametrize("url", LISTS)
def test_sqlite_reads_lists_and_counts_from_an_index_in_order(client, catalogue, url):
    for plan in plans(client, url):
        assert not [step for step in plan if TABLE_SCAN.match(step)], plan
        assert SORT_FOR_ORDER not in plan, plan
        assert any("INDEX pub_" in step for step in plan), plan


FULL_TEXT_ALONE = ["SCAN uses_publication_search VIRTUAL TABLE INDEX 0:M1"]


@on_sqlite
@pytest.mark.parametrize("url", SEARCHES)
def test_sqlite_search_runs_the_full_text_query_once(client, catalogue, url):
    searched = plans(client, url)
    # A search alone is counted by the full-text table, which holds only the public uses: no
    # use is read to count its matches.
    assert (FULL_TEXT_ALONE in searched) == ("category=" not in url), searched
    for plan in searched:
        if plan == FULL_TEXT_ALONE:
            continue
        # The full-text query runs once, as the outer loop (each match then read by its key)
        # or as a list of keys: never as an inner loop, which runs the full-text query (and its
        # ranking) once per public use.
        full_text = [
            number
            for number, step in enumerate(plan)
            if step.startswith("SCAN uses_publication_search VIRTUAL TABLE")
        ]
        assert full_text, plan
        for number in full_text:
            assert number == 0 or plan[number - 1].startswith("LIST SUBQUERY"), plan
            if number == 0:
                assert "SEARCH uses_publication USING INTEGER PRIMARY KEY (rowid=?)" in plan
        assert not [step for step in plan if "CORRELATED" in step], plan
        assert not [step for step in plan if TABLE_SCAN.match(step)], plan


@on_sqlite
def test_sqlite_finds_a_use_page_and_its_related_uses_by_index(client, catalogue):
    publication, history, related = plans(client, "/uses/use-3/")
    assert "SEARCH uses_publication USING INDEX one_current_publication_per_address " in (
        " ".join(publication)
    )
    assert not [step for step in history if TABLE_SCAN.match(step)], history
    # The latest reviews, newest first, from an index range: never a sort of every review.
    assert any("USING INDEX pub_use_history" in step for step in history), history
    assert SORT_FOR_ORDER not in history, history
    assert related == [
        "SEARCH uses_publication USING INDEX pub_public_category (kind=? AND category=?)"
    ]


@on_sqlite
def test_sqlite_reads_a_topics_latest_reviews_from_an_index(client, reviewer):
    factories.make_published_topic(title="Timing", slug="timing", reviewer=reviewer)
    history = plans(client, "/topics/timing/")[1]  # after the publication
    assert any("USING INDEX pub_topic_history" in step for step in history), history
    assert SORT_FOR_ORDER not in history, history


@on_sqlite
def test_sqlite_reads_the_feed_newest_first_from_an_index(client, catalogue):
    (feed,) = plans(client, "/feed/")
    assert feed[0] == "SCAN uses_publication USING INDEX pub_published", feed
    assert SORT_FOR_ORDER not in feed, feed
    assert not [step for step in feed if TABLE_SCAN.match(step)], feed


def indexed_for_search() -> dict[int, set[str]]:
    """What SQLite's full-text table holds: each publication it indexes, with its words."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.indexed_words "
            "USING fts5vocab(main, uses_publication_search, instance)"
        )
        cursor.execute("SELECT doc, term FROM temp.indexed_words")
        indexed = {}
        for publication, word in cursor.fetchall():
            indexed.setdefault(publication, set()).add(word)
        return indexed


@on_sqlite
def test_sqlite_search_index_holds_each_public_use_as_it_reads_now_and_nothing_else(reviewer):
    condition, first = factories.make_published_condition(reviewer=reviewer, body="First words.")
    factories.make_published_topic(reviewer=reviewer, title="Timing")  # a topic: not a use
    assert set(indexed_for_search()) == {first.pk}
    condition.body = "Second words."
    condition.save()
    second = publish(entry=condition, reviewer=reviewer)
    assert set(indexed_for_search()) == {second.pk}
    assert {"second", "first"} & indexed_for_search()[second.pk] == {"second"}
    # Text changed in place: a superseded version's stays out, the current one's is indexed anew.
    Publication.objects.filter(pk=first.pk).update(search_text="superseded words")
    Publication.objects.filter(pk=second.pk).update(search_text="changed in place")
    assert indexed_for_search() == {second.pk: {"chang", "in", "place"}}  # Porter stems
    assert count_public_use_matches("changed") == 1
    assert count_public_use_matches("second") == 0
    withdrawal = publish(entry=condition, reviewer=reviewer, review_type=ReviewType.WITHDRAWAL)
    assert withdrawal.is_withdrawn and indexed_for_search() == {}
    third = publish(entry=condition, reviewer=reviewer)  # published again
    assert set(indexed_for_search()) == {third.pk}
    Publication.objects.filter(pk=third.pk).delete()
    assert indexed_for_search() == {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["uses_publication"],
        )
        # A migration that rebuilds the table (SQLite's way to alter a column) drops its
        # triggers: it must create them again.
        assert {name for (name,) in cursor.fetchall()} == {
            "uses_publication_search_insert",
            "uses_publication_search_update",
            "uses_publication_search_delete",
        }


@on_sqlite
def test_sqlite_migration_0018_indexes_the_public_uses_and_reverses(reviewer):
    """Its two directions' statements, run on the test database: back to every publication,
    then forward twice (each direction may run again)."""
    from importlib import import_module

    migration = import_module("uses.migrations.0018_search_index_holds_public_uses_only")
    condition, first = factories.make_published_condition(reviewer=reviewer)
    second = publish(entry=condition, reviewer=reviewer)
    _, topic = factories.make_published_topic(reviewer=reviewer)
    with connection.cursor() as cursor:
        for statement in migration.EVERY_PUBLICATION:
            cursor.execute(statement)
        assert set(indexed_for_search()) == {first.pk, second.pk, topic.pk}
        for statement in migration.PUBLIC_USES_ONLY * 2:
            cursor.execute(statement)
    assert set(indexed_for_search()) == {second.pk}


@on_postgresql
@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/uses/", "pub_public_order"),
        ("/uses/?page=2", "pub_public_order"),
        ("/uses/?category=pain", "pub_public_category"),
        ("/feed/", "pub_published"),
        ("/uses/use-3/", "pub_use_history"),
    ],
)
def test_postgresql_can_answer_lists_search_and_the_feed_from_their_indexes(
    client, catalogue, reviewer, url, index
):
    for number in range(10):  # a category the filter leaves out
        factories.make_published_condition(
            name=f"Other {number}", category="autoimmune", reviewer=reviewer, evidence=0
        )
    with connection.cursor() as cursor:
        # Statistics of this table as it is, not as an earlier test or autovacuum left them in
        # pg_class (ANALYZE writes those in place, past any rollback): on a table this small,
        # stale ones make every index cost the same and the planner's pick arbitrary.
        cursor.execute("ANALYZE uses_publication")
    with connection.cursor() as cursor:  # the order must come from the index, not a sort
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    steps = [step for plan in plans(client, url) for step in plan]
    assert any(index in step for step in steps), steps
    assert not [step for step in steps if step.startswith("Seq Scan on uses_publication")], steps


@on_postgresql
def test_postgresql_search_can_use_its_full_text_index(catalogue):
    """On a table this small the planner prefers other indexes; without them (dropped inside
    the test's transaction) it must be able to answer the search from the GIN index, which
    only holds if the query states the index's condition and expression as the index does."""
    sql, params = Publication.objects.public().search("use").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname FROM pg_index JOIN pg_class index ON index.oid = indexrelid "
            "JOIN pg_class tbl ON tbl.oid = indrelid WHERE tbl.relname = 'uses_publication' "
            "AND index.relname <> 'pub_search_vector' "
            "AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)"
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on pub_search_vector" in plan, plan


CATALOGUE_PAGES = ["/", "/evidence/", "/how-we-grade-evidence/", "/sources/"]


@pytest.fixture
def cited_catalogue(reviewer):
    factories.make_published_topic(title="Overview", is_overview=True, reviewer=reviewer)
    for number in range(12):
        factories.make_published_condition(
            name=f"Use {number}", slug=f"use-{number}", reviewer=reviewer,
            category=["pain", "autoimmune", "digestive"][number % 3],
        )  # fmt: skip


@on_sqlite
@pytest.mark.parametrize("url", CATALOGUE_PAGES)
def test_sqlite_names_the_first_uses_of_each_group_from_index_ranges(client, cited_catalogue, url):
    """Each group's first uses are a range of an index, read in order: no scan of the
    publications or of what they cite, no sort (a window over every use needed both)."""
    page = plans(client, url)
    for plan in page:
        scans = [
            step
            for step in plan
            if step.startswith("SCAN") and not step.startswith("SCAN first_of_group_")
        ]
        assert not scans, plan
    (names,) = [plan for plan in page if "LIST SUBQUERY" in " ".join(plan)]
    assert not [step for step in names if step.startswith("USE TEMP B-TREE")], names
    assert [step for step in names if "USING COVERING INDEX pub_uses_by_" in step] or [
        step for step in names if "USING INDEX pubsource_public_by_key (key=?)" in step
    ], names


@on_postgresql
@pytest.mark.parametrize("url", CATALOGUE_PAGES)
def test_postgresql_names_the_first_uses_of_each_group_from_index_ranges(
    client, cited_catalogue, url
):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    steps = [step for plan in plans(client, url) for step in plan]
    assert not [step for step in steps if step.startswith("Seq Scan on uses_publ")], steps
    assert not [step for step in steps if step.startswith(("Sort", "WindowAgg"))], steps


@on_sqlite
def test_sqlite_lists_a_persons_pages_in_article_order_from_an_index(client, reviewer):
    author = factories.make_person(slug="anna-author")
    for number in range(3):
        factories.make_published_condition(
            name=f"Use {number}", author=author, reviewer=reviewer, evidence=0
        )
    for url in [author.get_absolute_url(), reviewer.get_absolute_url()]:
        for plan in plans(client, url):
            assert SORT_FOR_ORDER not in plan, plan
            assert not [step for step in plan if TABLE_SCAN.match(step)], plan


# --- the four-eyes check ------------------------------------------------------------------------

# A history table read row by row, or through its index of who made each change (named
# uses_historical<model>_history_user_id_<hash>): what one person edited may span the whole
# catalogue (an import, years of work), an entry's history does not.
HISTORY_BY_ANYTHING_BUT_THE_ENTRY = re.compile(
    r"^SCAN uses_historical\w+(?:$| (?!USING (COVERING )?INDEX))|^Seq Scan on uses_historical"
    r"|uses_historical\w+_history_user_id_"
)


@pytest.fixture
def prolific_reviewer(reviewer):
    """A medical reviewer who has edited many other uses, their claims and their sources."""
    user = factories.make_user("Editors", "Medical reviewers", person=True)
    for number in range(25):
        condition, _ = factories.make_published_condition(
            name=f"Other use {number}", reviewer=reviewer
        )
        claim = condition.evidence.get()
        edit(condition, user, summary="Edited.")
        edit(claim, user, claim="Edited.")
        edit(claim.sources.get(), user, title="Edited.")
    return user


def four_eyes_plans(entry, user) -> list[list[str]]:
    """The plan of each query that the four-eyes check makes about history."""
    current = selectors.current_publication(entry)
    with CaptureQueriesContext(connection) as queries:
        assert not selectors.edited_since_content_review(
            entry=entry, user=user, current=current, snapshot=serialize(entry)
        )
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    result = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the table is small: make a scan the last resort
            cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            if "uses_historical" in query["sql"]:
                cursor.execute(explain + query["sql"])
                result.append([row[-1].strip().removeprefix("->  ") for row in cursor.fetchall()])
    assert result
    return result


def test_the_four_eyes_check_reads_the_entrys_history_not_all_the_reviewers_edits(
    reviewer, editor, prolific_reviewer
):
    entry, _ = factories.make_published_condition(name="Fibromyalgia", reviewer=reviewer)
    edit(entry, editor, summary="Changed by the editor.")
    for plan in four_eyes_plans(entry, prolific_reviewer):
        assert not [step for step in plan if HISTORY_BY_ANYTHING_BUT_THE_ENTRY.search(step)], plan
