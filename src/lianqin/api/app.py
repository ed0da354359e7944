"""The HTTP API: ``/api/v1/…`` with OpenAPI docs at ``/api/docs``.

Errors are mapped to HTTP in one place: every :class:`~lianqin.errors.LianqinError`
becomes ``{"code", "message", "hint", "field"}`` with its status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from lianqin.api.auth import AUTH
from lianqin.api.intake import router as intake_router
from lianqin.api.v1_cases import router as cases_router
from lianqin.api.v1_geo import router as geo_router
from lianqin.api.v1_indicators import router as indicators_router
from lianqin.api.v1_intake import channel_router
from lianqin.api.v1_intake import router as intake_ops_router
from lianqin.api.v1_reference import router as reference_router
from lianqin.api.v1_reveal import router as reveal_router
from lianqin.api.v1_routing import router as routing_router
from lianqin.api.v1_work import router as work_router
from lianqin.errors import LianqinError

#: every refusal the handlers below produce, whatever an operation declares itself:
#: a LianqinError (400/403/404/409), a missing login (401), a body or parameter that does
#: not fit the schema (422); an operation that declares one keeps its own description
REFUSALS = {
    400: "输入有误（invalid input）",
    401: "未登录或 API 密钥无效（unauthenticated）",
    403: "无权执行（forbidden）",
    404: "不存在或不在辖区内（not found）",
    409: "与当前状态冲突（conflict）",
    422: "请求内容不符合接口定义（does not match the schema）",
}
_REFUSAL_BODY = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "hint": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


class LianqinAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI documents the refusals every operation can answer, so that
    a client (and the schemathesis run in tests/integration/test_openapi_fuzz.py) knows
    a 401 or 422 is part of the contract, not a surprise."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in REFUSALS.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": description,
                            "content": {"application/json": {"schema": _REFUSAL_BODY}},
                        }
        return schema


api = LianqinAPI(
    title="Lianqin 联勤 API",
    version="1",
    description="联勤指挥平台接口：案件登记、查询、流转与历史。人员用会话登录，系统用 X-API-Key。",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/v1/cases", cases_router, tags=["cases"])
api.add_router("/v1/cases", reveal_router, tags=["cases"])
api.add_router("/v1", reference_router, tags=["reference"])
api.add_router("/v1/geo", geo_router, tags=["geo"])
api.add_router("/v1", routing_router)
api.add_router("/v1", work_router)
api.add_router("/v1", intake_ops_router)
api.add_router("/v1", indicators_router)
api.add_router("/intake", channel_router)
api.add_router("/intake", intake_router)


@api.exception_handler(LianqinError)
def _lianqin_error(request: HttpRequest, exc: LianqinError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "code": "unauthenticated",
        "message": "未登录或 API 密钥无效",
        "hint": "人员先登录 /login/；系统在请求头 X-API-Key 中提供密钥",
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """What django-ninja refuses before a handler runs -- chiefly a body that is not JSON
    at all -- in the same shape and language as every other refusal (ninja's own is
    ``{"detail": "Cannot parse request body"}``, English and without a hint)."""
    if exc.status_code == 400:
        body = {
            "code": "unparseable_body",
            "message": "请求体无法解析：不是有效的 JSON（request body is not valid JSON）",
            "hint": "请求体须是 UTF-8 编码的 JSON 对象，并声明 Content-Type: application/json",
        }
    else:
        body = {"code": f"http_{exc.status_code}", "message": str(exc.message)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    body = {
        "code": "invalid_input",
        "message": "请求内容不符合接口定义",
        "errors": errors,
        "hint": "对照 /api/docs 中的字段说明修改",
    }
    return api.create_response(request, body, status=422)
