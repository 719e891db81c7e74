"""Emails of the review workflow, through Django's mail framework.

They are sent by a worker (uses/tasks.py), queued with the work they report: an email never
slows down, undoes or fails that work, and one the mail server refuses is tried again later.
"""

import re

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\s]+")


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
