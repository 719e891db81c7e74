"""The background worker, as the tests run it: for real, through the database queue."""

import signal

import pytest
from django.core.management import call_command


def run_queued_tasks() -> None:
    """Run every queued task that is due, through the database queue, as ``manage.py
    db_worker --batch`` does, then return. In a test's transaction, as Django's test client
    does for requests, the worker does not close the connection between tasks."""
    handlers = {
        name: signal.getsignal(name) for name in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                "django_tasks_db.management.commands.db_worker.close_old_connections",
                lambda: None,
            )
            # Verbosity 1, as in production: a failed task is logged (0 silences the log).
            call_command(
                "db_worker",
                queue_name="*",
                batch=True,
                startup_delay=False,
                reload=False,
                verbosity=1,
            )
    finally:  # the worker takes over Ctrl+C and SIGTERM for a graceful stop
        for name, handler in handlers.items():
            signal.signal(name, handler)
