"""Load the article's fixtures into an empty site and record the article's own medical review."""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from uses.models import Condition, Person, Topic
from uses.serializers import condition_queryset
from uses.services import publish

FIXTURES = ["people", "sources", "conditions", "evidence", "topics", "site"]
REVIEWER_SLUG = "michael-espelin"
# The article's own dates: first published, and updated and reviewed.
FIRST_PUBLISHED = datetime.date(2019, 6, 7)
REVIEWED = datetime.date(2020, 6, 24)
CHANGE_NOTE = (
    "Published from the source article, as updated and medically reviewed on June 24, 2020."
)


class Command(BaseCommand):
    help = (
        "Load the article 'Naltrexone Uses And Mechanism Of Action' and publish it as reviewed "
        "by its medical reviewer. Does nothing on a site that already has content."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if Condition.objects.exists() or Topic.objects.exists():
            if options["verbosity"]:
                self.stdout.write("The article is already loaded; nothing changed.")
            return
        call_command("loaddata", *FIXTURES, verbosity=0)
        try:
            reviewer = Person.objects.get(slug=REVIEWER_SLUG)
        except Person.DoesNotExist as error:
            raise CommandError(f"The fixtures lack the reviewer '{REVIEWER_SLUG}'.") from error
        published_at = datetime.datetime.combine(REVIEWED, datetime.time(12), tzinfo=datetime.UTC)
        entries = [*condition_queryset(), *Topic.objects.select_related("author")]
        for entry in entries:
            publish(
                entry=entry,
                reviewer=reviewer,
                change_note=CHANGE_NOTE,
                published_at=published_at,
                reviewed_on=REVIEWED,
                first_published_on=FIRST_PUBLISHED,
            )
        if options["verbosity"]:
            self.stdout.write(f"Loaded and published {len(entries)} entries from the article.")
