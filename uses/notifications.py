"""Emails of the review workflow, through Django's mail framework, sent after commit.

An email reports work that is already saved, so it must never undo it or turn it into an error
page: a failure is logged, and collected for the request to show as a warning.
"""

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)
_failures: ContextVar[list[str] | None] = ContextVar("notification_failures", default=None)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")


@contextmanager
def collect_failures() -> Iterator[list[str]]:
    """Within the block, each email that fails to send adds a message for the user to a list."""
    failures: list[str] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def send_on_commit(what: str, send: Callable, *args) -> None:
    """Send ``what`` (e.g. "to the reviewers") once the transaction commits; never raise."""

    def run():
        try:
            send(*args)
        except Exception as error:
            logger.exception("The email %s could not be sent.", what)
            failures = _failures.get()
            if failures is not None:
                failures.append(
                    f"The email {what} could not be sent ({type(error).__name__}: {error}). "
                    f"The change itself was saved; tell them another way."
                )

    transaction.on_commit(run)


def one_line(text: str) -> str:
    """``text`` fit for an email header: control characters and line breaks become spaces."""
    return _CONTROL.sub(" ", text).strip()


def admin_link(name: str, *args) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def submitted(submission, recipients: list[str]) -> None:
    """Tell the medical reviewers that a submission waits for them."""
    if not recipients:
        return
    context = {
        "submission": submission,
        "review_url": admin_link("admin:uses_submission_review", submission.pk),
        "queue_url": admin_link("admin:uses_submission_changelist"),
    }
    action = submission.get_action_display().lower()
    subject = one_line(f"Review needed: {action} “{submission.title}”")
    body = render_to_string("emails/submitted.txt", context)
    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients])


def decided(submission) -> None:
    """Tell the submitter what the reviewer decided."""
    if not submission.submitted_by.email:
        return
    entry = submission.entry
    context = {
        "submission": submission,
        "entry_url": admin_link(f"admin:uses_{entry._meta.model_name}_change", entry.pk),
        "review_url": admin_link("admin:uses_submission_review", submission.pk),
    }
    subject = one_line(f"{submission.get_status_display()}: “{submission.title}”")
    body = render_to_string("emails/decided.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [submission.submitted_by.email])


def review_due(publications, recipients: list[str]) -> int:
    """Remind the reviewers which published entries are past their review date."""
    publications = list(publications)
    if not publications or not recipients:
        return 0
    context = {
        "publications": publications,
        "changelist_url": admin_link("admin:uses_condition_changelist") + "?state=overdue",
    }
    count = len(publications)
    subject = f"{count} published entr{'y is' if count == 1 else 'ies are'} due for medical review"
    body = render_to_string("emails/review_due.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
