"""Addresses of the admin pages of a use or topic, in one place."""

from django.urls import reverse


def entry_url(entry, view: str) -> str:
    """The admin page ``view`` ("change", "compare", a workflow step...) of ``entry``."""
    return reverse(f"admin:uses_{entry._meta.model_name}_{view}", args=[entry.pk])
