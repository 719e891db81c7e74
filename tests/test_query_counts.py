"""Public pages and the review workflow stay constant in queries as the published record grows."""

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.core import mail

from tests import factories
from uses import review
from uses.synthetic import add_published_uses

pytestmark = pytest.mark.django_db

# url -> queries, whatever the number of uses (the sites framework's lookup is cached first).
EXPECTED_QUERIES = {
    "/": 5,  # overview, counts by category, a few names of each, topics, history
    "/uses/": 2,
    "/uses/use-0/": 3,
    "/topics/timing/": 3,
    "/uses/use-0/reviews/": 3,  # the use, its reviews counted, a page of them
    "/reviews/": 3,  # the overview, its reviews counted, a page of them
    "/sources/": 3,  # references and mentions counted, a page of sources, their first uses
    "/people/rita-reviewer/": 2,  # the person with their counts, a page of their reviews
    "/editorial-policy/": 1,
    "/evidence/": 2,  # counts by certainty and direction, a few names of each
    "/how-we-grade-evidence/": 2,  # counts by label, a few names of each
    "/sitemap.xml": 3,  # entries' latest change and count, people (listed once a request)
    "/sitemap-entries.xml": 2,  # a count and a page
    "/sitemap-people.xml": 1,
    "/feed/": 1,
}
# One approval, as the admin makes it. Each step: the login's permissions (2, read once a
# request), a savepoint and its release (2: the test's own transaction is around it; in the
# admin, a commit), then
# - submit: lock the entry, its pending submission, the snapshot (author, claims, their sources:
#   3), who holds the address, the submission, the email to the reviewers (queued for a worker);
# - approve: lock the entry, the submission with its submitter, the current publication and the
#   history of the four-eyes check (one query), who holds the address, the reviewer's profile,
#   the decision; then publishing (the entry locked and its current publication read once
#   already): the public version, its author, the old one no longer current (and its cited
#   sources no longer public), the new one, its sources; then the tallies public pages read
#   (uses.tallies): the sources' counts that move, and the reviewer's credit (an update, and
#   here an insert: the reviewer had none); and the email to the editor, queued.
SUBMIT_QUERIES = 12
APPROVE_QUERIES = 21


def publish_uses(count: int, reviewer, evidence: int) -> None:
    """``count`` published uses: three through the real publishing path, the rest copies of them
    saved in bulk with the same rows a real approval writes (``uses.synthetic``)."""
    for number in range(min(count, 3)):
        factories.make_published_condition(
            name=f"Use {number}", slug=f"use-{number}", reviewer=reviewer, evidence=evidence,
            category=["pain", "autoimmune", "digestive"][number % 3],
        )  # fmt: skip
    add_published_uses(count - 3)


def build_site(uses: int, reviewer, editorial_policy):
    factories.make_published_topic(title="Overview", is_overview=True, reviewer=reviewer)
    factories.make_published_topic(title="Timing", slug="timing", reviewer=reviewer)
    publish_uses(uses, reviewer, evidence=2)


@pytest.mark.parametrize("uses", [3, 300])
def test_public_pages_are_constant_in_queries(
    client, django_assert_num_queries, reviewer, editorial_policy, uses
):
    build_site(uses, reviewer, editorial_policy)
    Site.objects.get_current()  # the framework caches the current site once per process
    assert Site.objects.get(pk=settings.SITE_ID)
    for url, queries in EXPECTED_QUERIES.items():
        with django_assert_num_queries(queries + 1):  # + the public record's version
            response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("uses", [30, 300])
def test_submitting_and_approving_a_change_is_constant_in_queries(
    django_assert_num_queries,
    run_tasks,
    reviewer,
    editor,
    medical_reviewer,
    uses,
):
    """What one approval costs, as the admin runs it (logins' permissions read afresh, emails
    sent after commit), whatever the size of the catalogue it joins."""
    publish_uses(uses, reviewer, evidence=1)
    entry, _ = factories.make_published_condition(
        name="Fibromyalgia", slug="fibromyalgia", reviewer=reviewer, evidence=3
    )
    factories.edit(entry, editor, summary="A changed summary.")
    with django_assert_num_queries(SUBMIT_QUERIES):
        submission = review.submit(entry=entry, user=editor, public_note="A new summary.")
    with django_assert_num_queries(APPROVE_QUERIES):
        publication = review.approve(submission=submission, reviewer=medical_reviewer)
    assert publication.snapshot["summary"] == "A changed summary."
    run_tasks()
    assert len(mail.outbox) == 2  # the reviewers were asked, the editor told
