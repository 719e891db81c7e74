"""Request-wide helpers that are not domain logic."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import render

from uses import notifications


class NotificationFailuresMiddleware:
    """Shows a warning for each email that a request's work could not send.

    The work is saved first and the emails go after commit (``notifications.send_on_commit``),
    so a mail server that is down never turns a saved change into an error page. Must come after
    ``MessageMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with notifications.collect_failures() as failures:
            response = self.get_response(request)
        for failure in failures:
            messages.warning(request, failure, fail_silently=True)
        return response


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
