"""Request-wide helpers that are not domain logic."""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

from uses.http import cached_answer, is_public_page, page_state


class PrivateErrorsMiddleware:
    """Error pages (400, 404, 410, 500...) are never stored by a browser, proxy or CDN.

    Public pages set their own Cache-Control (``uses.http.public_page``); an error raised in a
    view, or an address no view answers, gets here without one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 400:
            response.setdefault("Cache-Control", "private, no-store")
        return response


class RefuseNulCharactersMiddleware:
    """A query string holding a NUL character answers 400, with a message.

    No filter, search or lookup can hold one (PostgreSQL's text refuses it, and no link or form
    sends one), so it can only come from a crafted address: it is refused before any view or
    database sees it. Form data is left to the forms and the review steps, which refuse control
    characters with an error beside the field and keep what was typed (``uses.validators``).
    """

    MESSAGE = (
        "The address contains a NUL character (%00), which no filter or search accepts. "
        "Nothing was changed: remove it and try again."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.holds_nul(request.GET):
            return render(request, "400.html", {"message": self.MESSAGE}, status=400)
        return self.get_response(request)

    @staticmethod
    def holds_nul(data) -> bool:
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in data.lists()
        )


class CrossOriginResourcePolicyMiddleware:
    """``Cross-Origin-Resource-Policy`` on every response, static files included (Django has a
    setting for the opener policy, not this one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response


class PublicPageCacheMiddleware:
    """Answers a GET or HEAD of a public page from the page cache, or with a 304, before the
    middleware below it runs: sessions, CSRF, logins, messages, history, the login lockout.

    None of them changes a public page (it shows nothing that depends on who asks), and together
    they cost a cached page about what serving it does. The headers every response gets (security,
    CSP, frame options) come from middleware above this one. A page that is not in the cache goes
    on to its view, whose wrapper (``uses.http.public_page``) renders and stores it with what was
    worked out here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        answer = None
        if self.asks_for_a_public_page(request):
            answer = cached_answer(request, page_state(request))
        return answer if answer is not None else self.get_response(request)

    @staticmethod
    def asks_for_a_public_page(request) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return is_public_page(match.func)
