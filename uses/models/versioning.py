"""One row that says which version of the public record the public pages show."""

from django.db import models


class PublicVersion(models.Model):
    """Bumped in the same transaction as every change that alters what public pages show.

    Every app server reads it once per public request and puts it in its page cache keys and
    ETags, so a change shows on every server at its next request, with no shared cache needed.
    """

    counter = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(
        help_text="When the public record last changed: public pages' Last-Modified."
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = "public record version"

    def __str__(self):
        return f"Public record version {self.counter} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
