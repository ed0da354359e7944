"""WhiteNoise for an ASGI server, without pulling every request into one thread.

WhiteNoise's middleware is synchronous only; in an ASGI stack Django then runs the whole
chain in a single thread, one request after another, and async views (the webhook's
group commit, live event streams) lose their point. This wrapper looks the path up
itself: a static file is served by WhiteNoise in a worker thread, anything else goes
straight on to the next (async) handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.whitenoise = WhiteNoiseMiddleware(get_response)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return self.whitenoise(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        found = self._find(request.path_info)
        if found is None:
            response: Awaitable[HttpResponseBase] = self.get_response(request)
            return await response
        return await sync_to_async(self.whitenoise.serve, thread_sensitive=False)(found, request)

    def _find(self, path: str) -> Any:
        wn = self.whitenoise
        if not path.startswith(wn.static_prefix):
            return None
        return wn.find_file(path) if wn.autorefresh else wn.files.get(path)
