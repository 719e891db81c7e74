"""The review workflow's services and the invariants of the design."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from tests.factories import edit
from uses import review, selectors
from uses.models import Publication, ReviewState, Status, Submission
from uses.services import add_months, publish

pytestmark = pytest.mark.django_db


# --- submit -----------------------------------------------------------------------------------


def test_submit_freezes_a_snapshot_that_later_edits_do_not_change(published, editor):
    edit(published, editor, summary="Submitted summary")
    submission = review.submit(entry=published, user=editor, note="New summary")
    edit(published, editor, summary="Edited after submitting")
    submission.refresh_from_db()
    assert submission.snapshot["summary"] == "Submitted summary"
    assert submission.note == "New summary"
    assert submission.status == Status.PENDING


def test_submitting_again_supersedes_the_pending_submission(published, editor):
    first = review.submit(entry=published, user=editor)
    second = review.submit(entry=published, user=editor)
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert list(Submission.objects.pending()) == [second]


def test_the_database_refuses_two_pending_submissions_of_one_entry(published, editor):
    submission = review.submit(entry=published, user=editor)
    submission.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        submission.save()


def test_submitting_changes_no_public_page(client, published, editor):
    before = client.get("/uses/fibromyalgia/").content
    edit(published, editor, summary="A CHANGED SUMMARY")
    review.submit(entry=published, user=editor)
    assert client.get("/uses/fibromyalgia/").content == before


def test_reviewers_are_emailed_on_submission_with_a_link(
    published, editor, medical_reviewer, second_reviewer, run_tasks
):
    submission = review.submit(entry=published, user=editor, note="Please check")
    assert mail.outbox == []  # a worker sends it, never the request
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["mara@example.com", "milo@example.com"]
    assert "Fibromyalgia" in mail.outbox[0].subject
    assert f"/admin/uses/submission/{submission.pk}/review/" in mail.outbox[0].body
    assert "Please check" in mail.outbox[0].body


# --- approve ----------------------------------------------------------------------------------


def test_approval_publishes_the_submitted_snapshot_not_the_later_working_copy(
    client, published, editor, medical_reviewer
):
    edit(published, editor, summary="What was reviewed")
    submission = review.submit(entry=published, user=editor)
    edit(published, editor, summary="Edited after submitting, never reviewed")

    publication = review.approve(submission=submission, reviewer=medical_reviewer)

    assert publication.snapshot == submission.snapshot
    html = client.get("/uses/fibromyalgia/").content.decode()
    assert "What was reviewed" in html
    assert "never reviewed" not in html


def test_approval_records_who_when_and_renews_the_review_dates(published, editor, medical_reviewer):
    edit(published, editor, review_interval_months=6)
    submission = review.submit(
        entry=published, user=editor, note="Private", public_note="Shorter interval"
    )
    publication = review.approve(
        submission=submission, reviewer=medical_reviewer, comment="Checked"
    )
    submission.refresh_from_db()
    today = timezone.localdate()
    assert submission.status == Status.APPROVED
    assert submission.decided_by == medical_reviewer
    assert submission.comment == "Checked"
    assert publication.approved_by == medical_reviewer
    assert publication.reviewer == medical_reviewer.person
    assert publication.reviewed_on == today
    assert publication.change_note == "Shorter interval"
    assert publication.submission == submission
    assert publication.next_review_due == review_date_after(today, months=6)
    assert Publication.objects.current().get(condition=published) == publication


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 15), 1, datetime.date(2026, 2, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),  # a shorter month's last day
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),  # a leap year's
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 4, 30)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),  # into the next year
        (datetime.date(2026, 12, 1), 12, datetime.date(2027, 12, 1)),
        (datetime.date(2026, 6, 10), 60, datetime.date(2031, 6, 10)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def review_date_after(day, *, months):
    return add_months(day, months)


def test_the_public_page_names_the_approving_reviewer(client, published, editor, medical_reviewer):
    review.approve(
        submission=review.submit(entry=published, user=editor), reviewer=medical_reviewer
    )
    html = client.get("/uses/fibromyalgia/").content.decode()
    today = timezone.localdate()
    assert "Dr Mara, MD" in html
    assert f"{today:%B} {today.day}, {today.year}" in html


def test_the_submitter_is_emailed_the_decision(published, editor, medical_reviewer, run_tasks):
    submission = review.submit(entry=published, user=editor)
    run_tasks()
    mail.outbox.clear()
    review.approve(submission=submission, reviewer=medical_reviewer)
    run_tasks()
    assert [m.to for m in mail.outbox] == [["edna@example.com"]]
    assert mail.outbox[0].subject.startswith("Approved")
    assert f"/admin/uses/condition/{published.pk}/change/" in mail.outbox[0].body


def test_a_decided_submission_cannot_be_decided_again(
    published, editor, medical_reviewer, second_reviewer
):
    submission = review.submit(entry=published, user=editor)
    review.approve(submission=submission, reviewer=medical_reviewer)
    with pytest.raises(review.ReviewError, match="no longer waiting"):
        review.approve(submission=submission, reviewer=second_reviewer)
    assert Publication.objects.filter(condition=published).count() == 2


def test_a_superseded_submission_cannot_be_approved(published, editor, medical_reviewer):
    first = review.submit(entry=published, user=editor)
    review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="superseded"):
        review.approve(submission=first, reviewer=medical_reviewer)


# --- four eyes --------------------------------------------------------------------------------


def test_nobody_approves_their_own_submission(published, medical_reviewer):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    submission = review.submit(entry=published, user=both)
    with pytest.raises(review.ReviewError, match="You submitted this yourself"):
        review.approve(submission=submission, reviewer=both)
    assert not Publication.objects.filter(submission=submission).exists()


def test_superusers_are_bound_by_four_eyes_too(published):
    admin = factories.make_user(person=True, is_superuser=True)
    submission = review.submit(entry=published, user=admin)
    with pytest.raises(review.ReviewError, match="yourself"):
        review.approve(submission=submission, reviewer=admin)


def test_a_reviewer_who_edited_the_entry_since_publication_cannot_approve(published, editor):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    edit(published, both, summary="Edited by the reviewer")
    submission = review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="You edited this entry"):
        review.approve(submission=submission, reviewer=both)


def test_editing_a_cited_source_counts_as_editing_the_entry(published, editor):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    source = published.evidence.get().sources.get()
    edit(source, both, title="Retitled by the reviewer")
    submission = review.submit(entry=published, user=editor)
    assert "edited" in review.four_eyes_problem(submission=submission, user=both)


def test_edits_before_the_last_publication_do_not_bind(published, editor, reviewer):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    edit(published, both, summary="Old edit")
    publish(entry=published, reviewer=reviewer)
    submission = review.submit(entry=published, user=editor)
    assert review.four_eyes_problem(submission=submission, user=both) == ""


def test_the_database_refuses_approver_equal_to_submitter(published, editor):
    submission = review.submit(entry=published, user=editor)
    submission.status = Status.APPROVED
    submission.decided_by = editor
    submission.decided_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        submission.save()


def test_approval_without_a_reviewer_profile_says_what_to_add(published, editor):
    reviewer = factories.make_user("Medical reviewers")
    submission = review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="link a Person"):
        review.approve(submission=submission, reviewer=reviewer)
    submission.refresh_from_db()
    assert submission.is_pending


# --- request changes --------------------------------------------------------------------------


def test_request_changes_needs_a_comment_and_records_it(published, editor, medical_reviewer):
    submission = review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="comment is required"):
        review.request_changes(submission=submission, reviewer=medical_reviewer, comment=" ")
    review.request_changes(
        submission=submission, reviewer=medical_reviewer, comment="Cite the Stanford study"
    )
    submission.refresh_from_db()
    assert submission.status == Status.CHANGES_REQUESTED
    assert submission.comment == "Cite the Stanford study"
    assert selectors.entry_state(published).code == ReviewState.CHANGES_REQUESTED


# --- withdrawal -------------------------------------------------------------------------------


def test_a_withdrawn_entry_answers_410_and_leaves_every_list(
    client, published, editor, medical_reviewer
):
    submission = review.withdraw(entry=published, user=editor, note="Outdated")
    assert client.get("/uses/fibromyalgia/").status_code == 200
    review.approve(submission=submission, reviewer=medical_reviewer)

    response = client.get("/uses/fibromyalgia/")
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert 'rel="canonical"' not in response.content.decode()
    for url in ["/", "/uses/", "/sources/", "/evidence/", "/sitemap-entries.xml", "/feed/"]:
        assert "fibromyalgia" not in client.get(url).content.decode().lower(), url
    assert selectors.entry_state(published).code == ReviewState.WITHDRAWN
    assert published.publications.count() == 2


def test_withdrawal_needs_a_reason_and_a_published_entry(published, editor):
    with pytest.raises(review.ReviewError, match="required"):
        review.withdraw(entry=published, user=editor, note="")
    draft = factories.make_condition()
    with pytest.raises(review.ReviewError, match="Only a published entry"):
        review.withdraw(entry=draft, user=editor, note="Why")


def test_a_withdrawn_entry_can_be_published_again_through_review(
    client, published, editor, medical_reviewer
):
    review.approve(
        submission=review.withdraw(entry=published, user=editor, note="Outdated"),
        reviewer=medical_reviewer,
    )
    review.approve(
        submission=review.submit(entry=published, user=editor), reviewer=medical_reviewer
    )
    assert client.get("/uses/fibromyalgia/").status_code == 200


# --- confirm still accurate and review due ----------------------------------------------------


def test_confirm_still_accurate_renews_the_review_without_changing_content(
    published, medical_reviewer
):
    old = Publication.objects.current().get(condition=published)
    Publication.objects.filter(pk=old.pk).update(next_review_due=datetime.date(2020, 1, 1))
    confirmed = review.confirm(entry=published, reviewer=medical_reviewer)
    assert confirmed.snapshot == old.snapshot
    assert confirmed.change_note == review.CONFIRM_NOTE
    assert confirmed.reviewed_on == timezone.localdate()
    assert confirmed.next_review_due > timezone.localdate()
    assert not selectors.entry_state(published).review_overdue


def test_confirm_is_refused_for_an_unpublished_entry(medical_reviewer):
    with pytest.raises(review.ReviewError, match="Only a published entry"):
        review.confirm(entry=factories.make_condition(), reviewer=medical_reviewer)


def test_review_due_lists_overdue_entries_and_emails_reviewers(published, medical_reviewer, capsys):
    Publication.objects.filter(condition=published).update(
        next_review_due=datetime.date(2021, 1, 1)
    )
    call_command("review_due")
    out = capsys.readouterr().out
    assert "2021-01-01  Fibromyalgia" in out
    assert mail.outbox[0].to == ["mara@example.com"]
    assert "Fibromyalgia" in mail.outbox[0].body


def test_review_due_says_when_nothing_is_due(published, capsys):
    call_command("review_due")
    assert "No published entry is past its review date." in capsys.readouterr().out
    assert mail.outbox == []


# --- states -----------------------------------------------------------------------------------


def test_every_state_of_an_entry(published, editor, medical_reviewer):
    def state():
        return selectors.entry_state(published)

    assert selectors.entry_state(factories.make_condition()).code == ReviewState.DRAFT
    assert state().code == ReviewState.PUBLISHED
    edit(published, editor, summary="Changed")
    assert state().code == ReviewState.CHANGED
    submission = review.submit(entry=published, user=editor)
    assert state().code == ReviewState.IN_REVIEW
    assert not state().changed_since_submitted
    edit(published, editor, summary="Changed again")
    assert state().changed_since_submitted
    review.request_changes(submission=submission, reviewer=medical_reviewer, comment="No")
    assert state().code == ReviewState.CHANGES_REQUESTED
    review.approve(
        submission=review.submit(entry=published, user=editor), reviewer=medical_reviewer
    )
    assert state().code == ReviewState.PUBLISHED
    review.approve(
        submission=review.withdraw(entry=published, user=editor, note="Gone"),
        reviewer=medical_reviewer,
    )
    assert state().code == ReviewState.WITHDRAWN


def test_editing_a_source_marks_citing_entries_changed_but_no_page(client, published, editor):
    before = client.get("/uses/fibromyalgia/").content
    source = published.evidence.get().sources.get()
    edit(source, editor, title="A corrected title")
    assert selectors.entry_state(published).code == ReviewState.CHANGED
    assert client.get("/uses/fibromyalgia/").content == before


# --- history ----------------------------------------------------------------------------------


def test_every_working_copy_change_is_kept_with_who_and_which_fields(published, editor):
    edit(published, editor, summary="First")
    edit(published, editor, body="Second")
    latest, previous = published.history.all()[:2]
    assert latest.history_user == editor
    assert [change.field for change in latest.diff_against(previous).changes] == ["body"]


def test_an_edit_made_while_an_earlier_submission_waited_still_binds(
    published, editor, medical_reviewer
):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    first = review.submit(entry=published, user=editor)
    edit(published, both, summary="Written by the reviewer while the first waited")
    review.approve(submission=first, reviewer=medical_reviewer)  # does not contain that edit
    second = review.submit(entry=published, user=editor)
    assert "You edited this entry" in review.four_eyes_problem(submission=second, user=both)


def test_confirming_does_not_reopen_the_four_eyes_window(
    published, editor, medical_reviewer, second_reviewer
):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    edit(published, both, summary="Edited by the reviewer")
    review.confirm(entry=published, reviewer=medical_reviewer)
    submission = review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="You edited this entry"):
        review.approve(submission=submission, reviewer=both)
    review.approve(submission=submission, reviewer=second_reviewer)


def test_confirm_is_refused_while_a_submission_waits(published, editor, medical_reviewer):
    review.submit(entry=published, user=editor)
    with pytest.raises(review.ReviewError, match="waits for review"):
        review.confirm(entry=published, reviewer=medical_reviewer)


def test_moving_a_claim_away_counts_as_editing_the_entry_it_left(published, editor):
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    claim = published.evidence.get()
    claim.condition = factories.make_condition()
    edit(claim, both)
    submission = review.submit(entry=published, user=editor)
    assert "You edited this entry" in review.four_eyes_problem(submission=submission, user=both)
