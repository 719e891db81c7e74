"""Write the public site as files for nginx or a CDN (uses/export.py)."""

import fcntl
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from uses import export


class Command(BaseCommand):
    help = (
        "Write every published page, the sitemaps, the feed, robots.txt and the static files "
        "into DIR as a new release (DIR/current), with an nginx snippet (DIR/nginx.conf) for "
        "the moved and withdrawn addresses. Safe while nginx serves DIR: the release is "
        "swapped in at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", type=Path)
        parser.add_argument(
            "--app",
            default=settings.STATIC_EXPORT_APP,
            help="Where nginx sends searches and filters no page links to (default: %(default)s).",
        )

    def handle(self, *args, folder: Path, app: str, **options):
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open(folder / ".lock", "w") as lock:  # not beside an update by the worker
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                found = export.export_site(folder, app=app)
            except export.ExportError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"{len(found.pages):,} pages, {len(found.moved):,} moved and {len(found.gone):,} "
            f"withdrawn addresses in {folder / 'current'} ({time.perf_counter() - started:.1f} s); "
            f"include {folder / 'nginx.conf'} in nginx's server block."
        )
