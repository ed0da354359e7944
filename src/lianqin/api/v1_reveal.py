"""``POST /api/v1/cases/{number}/contacts``: the reporters' contacts in clear, for the
roles that call them, each call written to the audit log (``lianqin.audit.reveal``).

POST, not GET: reading personal data is an act that leaves a trace, and must not be
prefetched or cached.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from lianqin.api.auth import request_actor
from lianqin.api.schemas import Error
from lianqin.audit.reveal import reveal_contacts
from lianqin.audit.service import request_client

router = Router()


class ContactOut(Schema):
    report: int
    channel: str
    name: str
    phone: str
    id_number: str


@router.post(
    "/{number}/contacts",
    response={200: list[ContactOut], 401: Error, 403: Error, 404: Error},
    summary="查看诉求人完整联系方式（记入审计日志）",
)
def contacts(request: HttpRequest, number: str, response: HttpResponse):
    actor = request_actor(request)
    found = reveal_contacts(actor, number, client=request_client(request))
    response["Cache-Control"] = "no-store, private"  # the numbers stay off every cache
    return found
