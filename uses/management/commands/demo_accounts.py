"""Demo logins for trying the review workflow locally. Refused when DJANGO_DEBUG is off."""

from axes.utils import reset as lift_lockouts
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from uses.models import Person
from uses.roles import EDITORS, REVIEWERS

# username, password, full name, groups, public reviewer profile (name, credentials) or None
DEMO_ACCOUNTS = [
    ("editor", "editor-demo", ("Eddie", "Editor"), [EDITORS], None),
    ("reviewer", "reviewer-demo", ("Rosa", "Reviewer"), [REVIEWERS], ("Rosa Reviewer", "MD")),
    ("reviewer2", "reviewer2-demo", ("Ravi", "Reviewer"), [REVIEWERS], ("Ravi Reviewer", "PharmD")),
]


class Command(BaseCommand):
    help = "Create the demo editor and reviewer accounts (development only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only: DJANGO_DEBUG is off.")
        User = get_user_model()
        for username, password, (first, last), groups, profile in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": True,
                },
            )
            if created:
                user.set_password(password)
                user.save()
                user.groups.set(Group.objects.filter(name__in=groups))
            if profile and not Person.objects.filter(user=user).exists():
                name, credentials = profile
                Person.objects.create(
                    name=name,
                    slug=f"demo-{username}",
                    credentials=credentials,
                    role="Medical reviewer (demo account)",
                    bio="A demo account for trying the review workflow. Not a real person.",
                    user=user,
                )
            # `make run` runs this each time: a demo login locked by mistyped passwords opens again.
            lift_lockouts(username=username)
            if created and options["verbosity"]:
                self.stdout.write(f"Created {username} / {password}")
