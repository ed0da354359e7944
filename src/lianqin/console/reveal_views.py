"""The reporters' contacts of one case in clear, for the roles that call them — each
opening written to the audit log (:func:`lianqin.audit.reveal.reveal_contacts`).

By POST only (a link cannot be prefetched, crawled or left in a browser's history), and
answered with ``Cache-Control: no-store`` so the numbers stay off disk caches.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianqin.audit.reveal import reveal_contacts
from lianqin.audit.service import request_client
from lianqin.cases.access import actor_for
from lianqin.errors import LianqinError


@login_required
@require_POST
@never_cache
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    try:
        contacts = reveal_contacts(actor, number, client=request_client(request))
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    return render(request, "console/reveal.html", {"number": number, "contacts": contacts})
