"""The admin: the working copy (content.py) and the review workflow (review.py)."""

from . import content, review  # noqa: F401 - importing registers the admin classes
