"""Whatever a logged-in user sends by hand, the admin answers 400 or 404 with a message: never 500.

One table of crafted requests, each tried as an editor, a medical reviewer and a superuser, on
SQLite and on PostgreSQL (where a NUL character in text is a database error)."""

import pytest
from django.db import IntegrityError, transaction

from tests import factories
from tests.test_admin import change_form_data
from uses import review
from uses.models import Condition

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture
def entry(reviewer, editor):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    submission = review.submit(entry=condition, user=editor)
    return {"condition": condition, "submission": submission}


# (method, address, data): {ids} are filled in from the fixture.
CRAFTED = [
    ("get", "/admin/uses/condition/abc/history/", None),
    ("get", "/admin/uses/evidence/abc/history/", None),
    ("get", "/admin/uses/source/abc/history/", None),
    ("get", "/admin/uses/condition/{condition}/history/abc/", None),
    ("get", "/admin/uses/submission/abc/change/", None),
    ("get", "/admin/uses/submission/-5/change/", None),
    ("get", "/admin/uses/submission/999999/change/", None),
    ("get", "/admin/uses/condition/export/?x=1", None),
    ("get", "/admin/auth/group/1/delete/?_to_field=", None),  # Django: FieldDoesNotExist
    ("get", "/admin/uses/condition/{condition}/change/?_to_field=", None),
    ("get", "/admin/uses/evidence/export/?x=1", None),
    ("get", "/admin/uses/publication/export/?x=1", None),
    ("post", "/admin/uses/evidence/process_import/", {"format": "99", "import_file_name": "x"}),
    ("post", "/admin/uses/evidence/process_import/", {"format": "-1", "import_file_name": "x"}),
    ("post", "/admin/uses/condition/", {"action": "submit_selected", "_selected_action": "abc"}),
    ("post", "/admin/uses/evidence/", {"action": "delete_selected", "_selected_action": "abc"}),
    (
        "post",
        "/admin/uses/submission/{submission}/review/",
        {"decision": "approve", "comment": NUL},
    ),
    ("post", "/admin/uses/condition/", {"action": "submit_selected", "note": NUL}),
    ("get", f"/admin/uses/condition/?q={NUL}", None),
    ("get", f"/admin/uses/condition/?state={NUL}", None),
    (
        "get",
        f"/admin/autocomplete/?term={NUL}&app_label=uses&model_name=condition&field_name=author",
        None,
    ),
    ("get", f"/uses/?q={NUL}", None),
]


@pytest.mark.parametrize("role", ["editor", "reviewer", "superuser"])
@pytest.mark.parametrize(("method", "address", "data"), CRAFTED)
def test_a_crafted_request_gets_a_clear_refusal_not_a_500(
    client, users, entry, role, method, address, data
):
    client.raise_request_exception = False
    client.force_login(users[role])
    ids = {name: obj.pk for name, obj in entry.items()}
    response = getattr(client, method)(address.format(**ids), data or {})
    assert response.status_code in {200, 302, 400, 403, 404}, response.content[:300]
    if response.status_code == 400:
        assert b"nothing" in response.content.lower() or b"Nothing" in response.content


@pytest.mark.parametrize(
    "address",
    [
        f"/admin/uses/condition/?q={NUL}",
        f"/admin/autocomplete/?term={NUL}&app_label=uses&model_name=condition&field_name=author",
        f"/uses/?q={NUL}",
        f"/sources/?page={NUL}",
    ],
)
def test_a_nul_character_in_an_address_is_refused_with_a_message(client, users, address):
    client.force_login(users["editor"])
    response = client.get(address)
    assert response.status_code == 400
    assert "NUL character (%00)" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_a_nul_character_in_a_comment_is_an_error_beside_it(client, entry, medical_reviewer):
    client.force_login(medical_reviewer)
    address = f"/admin/uses/submission/{entry['submission'].pk}/review/"
    response = client.post(address, {"decision": "approve", "comment": NUL}, follow=True)
    assert "Comment:" in response.content.decode()
    entry["submission"].refresh_from_db()
    assert entry["submission"].is_pending  # nothing was decided


def test_a_bad_export_filter_says_what_is_wrong(client, users):
    client.force_login(users["editor"])
    response = client.get("/admin/uses/evidence/export/?x=1")
    assert response.status_code == 400
    assert "filters name something the list cannot filter by" in response.content.decode()


def test_an_import_in_a_format_not_offered_is_a_form_error(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from uses.models import ImportJob

    client.force_login(users["editor"])
    file = SimpleUploadedFile("claims.csv", b"key,condition\nx,y\n")
    response = client.post(
        "/admin/uses/evidence/import/", {"resource": "0", "format": "7", "import_file": file}
    )
    assert response.status_code == 200
    assert "7 is not one of the available choices" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_selection_of_no_such_items_does_nothing(client, users, entry):
    client.force_login(users["editor"])
    response = client.post(
        "/admin/uses/condition/", {"action": "submit_selected", "_selected_action": ["abc", "1"]}
    )
    assert response.status_code == 400
    assert "nothing was done" in response.content.decode()


@pytest.mark.parametrize("months", [0, 61, 99999])
def test_a_review_interval_out_of_range_is_refused_by_the_form(client, users, entry, months):
    client.force_login(users["editor"])
    condition = entry["condition"]
    address = f"/admin/uses/condition/{condition.pk}/change/"
    data = change_form_data(client.get(address).context["adminform"].form, condition)
    response = client.post(address, {**data, "review_interval_months": months})
    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["review_interval_months"]
    condition.refresh_from_db()
    assert condition.review_interval_months == 12


@pytest.mark.parametrize("months", [0, 61])
def test_the_database_refuses_a_review_interval_out_of_range(entry, months):
    with pytest.raises(IntegrityError), transaction.atomic():
        Condition.objects.filter(pk=entry["condition"].pk).update(review_interval_months=months)
