"""Test data with unique defaults.

Tests never use the article fixtures, except those that prove it loads and is graded as its
words earn (test_article.py, test_grading.py: the `article` fixture).
"""

import contextlib
import itertools
import sys

from uses.models import (
    Approval,
    Category,
    Certainty,
    Condition,
    Direction,
    Evidence,
    Person,
    Regimen,
    Source,
    StudyDesign,
    Topic,
)
from uses.models.content import SOURCE_IDENTIFIERS
from uses.services import publish

_numbers = itertools.count(1)
# Tests make hundreds of accounts: their passwords are hashed cheaply (production keeps PBKDF2).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


def make_person(**fields) -> Person:
    name = fields.pop("name", None) or unique("Person").replace("-", " ")
    fields.setdefault("slug", unique("person"))
    fields.setdefault("credentials", "MD")
    return Person.objects.create(name=name, **fields)


def make_source(**fields) -> Source:
    """A reference (at an example.org address unless an identifier is given) or, with
    ``mentioned_only``, a mention, which has no publisher or year unless given."""
    fields.setdefault("key", unique("source"))
    fields.setdefault("title", f"A trial of naltrexone ({fields['key']})")
    if not fields.get("mentioned_only"):
        fields.setdefault("publisher", "Journal of Tests")
        fields.setdefault("year", 2020)
        if not any(fields.get(name) for name in SOURCE_IDENTIFIERS):
            fields["url"] = f"https://example.org/sources/{fields['key']}"
    return Source.objects.create(**fields)


def make_condition(**fields) -> Condition:
    name = fields.pop("name", None) or unique("Condition")
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("category", Category.PAIN)
    fields.setdefault("approval", Approval.OFF_LABEL)
    fields.setdefault("regimen", Regimen.LOW_DOSE)
    fields.setdefault("summary", f"What naltrexone does for {name}.")
    fields.setdefault("body", f"Naltrexone is used for **{name}**.")
    if "author" not in fields:
        fields["author"] = make_person()
    return Condition.objects.create(name=name, **fields)


def make_evidence(condition: Condition, *, sources=(), **fields) -> Evidence:
    fields.setdefault("claim", f"Small randomized studies show a benefit in {condition.name}.")
    fields.setdefault("design", StudyDesign.RANDOMISED)
    fields.setdefault("certainty", Certainty.LOW)
    fields.setdefault("direction", Direction.BENEFIT)
    fields.setdefault("citation_needed", not sources)
    evidence = Evidence.objects.create(condition=condition, **fields)
    evidence.sources.set(sources)
    return evidence


def make_topic(**fields) -> Topic:
    title = fields.pop("title", None) or unique("Topic")
    fields.setdefault("slug", title.lower().replace(" ", "-"))
    fields.setdefault("summary", f"About {title}.")
    fields.setdefault("body", f"All about {title}.")
    return Topic.objects.create(title=title, **fields)


def make_published_condition(*, reviewer: Person | None = None, evidence=1, **fields):
    """A use with evidence and a cited source, published by a reviewer."""
    condition = make_condition(**fields)
    for _ in range(evidence):
        make_evidence(condition, sources=[make_source()])
    publication = publish(entry=condition, reviewer=reviewer or make_person())
    return condition, publication


def make_published_topic(*, reviewer: Person | None = None, **fields):
    topic = make_topic(**fields)
    return topic, publish(entry=topic, reviewer=reviewer or make_person())


def make_user(*groups: str, person: bool = False, **fields):
    """A staff login in the given groups; with ``person``, a public reviewer profile too."""
    from django.contrib.auth.models import Group, User

    username = fields.pop("username", None) or unique("user")
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("first_name", username.title())
    user = User.objects.create_user(username=username, password="pw", is_staff=True, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    if person:
        make_person(name=f"Dr {username.title()}", credentials="MD", user=user)
    return user


def edit(entry, user, **fields):
    """Change the working copy as ``user`` would in the admin, with history."""
    for name, value in fields.items():
        setattr(entry, name, value)
    entry._history_user = user
    entry.save()
    return entry


def make_editorial_policy(content: str = "## How we review\n\nEvery change is reviewed."):
    """The editorial policy flat page every footer links to."""
    from django.conf import settings
    from django.contrib.flatpages.models import FlatPage

    page = FlatPage.objects.create(
        url="/editorial-policy/", title="Editorial policy", content=content
    )
    page.sites.add(settings.SITE_ID)
    return page


@contextlib.contextmanager
def data_for_the_module(django_db_blocker, build):
    """What ``build()`` makes, once for a module whose tests share it and only read it.

    It lives in a transaction around the module, rolled back after it. Each test's own
    transaction is a savepoint inside that one, so what a test writes is still undone after it.
    Only for modules without transactional tests (they would commit and flush inside it).
    """
    from django.db import transaction
    from django.test import override_settings

    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:  # the tests' fast hasher: the per-test setting is not made yet
            with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
                data = build()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
