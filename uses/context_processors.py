from django.conf import settings
from django.utils.translation import to_locale


def site(request):
    """Values every page's head and footer use."""
    return {
        "site_url": settings.SITE_URL,
        "site_name": "Naltrexone uses",
        "editorial_email": settings.EDITORIAL_EMAIL,
        "og_locale": to_locale(settings.LANGUAGE_CODE),  # en-us -> en_US, as Open Graph spells it
    }
