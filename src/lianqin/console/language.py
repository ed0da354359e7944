"""Chinese first: the interface speaks Chinese unless the person chose English (the
language switch in the header sets Django's language cookie). The browser's
Accept-Language is *not* followed: a dispatcher on an English-language browser in a
Chinese command center still sees Chinese, and every page in one language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class ChineseFirstLocaleMiddleware(MiddlewareMixin):
    """Sync and async capable (MiddlewareMixin), so live streams stay asynchronous."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        known = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Content-Language", translation.get_language() or "")
        return response
