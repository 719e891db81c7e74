"""Queue the periodic background tasks that have no run waiting (safe to repeat)."""

from django.core.management.base import BaseCommand

from uses.tasks import PERIODIC, schedule_periodic


class Command(BaseCommand):
    help = (
        "Queue each periodic task (culling expired imports, the review reminders) that has no "
        "run waiting. Each run queues the next, so this is needed once per database, and is "
        "safe on every deployment."
    )

    def handle(self, *args, **options):
        queued = schedule_periodic()
        for task in PERIODIC:
            state = "queued now" if task.name in queued else "already waiting"
            self.stdout.write(f"{task.name}: {state}")
