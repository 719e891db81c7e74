"""The counts publishing keeps (uses.tallies) always equal the same counts made from scratch."""

import importlib

import pytest
from django.apps import apps

from tests import factories
from tests.factories import edit
from uses import review, tallies
from uses.models import Person, PublishedSource
from uses.models.tallies import PublicCredit, PublicSource, PublicUseCount
from uses.synthetic import add_published_uses

pytestmark = pytest.mark.django_db


def assert_kept_counts_are_right():
    kept, fresh = tallies.kept_counts(), tallies.counts_from_scratch()
    assert kept == fresh


def test_counts_follow_approval_withdrawal_confirmation_and_republishing(
    editor, medical_reviewer, second_reviewer, reviewer
):
    shared = factories.make_source(key="a-shared", title="A Shared Trial")
    mention = factories.make_source(key="a-mention", title="Limited studies", mentioned_only=True)
    uses = []
    for number in range(3):
        condition = factories.make_condition(name=f"Use {number}", slug=f"use-{number}")
        factories.make_evidence(condition, sources=[shared, factories.make_source()])
        uses.append(condition)
    factories.make_evidence(uses[0], sources=[mention], certainty="moderate")
    for condition in uses:
        review.approve(
            submission=review.submit(entry=condition, user=editor), reviewer=medical_reviewer
        )
    factories.make_published_topic(title="Timing", slug="timing", reviewer=reviewer)
    assert_kept_counts_are_right()
    assert PublicSource.objects.get(key="a-shared").uses == 3
    assert PublicSource.objects.get(key="a-shared").name == "a shared trial"
    mara = Person.objects.get(user=medical_reviewer)
    assert PublicCredit.objects.get(person=mara).reviewed == 3

    # A new version moves a use to another group and drops a source.
    edit(uses[1], editor, category="digestive")
    uses[1].evidence.get().sources.set([factories.make_source()])
    review.approve(submission=review.submit(entry=uses[1], user=editor), reviewer=second_reviewer)
    assert_kept_counts_are_right()
    assert PublicSource.objects.get(key="a-shared").uses == 2
    assert PublicCredit.objects.get(person=mara).reviewed == 3  # earlier versions count too

    # A withdrawal takes the use, its sources and its whole review history off the record.
    review.approve(
        submission=review.withdraw(entry=uses[0], user=editor, note="Outdated"),
        reviewer=second_reviewer,
    )
    assert_kept_counts_are_right()
    assert not PublicSource.objects.filter(key="a-mention").exists()
    assert PublicCredit.objects.get(person=mara).reviewed == 2

    review.confirm(entry=uses[2], reviewer=second_reviewer)
    assert_kept_counts_are_right()

    # Published again: its history is back, with the new review.
    review.approve(submission=review.submit(entry=uses[0], user=editor), reviewer=medical_reviewer)
    assert_kept_counts_are_right()
    assert PublicCredit.objects.get(person=mara).reviewed == 4
    assert PublicSource.objects.get(key="a-shared").uses == 2


def test_a_big_synthetic_catalogue_is_counted_as_publishing_counts_it():
    add_published_uses(40)
    assert PublicUseCount.objects.exists()
    assert_kept_counts_are_right()


def test_the_migration_fills_the_counts_publishing_keeps(reviewer):
    factories.make_published_condition(name="Lupus", slug="lupus", reviewer=reviewer, evidence=2)
    factories.make_published_condition(name="Pain", slug="pain", reviewer=reviewer, evidence=1)
    factories.make_published_topic(title="Timing", slug="timing", reviewer=reviewer)
    kept = tallies.kept_counts()
    columns = ("pk", "use_position", "use_title", "is_public")
    citing = sorted(PublishedSource.objects.values_list(*columns))
    assert citing and all(title for _, _, title, _ in citing)
    for model in (PublicUseCount, PublicCredit, PublicSource):
        model.objects.all().delete()
    PublishedSource.objects.update(use_position=0, use_title="", is_public=False)
    migration = importlib.import_module("uses.migrations.0014_public_tallies")
    migration.fill_citing_uses(apps, None)
    migration.fill_tallies(apps, None)
    assert tallies.kept_counts() == kept
    assert sorted(PublishedSource.objects.values_list(*columns)) == citing
