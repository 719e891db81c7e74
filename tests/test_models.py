import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tests import factories
from uses.models import Category, Certainty, Direction, Publication, Source, Topic
from uses.models.choices import label
from uses.services import publish

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "10.1056/NEJMoa2034577"),
        ("doi", "10.1002/(SICI)1097-4636(199809)42:3<339::AID-JBM1>3.0.CO;2-H"),
        ("pmid", "31234567"),
        ("trial_id", "NCT01234567"),
        ("trial_id", "ISRCTN12345678"),
        ("trial_id", "2010-012345-12"),
    ],
)
def test_well_formed_identifiers_are_accepted(field, value):
    source = Source(key="k", title="A study", **{field: value})
    source.full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "https://doi.org/10.1056/NEJMoa2034577"),
        ("doi", "10.12/too-short-prefix"),
        ("doi", "10.1056/has space"),
        ("pmid", "PMID31234567"),
        ("pmid", "0123"),
        ("pmid", "1234567890"),
        ("trial_id", "NCT1234567"),
        ("trial_id", "nct01234567"),
        ("trial_id", "trial 12"),
    ],
)
def test_malformed_identifiers_are_refused_with_a_message(field, value):
    source = Source(key="k", title="A study", **{field: value})
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert field in error.value.message_dict
    assert "Enter" in error.value.message_dict[field][0]


def test_a_source_only_mentioned_cannot_carry_identifiers():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="k", title="Studies", mentioned_only=True, pmid="123")


def test_source_keys_and_condition_slugs_are_unique():
    factories.make_source(key="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_source(key="same")
    factories.make_condition(name="One", slug="same-slug")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_condition(name="Two", slug="same-slug")


def test_a_cited_source_cannot_be_deleted():
    source = factories.make_source()
    factories.make_evidence(factories.make_condition(), sources=[source])
    with pytest.raises(ProtectedError):
        source.delete()


def test_an_uncited_source_can_be_deleted():
    source = factories.make_source()
    source.delete()
    assert not Source.objects.exists()


def test_only_one_topic_can_be_the_overview():
    factories.make_topic(is_overview=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_topic(is_overview=True)


def test_a_published_entry_cannot_be_deleted(reviewer):
    condition, _ = factories.make_published_condition(reviewer=reviewer)
    with pytest.raises(ProtectedError):
        condition.delete()


def test_the_database_refuses_two_current_publications_of_one_entry(reviewer):
    _, publication = factories.make_published_condition(reviewer=reviewer)
    duplicate = Publication.objects.get(pk=publication.pk)
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_database_refuses_a_publication_of_the_wrong_kind(reviewer):
    _, publication = factories.make_published_condition(reviewer=reviewer)
    publication.pk = None
    publication.is_current = False
    publication.kind = "topic"
    with pytest.raises(IntegrityError), transaction.atomic():
        publication.save()


def test_formulations_lists_the_ticked_forms():
    condition = factories.make_condition(oral=False, injection=True, implant=True)
    assert condition.formulations == ["injection", "implant"]


def test_every_model_has_a_readable_name(reviewer):
    condition, publication = factories.make_published_condition(name="Lupus", reviewer=reviewer)
    evidence = condition.evidence.get()
    assert str(condition) == "Lupus"
    assert str(reviewer) == "Rita Reviewer, RN"
    assert str(evidence).startswith("Small randomized studies show")
    assert str(evidence.sources.get()).startswith("A trial of naltrexone")
    assert str(publication).startswith("Lupus (")
    assert str(factories.make_topic(title="Timing")) == "Timing"


def test_topic_address_is_the_home_page_for_the_overview():
    assert factories.make_topic(is_overview=True).get_absolute_url() == "/"
    assert factories.make_topic(slug="timing").get_absolute_url() == "/topics/timing/"


def test_publish_keeps_older_versions_as_history(reviewer):
    condition, first = factories.make_published_condition(reviewer=reviewer)
    second = publish(entry=condition, reviewer=reviewer, change_note="Second look")
    first.refresh_from_db()
    assert not first.is_current
    assert second.is_current
    assert list(Publication.objects.of_entry(second)) == [second, first]
    assert Topic.objects.count() == 0


def test_every_publication_of_an_entry_carries_the_date_of_its_first(reviewer, editor):
    import datetime

    from uses import review

    condition, first = factories.make_published_condition(reviewer=reviewer)
    Publication.objects.filter(pk=first.pk).update(first_published_on=datetime.date(2019, 6, 7))
    later = [
        publish(entry=condition, reviewer=reviewer),  # by itself
        review.confirm(
            entry=condition, reviewer=factories.make_user("Medical reviewers", person=True)
        ),
    ]
    withdrawal = review.withdraw(entry=condition, user=editor, note="Outdated.")
    later.append(
        review.approve(
            submission=withdrawal,
            reviewer=factories.make_user("Medical reviewers", person=True),
        )
    )
    assert [p.first_published_on for p in later] == [datetime.date(2019, 6, 7)] * 3


@pytest.mark.parametrize(
    ("choices", "value", "expected"),
    [
        (Certainty, Certainty.VERY_LOW, "Very low"),
        (Category, "autoimmune", "Autoimmune and inflammatory"),
        (Certainty, "insufficient", "Insufficient"),  # a value of an older vocabulary
        (Direction, "no_longer_used", "No longer used"),
    ],
)
def test_a_stored_value_is_shown_by_its_label_or_else_in_words(choices, value, expected):
    assert label(choices, value) == expected
    assert label(choices, value) == expected  # and again, from the labels kept per vocabulary
