"""The review gate against attack: the seven holes of issue 7, and "who may" in the workflow.

Each hole's reproduction is a test here. The permission and four-eyes matrix runs through the
workflow functions themselves, so every caller (admin, import, command, API) shares one rule.
"""

import datetime
import logging

import pytest
from django.core import mail
from django.core.management import CommandError
from django.db import connection
from django.utils import timezone

from tests import factories
from tests.factories import edit
from uses import review, selectors
from uses.models import Action, Publication, ReviewType, Status, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(db):
    """A login in both groups: the hardest case for four eyes."""
    return factories.make_user("Editors", "Medical reviewers", person=True, username="bo")


def approve_withdrawal(entry, *, editor, reviewer):
    return review.approve(
        submission=review.withdraw(entry=entry, user=editor, note="Outdated"), reviewer=reviewer
    )


# --- 1. four eyes survives a withdrawal --------------------------------------------------------


@pytest.mark.parametrize("who", ["both", "superuser"])
def test_a_withdrawal_does_not_reopen_the_four_eyes_window(
    client, published, editor, medical_reviewer, second_reviewer, both, who
):
    self_reviewer = both if who == "both" else factories.make_user(is_superuser=True, person=True)
    edit(published, self_reviewer, summary="Written by the self-reviewer")
    approve_withdrawal(published, editor=editor, reviewer=medical_reviewer)
    submission = review.submit(entry=published, user=editor)

    with pytest.raises(review.ReviewError, match="You edited this entry"):
        review.approve(submission=submission, reviewer=self_reviewer)
    assert client.get("/uses/fibromyalgia/").status_code == 410

    review.approve(submission=submission, reviewer=second_reviewer)
    assert "Written by the self-reviewer" in client.get("/uses/fibromyalgia/").content.decode()


def test_an_approved_content_review_by_another_person_closes_the_window(
    published, editor, medical_reviewer, both
):
    edit(published, both, summary="Written by the self-reviewer")
    review.approve(
        submission=review.submit(entry=published, user=editor), reviewer=medical_reviewer
    )
    later = review.submit(entry=published, user=editor)
    assert review.four_eyes_problem(submission=later, user=both) == ""


# --- 2. confirming: four eyes, and the public "Updated" date stays ------------------------------


def test_confirm_is_refused_to_someone_who_edited_since_the_content_review(
    published, editor, medical_reviewer, both
):
    edit(published, both, body="A change nobody else has reviewed")
    approve_withdrawal(published, editor=editor, reviewer=medical_reviewer)
    review.approve(
        submission=review.submit(entry=published, user=editor), reviewer=medical_reviewer
    )
    # That content review included the edit: confirming is now fine for anyone but its author
    # of later edits.
    edit(published, both, body="Another unreviewed change")
    with pytest.raises(review.ReviewError, match="You edited this entry"):
        review.confirm(entry=published, reviewer=both)


def test_confirming_renews_the_review_but_not_the_updated_date(client, published, medical_reviewer):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Publication.objects.filter(condition=published).update(
        published_at=long_ago, content_published_at=long_ago, reviewed_on=long_ago.date()
    )
    confirmed = review.confirm(entry=published, reviewer=medical_reviewer)

    assert confirmed.review_type == ReviewType.CONFIRMATION
    assert confirmed.content_published_at == long_ago
    assert confirmed.reviewed_on == timezone.localdate()
    html = client.get("/uses/fibromyalgia/").content.decode()
    updated = f'<dt>Updated</dt><dd><time datetime="{long_ago:%Y-%m-%d}">'
    assert updated in html
    assert f'"dateModified": "{long_ago:%Y-%m-%d}"' in html
    assert f'"lastReviewed": "{timezone.localdate():%Y-%m-%d}"' in html


# --- 3. a live address cannot be taken over -----------------------------------------------------


@pytest.fixture
def lupus(reviewer):
    condition, _ = factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer)
    return condition


def test_a_published_address_cannot_be_taken_by_another_entry(
    client, lupus, editor, medical_reviewer
):
    edit(lupus, editor, slug="lupus-renamed")  # working copy only, never submitted
    newcomer = factories.make_condition(name="Lupus, new entry", slug="lupus")

    with pytest.raises(review.ReviewError, match=r"/uses/lupus/.*“Lupus”"):
        review.submit(entry=newcomer, user=editor)
    assert not Submission.objects.filter(condition=newcomer).exists()
    page = client.get("/uses/lupus/").content.decode()
    assert "<h1>Lupus</h1>" in page


def test_approval_is_refused_when_the_address_was_taken_after_submitting(
    lupus, editor, medical_reviewer, second_reviewer
):
    newcomer = factories.make_condition(name="Systemic lupus", slug="systemic-lupus")
    waiting = review.submit(entry=newcomer, user=editor)
    edit(newcomer, editor, slug="systemic-lupus-draft")
    edit(lupus, editor, slug="systemic-lupus")
    review.approve(submission=review.submit(entry=lupus, user=editor), reviewer=medical_reviewer)

    with pytest.raises(review.ReviewError, match=r"/uses/systemic-lupus/.*“Lupus”"):
        review.approve(submission=waiting, reviewer=second_reviewer)
    waiting.refresh_from_db()
    assert waiting.is_pending
    assert Publication.objects.current().filter(slug="systemic-lupus").count() == 1


def test_an_address_that_redirects_stays_with_its_entry(client, lupus, editor, medical_reviewer):
    edit(lupus, editor, slug="systemic-lupus-erythematosus")
    review.approve(submission=review.submit(entry=lupus, user=editor), reviewer=medical_reviewer)
    assert client.get("/uses/lupus/").status_code == 301
    newcomer = factories.make_condition(name="Drug-induced lupus", slug="lupus")
    with pytest.raises(review.ReviewError, match="“Lupus”"):
        review.submit(entry=newcomer, user=editor)
    # The entry may take its own old address back.
    edit(lupus, editor, slug="lupus-back")
    edit(newcomer, editor, slug="drug-induced-lupus")
    edit(lupus, editor, slug="lupus")
    review.approve(submission=review.submit(entry=lupus, user=editor), reviewer=medical_reviewer)
    assert client.get("/uses/lupus/").status_code == 200


def test_a_withdrawn_address_stays_reserved(lupus, editor, medical_reviewer):
    approve_withdrawal(lupus, editor=editor, reviewer=medical_reviewer)
    edit(lupus, editor, slug="lupus-old")
    newcomer = factories.make_condition(name="Lupus again", slug="lupus")
    with pytest.raises(review.ReviewError, match="withdrawn"):
        review.submit(entry=newcomer, user=editor)


def test_the_database_refuses_two_current_publications_at_one_address(lupus, reviewer):
    from django.db import IntegrityError, transaction

    from uses.serializers import serialize
    from uses.services import publish

    edit(lupus, None, slug="lupus-renamed")
    other = factories.make_condition(name="Other", slug="other")
    snapshot = {**serialize(other), "slug": "lupus"}
    with pytest.raises(IntegrityError), transaction.atomic():
        publish(entry=other, snapshot=snapshot, reviewer=reviewer)


def test_a_slug_change_shows_in_the_diff_with_its_redirect(lupus, editor):
    from uses.review_checks import diff_snapshots

    edit(lupus, editor, slug="systemic-lupus")
    submission = review.submit(entry=lupus, user=editor)
    current = selectors.current_publication(lupus)
    rows = diff_snapshots(current.snapshot, submission.snapshot)["fields"]
    address = next(row for row in rows if row["label"] == "Address")
    assert address["note"] == (
        "The address changes from /uses/lupus/ to /uses/systemic-lupus/; "
        "/uses/lupus/ will redirect (301) to the new address."
    )


# --- 4. private notes stay private --------------------------------------------------------------


def test_private_notes_never_reach_a_public_page_or_the_feed(
    client, published, editor, medical_reviewer
):
    edit(published, editor, summary="A clearer summary")
    submission = review.submit(
        entry=published,
        user=editor,
        note="PRIVATE: the old summary was wrong, see ticket 12",
        public_note="Clarified the summary.",
    )
    review.approve(submission=submission, reviewer=medical_reviewer, comment="PRIVATE: fine by me")
    for url in ["/uses/fibromyalgia/", "/feed/", "/"]:
        assert "PRIVATE" not in client.get(url).content.decode(), url
    assert "Clarified the summary." in client.get("/uses/fibromyalgia/").content.decode()
    assert "Clarified the summary." in client.get("/feed/").content.decode()


def test_the_reviewer_may_reword_the_public_line_before_approving(
    published, editor, medical_reviewer
):
    submission = review.submit(entry=published, user=editor, public_note="Fixed stuff")
    publication = review.approve(
        submission=submission,
        reviewer=medical_reviewer,
        public_note="Corrected the dose in the summary.",
    )
    assert publication.change_note == "Corrected the dose in the summary."
    submission.refresh_from_db()
    assert submission.public_note == "Corrected the dose in the summary."


def test_without_a_proposed_line_the_public_one_is_neutral(published, editor, medical_reviewer):
    submission = review.submit(entry=published, user=editor, note="Private reasons")
    publication = review.approve(submission=submission, reviewer=medical_reviewer)
    assert publication.change_note == review.DEFAULT_PUBLIC_NOTES[Action.PUBLISH]


def test_a_withdrawal_reason_stays_private_on_the_410_page(
    client, published, editor, medical_reviewer
):
    submission = review.withdraw(
        entry=published, user=editor, note="PRIVATE: legal asked us to take it down"
    )
    review.approve(submission=submission, reviewer=medical_reviewer, comment="PRIVATE: agreed")
    gone = client.get("/uses/fibromyalgia/")
    assert gone.status_code == 410
    assert "PRIVATE" not in gone.content.decode()
    assert review.DEFAULT_PUBLIC_NOTES[Action.WITHDRAW] in gone.content.decode()


def test_a_confirmation_comment_stays_private(client, published, medical_reviewer):
    review.confirm(entry=published, reviewer=medical_reviewer, comment="PRIVATE: checked NICE")
    for url in ["/uses/fibromyalgia/", "/feed/"]:
        assert "PRIVATE" not in client.get(url).content.decode(), url
    assert Publication.objects.current().get(condition=published).reviewer_comment == (
        "PRIVATE: checked NICE"
    )


def test_the_feed_carries_the_public_line_as_plain_text(
    client, published, editor, medical_reviewer
):
    submission = review.submit(
        entry=published, user=editor, public_note="Dose <b>4.5 mg</b> & more"
    )
    review.approve(submission=submission, reviewer=medical_reviewer)
    feed = client.get("/feed/").content.decode()
    assert '<summary type="text">Dose &lt;b&gt;4.5 mg&lt;/b&gt; &amp; more' in feed
    assert 'type="html"' not in feed


def test_existing_rows_migrate_with_private_notes_made_neutral(published, editor, medical_reviewer):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("uses.migrations.0004_review_gate")
    submission = review.submit(entry=published, user=editor, note="PRIVATE note")
    approved = review.approve(submission=submission, reviewer=medical_reviewer)
    confirmed = review.confirm(entry=published, reviewer=medical_reviewer, comment="x")
    # As the old code stored them: the private texts as the public line.
    Publication.objects.filter(pk=approved.pk).update(change_note="PRIVATE note")
    Publication.objects.filter(pk=confirmed.pk).update(
        change_note="PRIVATE confirm", reviewer_comment=""
    )
    migration.separate_private_notes(apps, connection.schema_editor())  # it reads its database
    approved.refresh_from_db()
    confirmed.refresh_from_db()
    assert approved.change_note == review.DEFAULT_PUBLIC_NOTES[Action.PUBLISH]
    assert confirmed.change_note == review.CONFIRM_NOTE
    assert confirmed.reviewer_comment == "PRIVATE confirm"
    article = Publication.objects.filter(condition=published).order_by("pk").first()
    assert article.change_note == ""  # the factory's own publication had no note to hide


# --- 6. a pending withdrawal is not silently replaced ---------------------------------------------


def test_a_pending_withdrawal_is_not_replaced_by_a_routine_submission(published, editor):
    withdrawal = review.withdraw(entry=published, user=editor, note="Outdated")
    with pytest.raises(review.ReviewError, match=r"withdrawal .* waits for review"):
        review.submit(entry=published, user=editor, note="A routine edit")
    withdrawal.refresh_from_db()
    assert withdrawal.is_pending

    review.cancel_withdrawal(entry=published, user=editor)
    withdrawal.refresh_from_db()
    assert withdrawal.status == Status.CANCELLED
    assert withdrawal.cancelled_by == editor
    assert review.submit(entry=published, user=editor).is_pending


def test_cancel_withdrawal_needs_a_pending_withdrawal(published, editor):
    with pytest.raises(review.ReviewError, match="No withdrawal"):
        review.cancel_withdrawal(entry=published, user=editor)


# --- 7. no email turns saved work into an error -------------------------------------------------


class FailingBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_title_with_a_line_break_still_gets_a_valid_email(
    published, editor, medical_reviewer, run_tasks
):
    # Written straight to the database, past every form: the subject must still be one line.
    type(published).objects.filter(pk=published.pk).update(name="Fibro\nmyalgia\r\x07")
    published.refresh_from_db()
    review.submit(entry=published, user=editor)
    run_tasks()
    assert mail.outbox and "\n" not in mail.outbox[0].subject
    assert "Fibro myalgia" in mail.outbox[0].subject


def test_a_mail_server_that_is_down_fails_no_approval_and_the_email_is_tried_again(
    published, editor, medical_reviewer, run_tasks, settings, caplog
):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.EMAIL_BACKEND = "tests.test_review_gate.FailingBackend"
    submission = review.submit(entry=published, user=editor)
    review.approve(submission=submission, reviewer=medical_reviewer)
    with caplog.at_level(logging.WARNING):
        run_tasks()
    assert Publication.objects.current().get(condition=published).submission == submission
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert sorted(failed.values_list("task_path", flat=True)) == [
        "uses.tasks.email_reviewers",
        "uses.tasks.email_submitter",
    ]
    assert all("mail server down" in result.traceback for result in failed)
    assert "mail server down" in caplog.text

    # Each is tried again later; once the server is back, the emails go.
    retries = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert retries.count() == 2
    assert all(retry.run_after > timezone.now() for retry in retries)
    assert all(retry.args_kwargs["kwargs"] == {"attempt": 2} for retry in retries)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_tasks()
    assert mail.outbox == []  # not before its time
    retries.update(run_after=timezone.now())
    run_tasks()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "edna@example.com",
        "mara@example.com",
    ]


# --- who may: the permission and four-eyes matrix, through the workflow functions --------------

ROLES = ["editor", "reviewer", "both", "superuser", "staff"]
# step -> roles that may take it (with no four-eyes problem in the way).
MAY = {
    "submit": {"editor", "both", "superuser"},
    "withdraw": {"editor", "both", "superuser"},
    "cancel_withdrawal": {"editor", "both", "superuser"},
    "approve": {"reviewer", "both", "superuser"},
    "request_changes": {"reviewer", "both", "superuser"},
    "confirm": {"reviewer", "both", "superuser"},
}


@pytest.fixture
def role_users(db):
    return {
        "editor": factories.make_user("Editors", username="ed"),
        "reviewer": factories.make_user("Medical reviewers", username="rev", person=True),
        "both": factories.make_user("Editors", "Medical reviewers", username="bo", person=True),
        "superuser": factories.make_user(username="root", is_superuser=True, person=True),
        "staff": factories.make_user(username="staff", person=True),
    }


def take_step(step, *, entry, user, submitter):
    if step == "submit":
        return review.submit(entry=entry, user=user)
    if step == "withdraw":
        return review.withdraw(entry=entry, user=user, note="Why")
    if step == "cancel_withdrawal":
        review.withdraw(entry=entry, user=submitter, note="Why")
        return review.cancel_withdrawal(entry=entry, user=user)
    if step == "confirm":
        return review.confirm(entry=entry, reviewer=user)
    submission = review.submit(entry=entry, user=submitter)
    if step == "approve":
        return review.approve(submission=submission, reviewer=user)
    return review.request_changes(submission=submission, reviewer=user, comment="Fix")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", MAY)
def test_who_may_take_each_step(published, role_users, step, role):
    submitter = factories.make_user("Editors", username="other-editor")
    user = role_users[role]
    if role in MAY[step]:
        take_step(step, entry=published, user=user, submitter=submitter)
    else:
        before = (
            list(Submission.objects.values_list("pk", "status")),
            Publication.objects.count(),
        )
        with pytest.raises(review.NotAllowed):
            take_step(step, entry=published, user=user, submitter=submitter)
        if step in {"submit", "withdraw", "confirm"}:
            assert (
                list(Submission.objects.values_list("pk", "status")),
                Publication.objects.count(),
            ) == before


@pytest.mark.parametrize("step", ["approve", "confirm"])
@pytest.mark.parametrize("role", ["both", "superuser"])
def test_four_eyes_binds_every_role_that_may_decide(published, role_users, step, role):
    user = role_users[role]
    edit(published, user, summary=f"{role} wrote this")
    submitter = factories.make_user("Editors", username="other-editor")
    with pytest.raises(review.ReviewError, match="You edited this entry"):
        take_step(step, entry=published, user=user, submitter=submitter)


@pytest.mark.parametrize("step", ["approve", "request_changes"])
def test_nobody_decides_on_their_own_submission(published, role_users, step):
    for role in ["both", "superuser"]:
        user = role_users[role]
        with pytest.raises(review.ReviewError, match="yourself"):
            take_step(step, entry=published, user=user, submitter=user)
        Submission.objects.pending().update(status=Status.SUPERSEDED)


def test_inactive_users_may_take_no_step(published, role_users):
    user = role_users["both"]
    user.is_active = False
    user.save()
    with pytest.raises(review.NotAllowed):
        review.submit(entry=published, user=user)


def test_review_states_are_a_vocabulary(published):
    state = selectors.entry_state(published)
    assert state.code == selectors.ReviewState.PUBLISHED
    assert state.label == "Published"


@pytest.mark.parametrize(
    "texts",
    [
        {"public_note": "What changed\nBcc: someone@example.com"},
        {"public_note": "x" * 301},
        {"note": "A note with a NUL\x00"},
        {"note": "x" * 4001},
    ],
    ids=["line-break-in-public-line", "long-public-line", "nul-in-note", "long-note"],
)
def test_workflow_texts_are_checked_before_anything_is_written(
    published, editor, medical_reviewer, texts
):
    with pytest.raises(review.ReviewError, match=r"What changed|Note to the reviewer"):
        review.submit(entry=published, user=editor, **texts)
    assert not Submission.objects.exists()
    submission = review.submit(entry=published, user=editor)
    if "public_note" in texts:
        with pytest.raises(review.ReviewError, match="What changed"):
            review.approve(
                submission=submission, reviewer=medical_reviewer, public_note=texts["public_note"]
            )
        submission.refresh_from_db()
        assert submission.is_pending


def test_the_demo_accounts_may_take_their_roles_steps(settings):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from uses.models import Condition
    from uses.roles import can_review, can_submit

    settings.DEBUG = True
    call_command("demo_accounts", verbosity=0)
    editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="reviewer")
    assert can_submit(editor, Condition) and not can_review(editor)
    assert can_review(reviewer) and not can_submit(reviewer, Condition)
    assert reviewer.person.display_name == "Rosa Reviewer, MD"
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("demo_accounts", verbosity=0)


def test_running_the_demo_accounts_again_lifts_a_lockout_of_one(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo_accounts", verbosity=0)
    for _ in range(5):
        client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    right = {"username": "editor", "password": "editor-demo"}
    assert client.post("/admin/login/", right).status_code == 429
    call_command("demo_accounts", verbosity=0)  # what `make run` does each time
    assert client.post("/admin/login/", right).status_code == 302


# --- found by a second review ---------------------------------------------------------------------


def test_an_edited_source_newly_cited_binds_its_editor(editor, medical_reviewer, reviewer, both):
    from tests.factories import make_evidence, make_published_condition, make_source

    shared = make_source(title="Shared study")
    other, _ = make_published_condition(name="Other use", reviewer=reviewer, evidence=0)
    make_evidence(other, sources=[shared])
    edit(shared, both, title="Shared study, as the self-reviewer rewrote it")
    entry, _ = make_published_condition(name="This use", reviewer=reviewer)
    make_evidence(entry, sources=[shared])  # cited here only now: never reviewed as this entry
    submission = review.submit(entry=entry, user=editor)
    assert "You edited this entry" in review.four_eyes_problem(submission=submission, user=both)


def test_a_claim_edited_elsewhere_and_moved_in_binds_its_editor(editor, reviewer, both):
    elsewhere, _ = factories.make_published_condition(name="Elsewhere", reviewer=reviewer)
    claim = elsewhere.evidence.get()
    edit(claim, both, claim="Rewritten by the self-reviewer, then moved.")
    entry, _ = factories.make_published_condition(name="Here", reviewer=reviewer)
    claim.condition = entry
    edit(claim, editor)
    submission = review.submit(entry=entry, user=editor)
    assert "You edited this entry" in review.four_eyes_problem(submission=submission, user=both)


def test_the_home_page_has_one_overview(reviewer, editor, medical_reviewer):
    overview, _ = factories.make_published_topic(
        title="Overview", slug="overview", is_overview=True
    )
    edit(overview, editor, is_overview=False)  # in the working copy only, never submitted
    challenger = factories.make_topic(title="Another overview", slug="another", is_overview=True)
    with pytest.raises(review.ReviewError, match="home page belongs to “Overview”"):
        review.submit(entry=challenger, user=editor)


def test_a_withdrawal_is_not_held_up_by_the_reviewers_own_draft_edits(
    client, published, editor, both
):
    edit(published, both, body="A draft the self-reviewer is still writing")
    withdrawal = review.withdraw(entry=published, user=editor, note="Unsafe advice")
    review.approve(submission=withdrawal, reviewer=both)
    assert client.get("/uses/fibromyalgia/").status_code == 410


def test_only_the_version_under_review_counts_as_seen(published, editor, medical_reviewer):
    first = review.submit(entry=published, user=editor)
    review.record_visit(submission=first, user=medical_reviewer)
    review.request_changes(submission=first, reviewer=medical_reviewer, comment="No")
    second = review.submit(entry=published, user=editor)
    review.approve(
        submission=second, reviewer=factories.make_user("Medical reviewers", person=True)
    )
    third = review.submit(entry=published, user=editor)
    second.refresh_from_db()
    review.record_visit(submission=second, user=medical_reviewer)  # an old decision reopened
    seen = selectors.last_seen_submission(submission=third, user=medical_reviewer)
    assert seen == first
