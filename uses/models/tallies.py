"""Counts of the public record that publishing keeps up to date (``uses.tallies`` writes them),
so that the catalogue pages and people's pages read a few small rows instead of counting every
public use, citation or review on each request."""

from django.db import models

from .choices import Approval, Category, Certainty, Direction
from .content import Person

# The columns the catalogue pages group public uses by (uses.catalogue).
USE_GROUP_COLUMNS = ("approval", "category", "certainty", "direction", "evidence_label")


class PublicUseCount(models.Model):
    """How many public uses share one combination of the columns the catalogue pages count by."""

    approval = models.CharField(max_length=20, choices=Approval.choices, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    certainty = models.CharField(max_length=20, choices=Certainty.choices, blank=True)
    direction = models.CharField(max_length=20, choices=Direction.choices, blank=True)
    evidence_label = models.CharField(max_length=60, blank=True)
    uses = models.PositiveIntegerField()

    class Meta:
        ordering = list(USE_GROUP_COLUMNS)
        verbose_name = "public use count"
        constraints = [
            models.UniqueConstraint(fields=USE_GROUP_COLUMNS, name="one_count_per_use_group")
        ]

    def __str__(self):
        return f"{self.uses} of {', '.join(getattr(self, name) for name in USE_GROUP_COLUMNS)}"


class PublicCredit(models.Model):
    """What public pages credit a person with: the people who have any are the people with a
    public profile."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="public_credit"
    )
    authored = models.PositiveIntegerField(default=0, help_text="Public pages they wrote.")
    reviewed = models.PositiveIntegerField(
        default=0, help_text="Their reviews in public pages' histories, earlier versions included."
    )

    class Meta:
        ordering = ["person"]
        verbose_name = "public credit"

    def __str__(self):
        return f"{self.person_id}: wrote {self.authored}, reviewed {self.reviewed}"


class PublicSource(models.Model):
    """A source that public uses cite, once per way it is shown (a reference or a mention), by
    name, with the number of public uses citing it: the sources page, a page at a time."""

    key = models.SlugField(max_length=100)
    is_reference = models.BooleanField()
    name = models.CharField(
        max_length=300, help_text="The first of its titles, in lower case, that public uses give."
    )
    uses = models.PositiveIntegerField()

    class Meta:
        ordering = ["-is_reference", "name", "key"]
        verbose_name = "public source"
        constraints = [
            models.UniqueConstraint(fields=["is_reference", "key"], name="one_public_source")
        ]
        indexes = [
            models.Index(fields=["-is_reference", "name", "key"], name="public_source_order"),
        ]

    def __str__(self):
        return f"{self.name} ({self.key})"
