"""One way to hand a report to the browser as a file (appraisal, cost ledger)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from lianqin.audit.service import append, request_client
from lianqin.errors import InvalidInput
from lianqin.evaluation import export

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.to_xlsx),
    "pdf": ("application/pdf", export.to_pdf),
}


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(f"导出格式 {fmt!r} 不支持", field="format", hint="xlsx 或 pdf")


def attachment(
    report: export.Report, fmt: str, stem: str, request: HttpRequest | None = None
) -> HttpResponse:
    """``report`` written as ``fmt`` (checked by :func:`check_format`), as a download; who
    took which report out is an audit line."""
    content_type, write = FORMATS[fmt]
    if request is not None:
        append("export", getattr(request, "user", None), f"report:{stem}", {"format": fmt},
               client=request_client(request))  # fmt: skip
    response = HttpResponse(write(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
