from django.conf import settings


def site(request):
    """Values every page's head and footer use."""
    return {"site_url": settings.SITE_URL, "site_name": "Naltrexone uses"}
