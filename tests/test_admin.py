import uuid

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.worker import run_queued_tasks
from uses import review
from uses.models import (
    Condition,
    Evidence,
    Publication,
    ReviewState,
    Status,
    Submission,
    Topic,
)

pytestmark = pytest.mark.django_db

REGISTERED = [model for model in admin.site._registry if model._meta.app_label == "uses"]
ROLES = ["anonymous", "editor", "reviewer", "superuser"]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_syncing_roles_leaves_the_real_app_registry_as_it_was():
    """The test set-up syncs roles with the real registry: it must not leave every app without
    its models module, or later flushes skip post-migrate set-up and tests depend on their order."""
    from django.apps import apps

    from uses.roles import sync_roles

    before = {config.label: config.models_module for config in apps.get_app_configs()}
    sync_roles(apps)
    assert {config.label: config.models_module for config in apps.get_app_configs()} == before
    assert before["uses"] is not None


def test_the_roles_migration_gives_each_role_its_permissions_of_today():
    """The migration that made the groups keeps its own copy of their permissions (it reads no
    live code): a change to the roles needs a migration of its own."""
    import importlib

    from uses.roles import ROLE_PERMISSIONS

    migration = importlib.import_module("uses.migrations.0002_roles")
    assert {name: sorted(codenames) for name, codenames in migration.ROLES.items()} == {
        name: sorted(codenames) for name, codenames in ROLE_PERMISSIONS.items()
    }


@pytest.fixture
def sample(reviewer, editor):
    condition, publication = factories.make_published_condition(reviewer=reviewer)
    topic, _ = factories.make_published_topic(reviewer=reviewer)
    submission = review.submit(entry=condition, user=editor)
    return {
        "Condition": condition,
        "Topic": topic,
        "Evidence": condition.evidence.get(),
        "Source": condition.evidence.get().sources.get(),
        "Person": reviewer,
        "Publication": publication,
        "Submission": submission,
    }


def login(client, users, role):
    if users[role] is not None:
        client.force_login(users[role])
    return client


def post_step(client, model, view, pk, **data):
    return client.post(admin_url(model, view, pk), data)


# Crafted POSTs: role -> whether the step may happen.
POST_MATRIX = [
    ("withdraw", {"editor": True, "reviewer": False, "superuser": True}),
    ("confirm", {"editor": False, "reviewer": True, "superuser": False}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("step", "allowed"), POST_MATRIX)
def test_workflow_steps_are_permission_checked(client, users, reviewer, role, step, allowed):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    before = (Submission.objects.count(), Publication.objects.count())
    response = post_step(
        login(client, users, role), Condition, step, condition.pk, note="Why", comment="OK"
    )
    after = (Submission.objects.count(), Publication.objects.count())
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert after == before
    elif allowed[role]:
        assert response.status_code == 302
        assert after != before
    else:
        # A superuser without a reviewer profile is refused by the service, not by permissions.
        assert response.status_code in {302, 403}
        assert after == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", ["approve", "request_changes"])
def test_decisions_are_permission_checked(client, users, sample, role, decision):
    submission = sample["Submission"]
    url = admin_url(Submission, "review", submission.pk)
    response = login(client, users, role).post(url, {"decision": decision, "comment": "Fix it"})
    submission.refresh_from_db()
    if role in {"reviewer"}:
        assert response.status_code == 302
        assert submission.status != Status.PENDING
    elif role == "superuser":
        # Allowed to decide, but has no reviewer profile: approval is refused with a message.
        assert response.status_code == 302
        assert submission.status == (
            Status.PENDING if decision == "approve" else Status.CHANGES_REQUESTED
        )
    else:
        assert response.status_code in {302, 403}
        assert submission.status == Status.PENDING


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_crafted_changes_and_deletes_are_refused(client, users, sample, role):
    condition = sample["Condition"]
    client = login(client, users, role)
    delete = client.post(admin_url(Condition, "delete", condition.pk), {"post": "yes"})
    assert delete.status_code == 403
    assert Condition.objects.filter(pk=condition.pk).exists()
    if role == "reviewer":
        change = client.post(admin_url(Condition, "change", condition.pk), {"name": "Hacked"})
        assert change.status_code == 403
        add = client.post(admin_url(Topic, "add"), {"title": "New", "slug": "new"})
        assert add.status_code == 403
    condition.refresh_from_db()
    assert condition.name != "Hacked"


def test_reviewers_cannot_submit_through_the_bulk_action(client, users, sample):
    client = login(client, users, "reviewer")
    condition = sample["Condition"]
    response = client.post(
        admin_url(Condition, "changelist"),
        {"action": "submit_selected", "_selected_action": [condition.pk], "note": "x"},
        follow=True,
    )
    assert "No action selected" in response.content.decode()  # not an action they are offered
    assert Submission.objects.count() == 1


def test_editors_submit_several_entries_with_one_note(client, users, reviewer):
    entries = [factories.make_published_condition(reviewer=reviewer)[0] for _ in range(3)]
    client = login(client, users, "editor")
    response = client.post(
        admin_url(Condition, "changelist"),
        {
            "action": "submit_selected",
            "_selected_action": [e.pk for e in entries],
            "note": "Checked all",
        },
    )
    assert response.status_code == 302
    assert list(Submission.objects.values_list("note", flat=True)) == ["Checked all"] * 3


def test_source_page_lists_citing_uses_and_submits_them_all(client, users, reviewer):
    source = factories.make_source(title="Shared study")
    entries = []
    for _ in range(2):
        condition = factories.make_condition()
        factories.make_evidence(condition, sources=[source])
        entries.append(condition)
    client = login(client, users, "editor")
    html = client.get(admin_url(type(source), "change", source.pk)).content.decode()
    assert entries[0].name in html and "Submit all 2 for review" in html
    response = client.post(reverse("admin:uses_source_submit_citing", args=[source.pk]))
    assert response.status_code == 302
    assert Submission.objects.pending().count() == 2


def test_the_change_form_shows_state_and_the_right_buttons(client, users, sample):
    condition = sample["Condition"]
    url = admin_url(Condition, "change", condition.pk)
    editor_html = login(client, users, "editor").get(url).content.decode()
    assert "In review" in editor_html
    assert "Save and submit for review" in editor_html
    assert "Confirm still accurate" not in editor_html
    client.logout()
    review.request_changes(
        submission=sample["Submission"], reviewer=users["reviewer"], comment="Add a source"
    )
    reviewer_html = login(client, users, "reviewer").get(url).content.decode()
    assert "Save and submit for review" not in reviewer_html
    assert "Confirm still accurate" in reviewer_html
    assert "Add a source" in reviewer_html
    assert "Changes requested" in reviewer_html


def test_the_review_page_shows_diff_checklist_preview_and_four_eyes(
    client, users, reviewer, editor
):
    condition, _ = factories.make_published_condition(reviewer=reviewer, summary="Old words")
    condition.summary = "New words"
    condition.save()
    factories.make_evidence(condition, claim="Unsourced claim", citation_needed=False)
    both = factories.make_user("Editors", "Medical reviewers", person=True)
    submission = review.submit(entry=condition, user=both)
    client.force_login(both)
    html = client.get(admin_url(Submission, "review", submission.pk)).content.decode()
    assert "<del>Old</del>" in html and "<ins>New</ins>" in html
    assert "no source" in html
    assert "Open the preview" in html
    assert "You submitted this yourself" in html
    assert "Approve and publish" in html and "Request changes" in html


def test_the_preview_is_the_public_template_marked_and_not_indexed(client, users, sample):
    submission = sample["Submission"]
    response = login(client, users, "reviewer").get(admin_url(Submission, "preview", submission.pk))
    html = response.content.decode()
    assert "Preview, not published" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'rel="canonical"' not in html and 'property="og:' not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_the_preview_of_a_first_publication_has_an_empty_review_history(client, users, editor):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    submission = review.submit(entry=condition, user=editor)
    response = login(client, users, "reviewer").get(admin_url(Submission, "preview", submission.pk))
    html = response.content.decode()
    assert "<ol reversed>" in html and "start=" not in html.split("Review history", 1)[1]


def test_an_editor_and_a_reviewer_complete_the_workflow_in_the_admin(
    client, users, reviewer, run_tasks
):
    condition, _ = factories.make_published_condition(reviewer=reviewer, slug="lupus")
    editor_client = login(client, users, "editor")
    save_and_submit(editor_client, condition, review_note="Please review")
    submission = Submission.objects.get()
    editor_client.logout()
    reviewer_client = login(client, users, "reviewer")
    response = reviewer_client.post(
        admin_url(Submission, "review", submission.pk), {"decision": "approve"}
    )
    assert response.status_code == 302
    run_tasks()
    assert Publication.objects.current().get(condition=condition).approved_by == users["reviewer"]
    assert len(mail.outbox) == 2  # the reviewer on submission, the editor on approval


def test_a_stale_form_is_refused_naming_who_saved_in_between(client, users, reviewer):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    url = admin_url(Condition, "change", condition.pk)
    editor_client = login(client, users, "editor")
    form = editor_client.get(url).context["adminform"].form
    data = change_form_data(form, condition)

    other = factories.make_user("Editors", username="otto", first_name="Otto")
    other_client = client_class()()
    other_client.force_login(other)
    first = other_client.post(url, {**data, "summary": "Otto's summary"})
    assert first.status_code == 302

    second = editor_client.post(url, {**data, "summary": "Edna's summary"})
    assert second.status_code == 200
    assert "Otto changed this use (condition)" in second.content.decode()
    condition.refresh_from_db()
    assert condition.summary == "Otto's summary"
    assert condition.history.first().history_user == other


def client_class():
    from django.test import Client

    return Client


def change_form_data(form, condition) -> dict:
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "author": condition.author.pk,
            "revision_seen": condition.revision,
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
            "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000",
        }
    )
    data.pop("id", None)
    return data


def test_an_editor_adds_evidence_with_sources_on_the_condition_page(client, users):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    source = factories.make_source(title="Lupus study")
    url = admin_url(Condition, "change", condition.pk)
    client = login(client, users, "editor")
    data = change_form_data(client.get(url).context["adminform"].form, condition)
    data.update(
        {
            "evidence-TOTAL_FORMS": "2",
            "evidence-0-claim": "It can reverse the disease.",
            "evidence-0-design": "observational",
            "evidence-0-certainty": "low",
            "evidence-0-direction": "benefit",
            "evidence-0-cited_sources": [source.pk],
            "evidence-0-position": "1",
            "evidence-1-claim": "Trials are ongoing.",
            "evidence-1-design": "none",
            "evidence-1-certainty": "not_assessed",
            "evidence-1-direction": "unclear",
            "evidence-1-position": "2",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "tick “citation needed”" in response.content.decode()
    assert not Evidence.objects.exists()

    data["evidence-1-citation_needed"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    first, second = Evidence.objects.order_by("position")
    assert list(first.sources.all()) == [source]
    assert second.citation_needed
    assert condition.history.first().history_user == users["editor"]


def test_source_autocomplete_finds_sources_for_the_evidence_form(client, users):
    factories.make_source(title="Stanford fibromyalgia study")
    response = login(client, users, "editor").get(
        reverse("admin:autocomplete"),
        {
            "term": "stanford",
            "app_label": "uses",
            "model_name": "evidence",
            "field_name": "sources",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "Stanford fibromyalgia study"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_changelists_are_constant_in_queries(admin_client, reviewer, editor, model):
    def queries_for_changelist():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        return len(captured)

    def grow(times):
        for _ in range(times):
            condition, _ = factories.make_published_condition(reviewer=reviewer, evidence=2)
            factories.make_published_topic(reviewer=reviewer)
            review.submit(entry=condition, user=editor)

    grow(2)
    few = queries_for_changelist()
    grow(8)  # five times the rows: a query per row would show
    assert queries_for_changelist() == few


@pytest.mark.parametrize("state", [*ReviewState.values, "overdue"])
def test_changelists_filter_by_review_state(admin_client, reviewer, state):
    factories.make_published_condition(reviewer=reviewer)
    response = admin_client.get(admin_url(Condition, "changelist") + f"?state={state}")
    assert response.status_code == 200
    expected = 1 if state == ReviewState.PUBLISHED else 0
    assert response.context["cl"].result_count == expected


@pytest.mark.parametrize(
    ("role", "model_name"), [("editor", "Person"), ("reviewer", "Condition"), ("editor", "Source")]
)
def test_history_can_be_read_but_never_posted(client, users, sample, role, model_name):
    obj = sample[model_name]
    model = type(obj)
    record = obj.history.first() or model.history.create(
        **{f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields},
        history_date=obj.history.model._meta.get_field("history_date").default(),
        history_type="~",
    )
    client = login(client, users, role)
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 200
    url = reverse(f"admin:uses_{model._meta.model_name}_simple_history", args=[obj.pk, record.pk])
    before = model.objects.filter(pk=obj.pk).values().get()
    response = client.post(url, {"name": "Hacked", "title": "Hacked", "_save": "Save"})
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_a_stale_evidence_form_is_refused(client, users):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    evidence = factories.make_evidence(condition, claim="Original", citation_needed=True)
    url = admin_url(Evidence, "change", evidence.pk)
    editor_client = login(client, users, "editor")
    data = {
        "condition": condition.pk, "key": evidence.key, "position": 0, "claim": "Edna's claim",
        "design": "none", "certainty": "not_assessed", "direction": "unclear",
        "citation_needed": "on", "rationale": "", "revision_seen": evidence.revision,
    }  # fmt: skip
    evidence.claim = "Saved by someone else in between"
    evidence.save()
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.claim == "Saved by someone else in between"


@pytest.mark.parametrize("role", ["anonymous", "reviewer"])
def test_crafted_posts_to_the_bulk_submit_views_are_refused(client, users, sample, role):
    source = sample["Source"]
    client = login(client, users, role)
    before = Submission.objects.count()
    citing = client.post(reverse("admin:uses_source_submit_citing", args=[source.pk]))
    job = uuid.uuid4()
    imported = client.post(reverse("admin:uses_submission_submit_imported", args=[job]), {"x": 1})
    expected = {302} if role == "anonymous" else {403}
    assert citing.status_code in expected and imported.status_code in expected
    assert Submission.objects.count() == before


# --- saving and submitting in one request (issue 7, hole 5) -----------------------------------


def save_and_submit(client, condition, **changes):
    url = admin_url(Condition, "change", condition.pk)
    data = change_form_data(client.get(url).context["adminform"].form, condition)
    data.update(changes, _submit_for_review="Save and submit for review")
    return client.post(url, data)


def test_save_and_submit_submits_exactly_what_was_typed(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer, slug="lupus")
    editor_client = login(client, users, "editor")
    response = save_and_submit(
        editor_client,
        condition,
        body="Typed just before pressing the button.",
        review_note="Private: see the ticket.",
        public_note="Reworded the body.",
    )
    assert response.status_code == 302
    submission = Submission.objects.get(condition=condition)
    assert submission.snapshot["body"] == "Typed just before pressing the button."
    assert submission.note == "Private: see the ticket."
    assert submission.public_note == "Reworded the body."
    condition.refresh_from_db()
    assert condition.body == "Typed just before pressing the button."
    page = editor_client.get(response["Location"]).content.decode()
    assert "was saved and submitted for review" in page


def test_a_refused_submission_keeps_the_saved_edit_and_says_why(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer, slug="lupus")
    withdrawal = review.withdraw(entry=condition, user=users["editor"], note="Outdated")
    editor_client = login(client, users, "editor")
    response = save_and_submit(editor_client, condition, body="Kept, though not submitted.")
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.body == "Kept, though not submitted."
    withdrawal.refresh_from_db()
    assert withdrawal.is_pending
    page = editor_client.get(response["Location"]).content.decode()
    assert "saved, but not submitted" in page
    assert "Cancel the withdrawal request" in page


def test_only_editors_see_the_save_and_submit_button(client, users, sample):
    url = admin_url(Condition, "change", sample["Condition"].pk)
    assert "Save and submit for review" in login(client, users, "editor").get(url).content.decode()
    client.logout()
    assert "Save and submit for review" not in (
        login(client, users, "reviewer").get(url).content.decode()
    )


def test_an_editor_cancels_a_pending_withdrawal_from_the_change_form(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    withdrawal = review.withdraw(entry=condition, user=users["editor"], note="Outdated")
    response = post_step(
        login(client, users, "editor"), Condition, "cancel_withdrawal", condition.pk
    )
    assert response.status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.status == Status.CANCELLED


def test_the_bulk_action_does_not_replace_a_pending_withdrawal(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    withdrawal = review.withdraw(entry=condition, user=users["editor"], note="Outdated")
    response = login(client, users, "editor").post(
        admin_url(Condition, "changelist"),
        {"action": "submit_selected", "_selected_action": [condition.pk], "note": "x"},
        follow=True,
    )
    assert "waits for review" in response.content.decode()
    withdrawal.refresh_from_db()
    assert withdrawal.is_pending


# --- single-line fields refuse control characters (issue 7, hole 7) ----------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Lupus\nBcc: victim@example.com"),
        ("name", "Lu\rpus"),
        ("article_heading", "Heading\x07"),
        ("name", "Lupus\x00"),
        ("summary", "A summary\x00 with a NUL"),
    ],
)
def test_crafted_control_characters_get_a_form_error(client, users, field, value):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    url = admin_url(Condition, "change", condition.pk)
    editor_client = login(client, users, "editor")
    data = change_form_data(editor_client.get(url).context["adminform"].form, condition)
    response = editor_client.post(url, {**data, field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    condition.refresh_from_db()
    assert getattr(condition, field) != value


def test_multi_line_fields_keep_their_line_breaks(client, users):
    condition = factories.make_condition(name="Lupus", slug="lupus")
    url = admin_url(Condition, "change", condition.pk)
    editor_client = login(client, users, "editor")
    data = change_form_data(editor_client.get(url).context["adminform"].form, condition)
    response = editor_client.post(url, {**data, "body": "One.\r\n\r\n\tTwo."})
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.body == "One.\r\n\r\n\tTwo."


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_a_mail_server_that_is_down_changes_nothing_for_the_editor_or_the_reviewer(
    client, settings
):
    settings.EMAIL_BACKEND = "tests.test_review_gate.FailingBackend"
    editor = factories.make_user("Editors", username="edna")
    reviewer_user = factories.make_user("Medical reviewers", username="mara", person=True)
    condition, _ = factories.make_published_condition(slug="lupus")

    client.force_login(editor)
    response = save_and_submit(client, condition, body="A new body.")
    html = client.get(response["Location"]).content.decode()
    assert "was saved and submitted for review" in html
    submission = Submission.objects.get()

    client.force_login(reviewer_user)
    response = client.post(
        admin_url(Submission, "review", submission.pk), {"decision": "approve"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Approved." in html
    assert Publication.objects.current().get(condition=condition).submission == submission
    run_queued_tasks()  # the emails fail in the worker, and are queued again for later
    assert Publication.objects.current().get(condition=condition).submission == submission


# --- the reviewer's tools (issue 8) ------------------------------------------------------------


def section(html: str, css_class: str) -> str:
    """The HTML of the first <section> with ``css_class``."""
    start = html.index(f'class="review-diff {css_class}"')
    return html[start : html.index("</section>", start)]


def test_a_resubmission_shows_the_changes_since_the_version_the_reviewer_saw(
    client, users, reviewer
):
    condition, _ = factories.make_published_condition(reviewer=reviewer, summary="Old words.")
    editor = users["editor"]
    factories.edit(condition, editor, summary="First try.")
    first = review.submit(entry=condition, user=editor)
    reviewer_client = login(client, users, "reviewer")
    reviewer_client.get(admin_url(Submission, "review", first.pk))
    review.request_changes(submission=first, reviewer=users["reviewer"], comment="Plainer")
    factories.edit(condition, editor, summary="Second try.")
    second = review.submit(entry=condition, user=editor)

    html = reviewer_client.get(admin_url(Submission, "review", second.pk)).content.decode()
    since = section(html, "review-diff-since-seen")
    assert "Changes since the version you last saw" in since
    assert "changes requested by Mara)" in since
    assert "<del>First</del><ins>Second</ins> try." in since
    assert "<del>Old words</del><ins>Second try</ins>." in section(html, "review-diff-published")

    other = factories.make_user("Medical reviewers", person=True)
    client.force_login(other)
    html = client.get(admin_url(Submission, "review", second.pk)).content.decode()
    assert "since the version you last saw" not in html


def test_a_withdrawal_is_reviewed_as_a_withdrawal(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer, slug="lupus")
    withdrawal = review.withdraw(
        entry=condition,
        user=users["editor"],
        note="Outdated",
        public_note="Withdrawn while newer guidance is reviewed.",
    )
    reviewer_client = login(client, users, "reviewer")
    html = reviewer_client.get(admin_url(Submission, "review", withdrawal.pk)).content.decode()
    assert "Approve withdrawal" in html and "Approve and publish" not in html
    assert "410 Gone" in html and "/uses/lupus/" in html
    assert "Changes against the published version" not in html

    preview = reviewer_client.get(admin_url(Submission, "preview", withdrawal.pk))
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "This page has been withdrawn" in page
    assert "Withdrawn while newer guidance is reviewed." in page
    assert "Preview, not published" in page
    assert "Medically reviewed by" not in page


# --- an inbox for each role (issue 8) ----------------------------------------------------------


def inbox_list(html: str, list_id: str) -> str:
    start = html.index(f'id="{list_id}"')
    return html[start : html.index("</section>", start)]


def test_an_editors_inbox_lists_sent_back_waiting_and_unsubmitted_work(client, users, reviewer):
    editor = users["editor"]
    sent_back, _ = factories.make_published_condition(name="Sent back", reviewer=reviewer)
    waiting, _ = factories.make_published_condition(name="Waiting", reviewer=reviewer)
    edited, _ = factories.make_published_condition(name="Edited", reviewer=reviewer)
    submission = review.submit(entry=sent_back, user=editor)
    review.request_changes(
        submission=submission, reviewer=users["reviewer"], comment="Cite the trial, please."
    )
    review.submit(entry=waiting, user=editor)
    factories.edit(edited, editor, summary="Not submitted yet.")

    html = login(client, users, "editor").get("/admin/").content.decode()
    requested = inbox_list(html, "inbox-requested")
    assert "Sent back" in requested and "Cite the trial, please." in requested
    assert "(1)" in requested and "by Mara" in requested
    assert "Waiting" in inbox_list(html, "inbox-mine")
    unsubmitted = inbox_list(html, "inbox-unsubmitted")
    assert "Edited" in unsubmitted and "published, with unpublished changes" in unsubmitted
    assert 'id="inbox-queue"' not in html

    review.submit(entry=sent_back, user=editor)  # resubmitted: no longer sent back
    html = client.get("/admin/").content.decode()
    assert "Sent back" not in inbox_list(html, "inbox-requested")
    assert "Sent back" in inbox_list(html, "inbox-mine")


def test_a_reviewers_inbox_lists_the_queue_oldest_first_and_overdue_entries(
    client, users, reviewer
):
    import datetime

    from django.utils import timezone

    editor = users["editor"]
    newer, _ = factories.make_published_condition(name="Newer", reviewer=reviewer)
    older, _ = factories.make_published_condition(name="Older", reviewer=reviewer)
    review.submit(entry=newer, user=editor)
    Submission.objects.filter(pk=review.submit(entry=older, user=editor).pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3)
    )
    _, publication = factories.make_published_condition(name="Overdue", reviewer=reviewer)
    Publication.objects.filter(pk=publication.pk).update(next_review_due=datetime.date(2021, 1, 1))

    html = login(client, users, "reviewer").get("/admin/").content.decode()
    queue = inbox_list(html, "inbox-queue")
    assert queue.index("Older") < queue.index("Newer")
    assert "waiting 3\xa0days" in queue
    assert "Overdue" in inbox_list(html, "inbox-overdue")
    assert "January 1, 2021" in inbox_list(html, "inbox-overdue")
    assert 'id="inbox-requested"' not in html


def test_reviewers_confirm_several_entries_with_one_result_line_each(client, users, reviewer):
    kept, _ = factories.make_published_condition(name="Kept", reviewer=reviewer)
    edited, _ = factories.make_published_condition(name="Edited by Mara", reviewer=reviewer)
    factories.edit(edited, users["reviewer"], summary="Mara's own change")
    data = {"action": "confirm_selected", "_selected_action": [kept.pk, edited.pk]}

    response = login(client, users, "reviewer").post(
        admin_url(Condition, "changelist"), data, follow=True
    )
    lines = [str(message) for message in response.context["messages"]]
    assert any(line.startswith("“Kept”: confirmed as still accurate") for line in lines)
    assert any(
        line.startswith("“Edited by Mara”: not confirmed. You edited this entry") for line in lines
    )
    assert Publication.objects.current().get(condition=kept).review_type == "confirmation"
    assert Publication.objects.current().get(condition=edited).review_type == "content"

    client.logout()
    before = Publication.objects.count()
    login(client, users, "editor").post(admin_url(Condition, "changelist"), data)
    assert Publication.objects.count() == before


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_the_inbox_is_constant_in_queries(client, users, reviewer, role):
    editor = users["editor"]

    def grow(times):
        for _ in range(times):
            condition, _ = factories.make_published_condition(reviewer=reviewer)
            factories.edit(condition, editor, summary="Edited")
            sent_back = review.submit(entry=condition, user=editor)
            review.request_changes(submission=sent_back, reviewer=users["reviewer"], comment="x")
            other, _ = factories.make_published_condition(reviewer=reviewer)
            review.submit(entry=other, user=editor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    login(client, users, role)
    grow(2)
    few = queries()
    grow(8)
    assert queries() == few


# --- compare any two versions; the history page (issue 8) ---------------------------------------


def test_any_two_versions_compare_word_by_word_with_who_approved_each(client, users, reviewer):
    condition, first = factories.make_published_condition(
        reviewer=reviewer, summary="Take 4.5 mg daily."
    )
    factories.edit(condition, users["editor"], summary="Take 3 mg daily.")
    submission = review.submit(entry=condition, user=users["editor"], public_note="Lower dose.")
    second = review.approve(submission=submission, reviewer=users["reviewer"])
    url = admin_url(Condition, "compare", condition.pk)
    reviewer_client = login(client, users, "reviewer")

    html = reviewer_client.get(url, {"old": f"p{first.pk}", "new": f"p{second.pk}"})
    html = html.content.decode()
    assert "Take <del>4.5</del><ins>3</ins> mg daily." in html
    assert "content reviewed and published by Rita Reviewer, RN" in html
    assert "content reviewed and published by Dr Mara, MD, current" in html
    assert "Public line: “Lower dose.”" in html
    assert f'value="s{submission.pk}"' in html

    default = reviewer_client.get(url)
    assert default.status_code == 200
    assert "No changes from the first to the second" in default.content.decode()

    assert reviewer_client.get(url, {"utm_source": "email"}).status_code == 200
    bad = reviewer_client.get(url, {"old": "p999999", "new": "working"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()

    client.logout()
    assert login(client, users, "editor").get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_the_history_page_shows_whole_changes_word_by_word(client, users):
    long_text = "Studies " + "of many people " * 30
    condition = factories.make_condition(name="Lupus", slug="lupus", summary=long_text + "known")
    factories.edit(condition, users["editor"], summary=long_text + "shown")
    html = login(client, users, "editor").get(admin_url(Condition, "history", condition.pk))
    html = html.content.decode()
    assert "<del>known</del><ins>shown</ins>" in html
    assert "chars]" not in html and "Change reason" not in html
    assert "Compare any two published or submitted versions" in html


def test_a_withdrawal_says_which_waiting_changes_it_replaces(client, users, reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    review.submit(entry=condition, user=users["editor"])
    editor_client = login(client, users, "editor")
    response = post_step(editor_client, Condition, "withdraw", condition.pk, note="Unsafe")
    page = editor_client.get(response["Location"]).content.decode()
    assert "Withdrawal of" in page
    assert "It replaces the submission of changes by Edna" in page


def test_a_session_expires_after_a_working_day(client, users):
    client.force_login(users["editor"])
    assert client.session.get_expiry_age() == 9 * 60 * 60
    assert client.get("/admin/").status_code == 200


def test_changing_a_password_ends_the_users_other_sessions(users):
    from django.test import Client

    editor = users["editor"]
    editor.set_password("Old-password-123")
    editor.save()
    here, elsewhere = Client(), Client()
    for session in (here, elsewhere):
        login_page = {"username": editor.username, "password": "Old-password-123"}
        assert session.post("/admin/login/", login_page).status_code == 302
    response = here.post(
        "/admin/password_change/",
        {
            "old_password": "Old-password-123",
            "new_password1": "A-new-long-passphrase-42",
            "new_password2": "A-new-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert here.get("/admin/").status_code == 200  # the session that changed it goes on
    response = elsewhere.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_editorial_policy_cannot_be_deleted(client, users, editorial_policy):
    from django.contrib.flatpages.models import FlatPage

    other = FlatPage.objects.create(url="/about/", title="About", content="About us.")
    other.sites.add(*editorial_policy.sites.all())
    client.force_login(users["superuser"])
    page = f"/admin/flatpages/flatpage/{editorial_policy.pk}/delete/"
    assert client.get(page).status_code == 403
    assert client.post(page, {"post": "yes"}).status_code == 403
    chosen = {"action": "delete_selected", "post": "yes"}
    both = [editorial_policy.pk, other.pk]
    response = client.post("/admin/flatpages/flatpage/", {**chosen, "_selected_action": both})
    assert response.status_code == 403
    assert FlatPage.objects.count() == 2
    response = client.post("/admin/flatpages/flatpage/", {**chosen, "_selected_action": other.pk})
    assert response.status_code == 302
    assert list(FlatPage.objects.values_list("url", flat=True)) == ["/editorial-policy/"]
    assert client.get("/editorial-policy/").status_code == 200


def test_repeated_wrong_passwords_lock_the_login_until_an_administrator_lifts_it(client, users):
    from django.core.management import call_command

    editor = users["editor"]
    editor.set_password("The-right-password-1")
    editor.save()
    wrong = {"username": editor.username, "password": "wrong"}
    right = {"username": editor.username, "password": "The-right-password-1"}
    answers = [client.post("/admin/login/", wrong).status_code for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]  # the form again, then locked at the fifth
    locked = client.post("/admin/login/", right)
    assert locked.status_code == 429  # even the right password
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    call_command("axes_reset_username", editor.username, verbosity=0)
    assert client.post("/admin/login/", right).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_lockout_holds_for_one_username_from_one_address(client, users):
    """Someone guessing one account's password cannot lock its owner out from elsewhere."""
    from django.test import Client

    editor = users["editor"]
    editor.set_password("The-right-password-1")
    editor.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": editor.username, "password": "wrong"})
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    right = {"username": editor.username, "password": "The-right-password-1"}
    assert elsewhere.post("/admin/login/", right).status_code == 302
