"""Of two concurrent approvals of one entry exactly one wins (needs a database with row locks)."""

import threading

import pytest
from django.db import connection, connections

from tests import factories
from uses import review
from uses.models import Publication, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def approve_at_once(pairs) -> list[str]:
    """Approve each (submission, reviewer) in its own thread and connection, all at once:
    "approved" or the refusal's message for each."""
    barrier = threading.Barrier(len(pairs))
    outcomes = []

    def approve(submission, user):
        try:
            barrier.wait(timeout=10)
            review.approve(submission=submission, reviewer=user)
            outcomes.append("approved")
        except review.ReviewError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_approvals_of_one_submission_exactly_one_wins():
    condition, _ = factories.make_published_condition()
    editor = factories.make_user("Editors")
    reviewers = [factories.make_user("Medical reviewers", person=True) for _ in range(2)]
    submission = review.submit(entry=condition, user=editor)

    outcomes = approve_at_once([(submission, user) for user in reviewers])

    assert len(outcomes) == 2
    assert outcomes.count("approved") == 1
    assert "no longer waiting for review" in next(o for o in outcomes if o != "approved")
    submission.refresh_from_db()
    assert submission.status == Status.APPROVED
    assert Publication.objects.current().filter(condition=condition).count() == 1
    assert Publication.objects.filter(condition=condition).count() == 2


def test_two_entries_approved_at_once_for_one_address_exactly_one_wins():
    editor = factories.make_user("Editors")
    reviewers = [factories.make_user("Medical reviewers", person=True) for _ in range(2)]
    # Two new entries whose submissions both ask for /uses/shared-address/: their working
    # copies moved on, so only the database can tell that the two approvals collide.
    submissions = []
    for name in ("First", "Second"):
        condition = factories.make_condition(name=name, slug="shared-address")
        submissions.append(review.submit(entry=condition, user=editor))
        condition.slug = f"{name.lower()}-draft"
        condition.save()
    outcomes = approve_at_once(list(zip(submissions, reviewers, strict=True)))

    assert outcomes.count("approved") == 1
    loser = next(outcome for outcome in outcomes if outcome != "approved")
    assert "same address" in loser or "/uses/shared-address/ belongs to" in loser
    assert Publication.objects.current().filter(slug="shared-address").count() == 1
