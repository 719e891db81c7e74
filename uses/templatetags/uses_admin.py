from django import template
from django.db.models import Count, Min

from uses.models import Submission
from uses.selectors import due_for_review

register = template.Library()


@register.simple_tag(takes_context=True)
def review_summary(context) -> dict | None:
    """What waits for the reviewers, for the admin index; None for users who cannot see it."""
    user = context["request"].user
    if not user.has_perm("uses.view_submission"):
        return None
    pending = Submission.objects.pending().aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    return {
        "pending": pending["count"],
        "oldest": pending["oldest"],
        "overdue": due_for_review().count(),
    }
