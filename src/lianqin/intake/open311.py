"""Open311 GeoReport v2: the body of ``POST requests`` as a report. Pure: no Django.

What arrives is an ``application/x-www-form-urlencoded`` form with the spec's fields
(``service_code``, ``lat``, ``long``, ``address_string``, ``address_id``, ``email``,
``device_id``, ``account_id``, ``first_name``, ``last_name``, ``phone``,
``description``, ``media_url``, ``attribute[CODE]=…``), plus one field of ours:

* ``lianqin_token`` — Open311 gives a request no client-side identifier, so the HTTP view
  (``api/open311/views.py``) draws a fresh ``uuid4().hex`` for every POST, removes any
  ``api_key``/``lianqin_token`` the client sent, and appends ``lianqin_token=<hex>`` to the
  body it hands to the intake. The token is the report's ``external_id`` and the
  Open311 ``token`` the client may later resolve with ``GET tokens/{token}``. It travels
  *inside* the stored body (not in ``Payload.source``) so that a payload replayed from the
  quarantine, whose source is rewritten, still parses to the same report.

What must hold:

* a pure function of the payload: the same body parses to the same report;
* ``service_code`` and a location (``lat`` + ``long``, or ``address_string``, or
  ``address_id``) are required, as the spec says; ``lat``/``long`` come as a pair of
  finite WGS-84 degrees; anything else is a :class:`ParseError` naming the field;
* ``api_key`` and ``jurisdiction_id`` are not part of the report and are not kept;
* service attributes go to ``extra["attributes"]`` (a repeated or ``[]`` attribute is a
  list); e-mail, account and device ids go to ``extra`` (never to any public view);
* only ``http(s)`` media URLs become photos; others are kept aside in ``extra``.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from lianqin.intake.contract import ParsedReport, ParseError, Payload

__all__ = ["CHANNEL", "FORM", "TOKEN_FIELD", "parse", "read_form", "stamp"]

CHANNEL = "open311"
FORM = "application/x-www-form-urlencoded"
TOKEN_FIELD = "lianqin_token"  # noqa: S105 - a form field name, not a secret
TITLE_LENGTH = 40
#: fields that are not part of the report (the key is a secret; the jurisdiction is ours)
NOT_KEPT = frozenset({"api_key", "jurisdiction_id"})
_ATTRIBUTE = re.compile(r"attribute\[(?P<code>[^\[\]]+)\](?P<many>\[\])?")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,100}")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.\s")
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], None)
#: FixMyStreet sends "title: …\n\ndetail: …" in the description
_FMS_TITLE = re.compile(r"^title:\s*", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_FIELDS = 500


def read_form(raw: str) -> list[tuple[str, str]]:
    """The form's (name, value) pairs in order; percent-escapes read as UTF-8."""
    body = raw.strip().lstrip("\ufeff")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=_MAX_FIELDS)  # fmt: skip
    except UnicodeDecodeError as exc:
        raise ParseError(
            "表单不是 UTF-8 编码（form body is not UTF-8）",
            hint="GeoReport v2 要求 UTF-8：Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        ) from exc
    except ValueError as exc:
        raise ParseError(f"表单字段过多或格式错误（malformed form）：{exc}") from exc
    if not pairs:
        raise ParseError("表单为空（empty form body）", hint="以表单提交 service_code、位置和描述")
    return [(k.strip(), v) for k, v in pairs]


def stamp(raw: str, token: str) -> str:
    """The body to keep: the client's fields as sent, minus ``api_key`` (a secret is never
    stored in clear) and any ``lianqin_token`` the client made up, plus ours."""
    kept = [
        part
        for part in raw.strip().split("&")
        if part and unquote_plus(part.split("=", 1)[0]).strip() not in {"api_key", TOKEN_FIELD}
    ]
    return "&".join([*kept, f"{TOKEN_FIELD}={token}"])


def parse(payload: Payload, mapping: object | None = None) -> ParsedReport:
    """The report in one ``POST requests`` body; ``mapping`` may set ``title_length``
    in its ``settings`` (the channel needs no field mapping: Open311 names are fixed)."""
    kind = payload.content_type.split(";", 1)[0].strip().lower()
    if kind != FORM:
        raise ParseError(
            f"Open311 报件须为表单，收到“{kind or '未声明'}”（expected {FORM}）",
            field="Content-Type",
            hint=f"Content-Type: {FORM}; charset=utf-8",
        )
    fields, attributes = _collect(read_form(payload.raw))
    token = _required(
        fields,
        TOKEN_FIELD,
        "接收令牌",
        "由 Open311 接口在接收时生成；直接导入的报文须带 lianqin_token",
    )
    if not _TOKEN.fullmatch(token):
        raise ParseError(f"接收令牌“{token[:40]}”格式不对（bad token）", field=TOKEN_FIELD,
                         hint="8–100 位字母、数字、下划线或连字符")  # fmt: skip
    code = _required(
        fields, "service_code", "服务编码", "先用 GET services 取得可用的 service_code"
    )
    lon, lat = _coordinates(fields)
    address = _line(fields.get("address_string", ""))
    address_id = _line(fields.get("address_id", ""))
    if lat is None and not address and not address_id:
        raise ParseError(
            "缺少位置：须提供 lat 与 long，或 address_string，或 address_id"
            "（a location is required: lat & long, address_string or address_id）",
            field="lat",
            hint="用 WGS-84 十进制度数发送 lat、long，或写出详细地址",
        )
    description = _text(fields.get("description", ""))
    photos, bad_media = _media(fields.get("media_url", []))
    extra = _extra(fields, attributes, code, address_id, bad_media)
    return ParsedReport(
        channel=CHANNEL, external_id=token, title=_title(description, code, mapping),
        description=description, category_code=code, lon=lon, lat=lat, crs="wgs84",
        address=address, reporter_name=_name(fields), reporter_phone=_line(fields.get("phone", "")),
        photos=photos, extra=extra,
    )  # fmt: skip


def _collect(pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plain fields (first value wins; ``media_url`` keeps all) and the attributes."""
    fields: dict[str, Any] = {"media_url": []}
    attributes: dict[str, Any] = {}
    for name, value in pairs:
        if name in NOT_KEPT:
            continue
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            code = match["code"].strip()
            if match["many"] or code in attributes:
                previous = attributes.get(code, [])
                attributes[code] = [
                    *(previous if isinstance(previous, list) else [previous]),
                    value,
                ]
            else:
                attributes[code] = value
        elif name == "media_url" or name == "media_url[]":
            fields["media_url"].append(value)
        elif name not in fields or not str(fields[name]).strip():
            fields[name] = value
    return fields, attributes


def _line(value: str) -> str:
    return " ".join(value.translate(_CONTROL).split())


def _text(value: str) -> str:
    lines = value.translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(" ".join(x.split()) for x in lines)).strip()


def _required(fields: dict[str, Any], name: str, label: str, hint: str) -> str:
    value = _line(fields.get(name, ""))
    if not value:
        raise ParseError(f"缺少{label} {name}（{name} is required）", field=name, hint=hint)
    return value


def _coordinates(fields: dict[str, Any]) -> tuple[float | None, float | None]:
    lat_text, lon_text = _line(fields.get("lat", "")), _line(fields.get("long", ""))
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        missing = "lat" if not lat_text else "long"
        raise ParseError(f"坐标不完整：缺少 {missing}（lat and long come as a pair）",
                         field=missing, hint="lat 与 long 要成对发送；没有定位就只发地址")  # fmt: skip
    lat = _degree(lat_text, "lat", 90.0)
    return _degree(lon_text, "long", 180.0), lat


def _degree(text: str, name: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ParseError(
            f"{name}“{text[:40]}”不是有效的 WGS-84 度数（must be decimal degrees within ±{limit:g}）",
            field=name,
            hint="如 lat=32.0553&long=118.6012；检查经纬度是否写反",
        )
    return value


def _media(values: list[str]) -> tuple[list[str], list[str]]:
    good: list[str] = []
    bad: list[str] = []
    for value in (_line(v) for v in values):
        if not value:
            continue
        (good if re.fullmatch(r"https?://\S+", value, re.IGNORECASE) else bad).append(value)
    return good, bad


def _name(fields: dict[str, Any]) -> str:
    """The reporter's name in the order its script writes it (张三; John Smith)."""
    first, last = _line(fields.get("first_name", "")), _line(fields.get("last_name", ""))
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def _extra(
    fields: dict[str, Any], attributes: dict[str, Any], code: str, address_id: str, bad: list[str]
) -> dict[str, Any]:
    extra: dict[str, Any] = {"service_code": code}
    if attributes:
        extra["attributes"] = attributes
    if address_id:
        extra["address_id"] = address_id
    for name in ("email", "account_id", "device_id"):
        value = _line(fields.get(name, ""))
        if value:
            extra[name] = value
    if bad:
        extra["invalid_media_url"] = bad
    return extra


def _title(description: str, code: str, mapping: object | None) -> str:
    """The description's first sentence (at most ``title_length`` characters; a leading
    FixMyStreet ``title:`` dropped), else its start with an ellipsis; without a description,
    the service code says what it is (the case shows the category's name beside it)."""
    settings = getattr(mapping, "settings", None)
    limit = (
        int(settings.get("title_length", TITLE_LENGTH))
        if isinstance(settings, dict)
        else TITLE_LENGTH
    )
    text = _FMS_TITLE.sub("", description.strip(), count=1)
    flat = " ".join(text.split())
    if not flat:
        return f"Open311 上报（{code}）"
    end = _SENTENCE_END.search(text)
    first = " ".join(text[: end.start()].split()) if end else flat
    if 0 < len(first) <= limit:
        return first
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
