"""Who may open which admin page: every registered model's every page, for every role.

The matrix is 160 requests over the same few entries, which no test changes: they are made once
for the module, in a transaction around it (each test's own transaction is a savepoint inside
it, so what a request writes is still undone after each test).
"""

import pytest
from django.contrib.auth.models import User

from tests import factories
from tests.test_admin import REGISTERED, ROLES, admin_url, login
from uses import review

pytestmark = pytest.mark.django_db


def build_shared():
    reviewer = factories.make_person(name="Rita Reviewer", slug="rita-reviewer", credentials="RN")
    editor = factories.make_user("Editors", username="edna")
    condition, publication = factories.make_published_condition(reviewer=reviewer)
    topic, _ = factories.make_published_topic(reviewer=reviewer)
    submission = review.submit(entry=condition, user=editor)
    users = {
        "anonymous": None,
        "editor": editor,
        "reviewer": factories.make_user("Medical reviewers", username="mara", person=True),
        "superuser": User.objects.create_superuser("root", "root@example.com", "pw"),
    }
    evidence = condition.evidence.get()
    sample = {
        "Condition": condition,
        "Topic": topic,
        "Evidence": evidence,
        "Source": evidence.sources.get(),
        "Person": reviewer,
        "Publication": publication,
        "Submission": submission,
    }
    return users, sample


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The accounts and entries the module's tests read, rolled back after the module."""
    with factories.data_for_the_module(django_db_blocker, build_shared) as data:
        yield data


# Expected answers for GET pages: role -> status. 302 for anonymous is the login redirect.
STAFF_ALL = {"anonymous": 302, "editor": 200, "reviewer": 200, "superuser": 200}
WRITERS = {"anonymous": 302, "editor": 200, "reviewer": 403, "superuser": 200}
ADMINS = {"anonymous": 302, "editor": 403, "reviewer": 403, "superuser": 200}
NOBODY = {"anonymous": 302, "editor": 403, "reviewer": 403, "superuser": 403}
# A submission has no change form: its page is the review, where staff are sent.
TO_REVIEW = {"anonymous": 302, "editor": 302, "reviewer": 302, "superuser": 302}

# Every registered model's every standard page, for every role (a test below checks that none is
# missing, so a newly registered admin needs its row here).
VIEWS = ["changelist", "add", "change", "delete", "history"]
GET_MATRIX = [
    ("Condition", "changelist", STAFF_ALL),
    ("Condition", "add", WRITERS),
    ("Condition", "change", STAFF_ALL),
    ("Condition", "delete", NOBODY),  # published entries are never deleted
    ("Condition", "history", STAFF_ALL),
    ("Condition", "compare", STAFF_ALL),
    ("Evidence", "changelist", STAFF_ALL),
    ("Evidence", "add", WRITERS),
    ("Evidence", "change", STAFF_ALL),
    ("Evidence", "delete", WRITERS),  # removing a claim is a change, reviewed like any other
    ("Evidence", "history", STAFF_ALL),
    ("Topic", "changelist", STAFF_ALL),
    ("Topic", "add", WRITERS),
    ("Topic", "change", STAFF_ALL),
    ("Topic", "delete", NOBODY),
    ("Topic", "history", STAFF_ALL),
    ("Topic", "compare", STAFF_ALL),
    ("Source", "changelist", STAFF_ALL),
    ("Source", "add", WRITERS),
    ("Source", "change", STAFF_ALL),
    ("Source", "delete", ADMINS),
    ("Source", "history", STAFF_ALL),
    ("Person", "changelist", STAFF_ALL),
    ("Person", "add", ADMINS),
    ("Person", "change", STAFF_ALL),
    ("Person", "delete", ADMINS),
    ("Person", "history", STAFF_ALL),
    ("Publication", "changelist", STAFF_ALL),
    ("Publication", "add", NOBODY),
    ("Publication", "change", STAFF_ALL),  # read-only: a publication is never edited
    ("Publication", "delete", NOBODY),
    ("Publication", "history", STAFF_ALL),
    ("Submission", "changelist", STAFF_ALL),
    ("Submission", "add", NOBODY),
    ("Submission", "change", TO_REVIEW),
    ("Submission", "delete", NOBODY),
    ("Submission", "history", STAFF_ALL),
    ("Submission", "review", STAFF_ALL),
    ("Submission", "preview", STAFF_ALL),
]


def test_the_permission_matrix_covers_every_registered_admin_page():
    covered = {(model_name, view) for model_name, view, _ in GET_MATRIX}
    missing = [
        (model.__name__, view)
        for model in REGISTERED
        for view in VIEWS
        if (model.__name__, view) not in covered
    ]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("model_name", "view", "expected"), GET_MATRIX)
def test_admin_page_permissions(client, shared, role, model_name, view, expected):
    users, sample = shared
    obj = sample[model_name]
    args = [] if view in {"changelist", "add"} else [obj.pk]
    response = login(client, users, role).get(admin_url(type(obj), view, *args))
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert response["Location"].startswith("/admin/login/")
    elif expected[role] == 302:
        assert response["Location"] == admin_url(type(obj), "review", obj.pk)


@pytest.mark.parametrize("role", ROLES)
def test_admin_index_shows_the_queue_to_staff(client, shared, role):
    users, _ = shared
    response = login(client, users, role).get("/admin/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert "1 submission waiting for review" in response.content.decode()
