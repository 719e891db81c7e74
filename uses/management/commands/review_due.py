"""List the published entries past their review date and email the medical reviewers."""

from django.core.management.base import BaseCommand

from uses import notifications
from uses.selectors import due_for_review, reviewer_emails


class Command(BaseCommand):
    help = "List published entries whose medical review is overdue, and email the reviewers."

    def add_arguments(self, parser):
        parser.add_argument("--no-email", action="store_true", help="Only list; send nothing.")

    def handle(self, *args, no_email=False, **options):
        due = list(due_for_review())
        for publication in due:
            self.stdout.write(
                f"{publication.next_review_due:%Y-%m-%d}  {publication.title}  "
                f"(last reviewed {publication.reviewed_on:%Y-%m-%d} by "
                f"{publication.reviewer.display_name})"
            )
        if not due:
            self.stdout.write("No published entry is past its review date.")
            return
        if no_email:
            return
        recipients = reviewer_emails()
        sent = notifications.review_due(due, recipients)
        self.stdout.write(
            f"{len(due)} entr{'y' if len(due) == 1 else 'ies'} due; "
            f"emailed {len(recipients) if sent else 0} reviewer(s)."
        )
