from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_site(sender, using="default", **kwargs):
    """Keep the sites framework's domain (used by the feed and sitemap) equal to SITE_URL."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.SITE_URL).netloc
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Naltrexone uses"}
    )


class UsesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "uses"
    verbose_name = "Naltrexone content"

    def ready(self):
        from uses import cache  # noqa: F401  (connects the public record's version to saves)

        post_migrate.connect(sync_site, sender=self)
