import contextlib
import fcntl
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories
from tests.servers import copy_sqlite
from tests.worker import run_queued_tasks


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = factories.FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True, scope="session")
def public_templates_tested_as_djangos():
    """The public pages' Jinja2 templates, tested as Django's test set-up tests its own engine's:
    a variable the view did not give fails (``--fail-on-template-vars``, which pytest-django
    sets on the first engine, the admin's), and a rendering is reported to the test client
    (``response.templates``, ``response.context``)."""
    from django.conf import settings
    from django.template.backends import jinja2 as backend
    from django.test import override_settings
    from django.test.signals import template_rendered

    from uses.jinja import FailingUndefined

    admin, public = settings.TEMPLATES  # the admin's engine as pytest-django set it up
    strict = {**public, "OPTIONS": {**public["OPTIONS"], "undefined": FailingUndefined}}
    render = backend.Template.render

    def reported_render(self, context=None, request=None):
        template_rendered.send(sender=self, template=self.template, context=context or {})
        return render(self, context, request)

    # As settings, not on the engine: a test that changes DEBUG makes new engines from them.
    with override_settings(TEMPLATES=[admin, strict]), pytest.MonkeyPatch.context() as patch:
        patch.setattr(backend.Template, "render", reported_render)
        yield


@pytest.fixture(autouse=True, scope="session")
def progress_cache_of_this_worker(tmp_path_factory):
    """Background imports' progress (a file cache) in a folder of this test process's own."""
    from django.conf import settings
    from django.test import override_settings

    location = tmp_path_factory.mktemp("progress")
    caches = {**settings.CACHES, "progress": {**settings.CACHES["progress"], "LOCATION": location}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture
def run_tasks(db):
    return run_queued_tasks


@pytest.fixture(autouse=True)
def empty_page_cache(settings):
    """Each test starts with no cached public page: its database starts at the same version."""
    from django.core.cache import caches

    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.fixture
def migrated_data(transactional_db):
    """What migrations create (the site, the roles), for tests that run after a flush."""
    from django.apps import apps

    from uses.apps import sync_site
    from uses.roles import sync_roles

    sync_site(sender=None)
    sync_roles(apps)


@pytest.fixture(scope="module")
def article_for_the_module(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with factories.data_for_the_module(
        django_db_blocker, lambda: call_command("load_article", verbosity=0)
    ):
        yield


@pytest.fixture
def article(db, article_for_the_module):
    """The article as ``make run`` publishes it, loaded once for the module that asks for it: so
    every test of that module that uses the database must read it and need nothing else there.
    What a test changes is still undone after it."""


@pytest.fixture
def reviewer(db):
    return make_reviewer()


@pytest.fixture
def editorial_policy(db):
    return factories.make_editorial_policy()


@pytest.fixture
def published_site(db, reviewer, editorial_policy):
    """A small published site: an overview, two uses of different standing and a topic."""
    return publish_a_small_site(reviewer)


def make_reviewer():
    return factories.make_person(name="Rita Reviewer", slug="rita-reviewer", credentials="RN")


def publish_a_small_site(reviewer) -> dict:
    overview, _ = factories.make_published_topic(
        title="Naltrexone overview", slug="overview", is_overview=True, reviewer=reviewer
    )
    approved, _ = factories.make_published_condition(
        name="Alcohol dependence",
        slug="alcohol-dependence",
        category="addiction",
        approval="fda_approved",
        regimen="standard",
        reviewer=reviewer,
    )
    off_label, _ = factories.make_published_condition(
        name="Fibromyalgia", slug="fibromyalgia", reviewer=reviewer
    )
    topic, _ = factories.make_published_topic(
        title="Mechanism of action", slug="mechanism-of-action", reviewer=reviewer
    )
    return {"overview": overview, "approved": approved, "off_label": off_label, "topic": topic}


@pytest.fixture(scope="module")
def small_site_for_the_module(django_db_setup, django_db_blocker):
    """``published_site``, its reviewer and the editorial policy, made once for a module that
    overrides those fixtures with ``shared_small_site`` (every test of it must accept them)."""

    def build():
        import datetime

        from django.utils import timezone

        from uses.models import PublicVersion

        reviewer = make_reviewer()
        policy = factories.make_editorial_policy()
        site = publish_a_small_site(reviewer)
        # Made an hour ago, as far as pages can tell: a page says when it was last modified
        # only once that second has passed (uses.http), and every test of the module must see
        # the same headers on its first request as on its last, however long the module runs.
        PublicVersion.objects.update(changed_at=timezone.now() - datetime.timedelta(hours=1))
        return {"reviewer": reviewer, "editorial_policy": policy, **site}

    with factories.data_for_the_module(django_db_blocker, build) as made:
        yield {name: (type(instance), instance.pk) for name, instance in made.items()}


@pytest.fixture
def shared_small_site(db, small_site_for_the_module) -> dict:
    """The module's small site, read afresh for each test: what one test changes in memory
    never reaches the next (its database changes are undone anyway)."""
    return {
        name: model.objects.get(pk=pk) for name, (model, pk) in small_site_for_the_module.items()
    }


@pytest.fixture
def published(reviewer):
    """A published use, for the workflow's tests."""
    condition, _ = factories.make_published_condition(
        name="Fibromyalgia", slug="fibromyalgia", reviewer=reviewer
    )
    return condition


@pytest.fixture
def editor(db):
    return factories.make_user("Editors", username="edna")


@pytest.fixture
def second_editor(db):
    return factories.make_user("Editors", username="eddie")


@pytest.fixture
def medical_reviewer(db):
    return factories.make_user("Medical reviewers", username="mara", person=True)


@pytest.fixture
def second_reviewer(db):
    return factories.make_user("Medical reviewers", username="milo", person=True)


@pytest.fixture
def users(editor, medical_reviewer):
    """One account of each role, and None for the public."""
    from django.contrib.auth.models import User

    return {
        "anonymous": None,
        "editor": editor,
        "reviewer": medical_reviewer,
        "superuser": User.objects.create_superuser("root", "root@example.com", "pw"),
    }


def shared_folder(tmp_path_factory) -> Path:
    """A folder all the run's test processes share (pytest-xdist's workers' folders' parent)."""
    folder = tmp_path_factory.getbasetemp()
    return folder.parent if os.environ.get("PYTEST_XDIST_WORKER") else folder


@contextlib.contextmanager
def locked(folder: Path, name: str):
    """Hold the run's lock ``name``: one test process at a time."""
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database, as pytest-django makes it by migrating; on SQLite a copy of it, as
    migrating made it, is kept for ``migrated_sqlite_file`` before any test changes it."""
    from django.db import connection

    if connection.vendor == "sqlite":
        folder = shared_folder(tmp_path_factory)
        with locked(folder, "migrated"), django_db_blocker.unblock():
            if not (folder / "migrated.sqlite3").exists():
                connection.ensure_connection()
                building = folder / "migrating.sqlite3"
                with contextlib.closing(sqlite3.connect(building)) as copy:
                    connection.connection.backup(copy)
                    copy.execute("PRAGMA journal_mode = wal")  # as the site's own files are
                building.rename(folder / "migrated.sqlite3")


@pytest.fixture(scope="session")
def migrated_sqlite_file(django_db_setup, tmp_path_factory) -> Path:
    """A migrated SQLite database, for the tests that run the site in other processes: each
    copies it (``copy_sqlite``) rather than migrating again. On SQLite it is the first test
    database, copied as migrating made it; when the tests run on PostgreSQL, whichever worker
    asks first migrates one."""
    folder = shared_folder(tmp_path_factory)
    database = folder / "migrated.sqlite3"
    with locked(folder, "migrated"):
        if not database.exists():
            building = folder / "migrating.sqlite3"
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
                cwd=Path(__file__).resolve().parent.parent,
                env={**os.environ, "DATABASE_URL": f"sqlite:///{building}", "DJANGO_DEBUG": "1"},
                check=True,
                capture_output=True,
            )
            copy_sqlite(building, database)
    return database
