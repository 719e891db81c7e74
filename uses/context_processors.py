from django.conf import settings
from django.utils import timezone


def site(request):
    """Values every page's head and footer use."""
    return {
        "site_url": settings.SITE_URL,
        "site_name": "Naltrexone uses",
        "today": timezone.localdate(),
    }
