"""Turn a payload's raw text into one record (a dict) that mapping paths can walk.

Pure: no Django. One decoder per transport, chosen by the payload's media type:

* JSON (webhooks, polled APIs): the body must be one JSON object;
* a CSV/XLSX row (``ROW_CONTENT_TYPE``): the JSON object column -> cell text that
  ``intake/tabular.py`` wrote;
* an HTML form (``application/x-www-form-urlencoded``): field -> value, a repeated field
  -> list of values; percent-escapes are read as UTF-8, or GB18030 when they are not
  UTF-8 (older government sites still post GBK);
* XML: parsed only with ``defusedxml`` with DTDs forbidden, so entity expansion
  ("billion laughs") and external entities are refused, not resolved. The root's
  children become keys; repeated children become lists; attributes become ``@name``
  keys and an element's own text beside children or attributes becomes ``#text``.

What must hold: any input, however broken, gives a dict or raises :class:`ParseError`;
nothing else escapes (deep nesting included).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLSyntaxError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring

from lianqin.intake.contract import ROW_CONTENT_TYPE, ParseError

__all__ = ["DECODERS", "FORM", "JSON", "XML_TYPES", "media_type"]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
XML_TYPES = ("application/xml", "text/xml")
_MAX_FORM_FIELDS = 500


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(
            f"{what}应为一个对象（键值对），收到的是 {type(value).__name__}",
            hint="每次推送一条记录：一个 JSON 对象",
        )
    return value


def decode_json(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}",
            hint="检查来源系统推送的报文是否完整（括号、引号、逗号）",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"不是有效的 JSON：{exc}") from exc
    return _object(value, "JSON 报文")


def decode_row(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"表格行不是有效的 JSON 对象：{exc}") from exc
    return _object(value, "表格行")


def decode_form(raw: str) -> dict[str, Any]:
    body = raw.strip().lstrip("\ufeff")
    try:
        try:
            pairs = parse_qsl(
                body, keep_blank_values=True, encoding="utf-8", errors="strict",
                max_num_fields=_MAX_FORM_FIELDS,
            )  # fmt: skip
        except UnicodeDecodeError:
            pairs = parse_qsl(
                body, keep_blank_values=True, encoding="gb18030", errors="replace",
                max_num_fields=_MAX_FORM_FIELDS,
            )  # fmt: skip
    except ValueError as exc:
        raise ParseError(f"表单字段过多或格式错误：{exc}") from exc
    record: dict[str, Any] = {}
    for key, value in pairs:
        key = key.strip()
        if key in record:
            previous = record[key]
            record[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            record[key] = value
    if not record:
        raise ParseError("表单为空，没有任何字段", hint="检查提交的内容类型与报文")
    return record


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _element(element: Element) -> Any:
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    node: dict[str, Any] = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    for child in children:
        tag = _local(child.tag) if isinstance(child.tag, str) else ""
        if not tag:
            continue  # a comment or processing instruction
        value = _element(child)
        if tag in node:
            previous = node[tag]
            node[tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            node[tag] = value
    if text:
        node["#text"] = text
    return node


def decode_xml(raw: str) -> dict[str, Any]:
    try:
        root = xml_fromstring(raw.lstrip("\ufeff"), forbid_dtd=True)
        record = _element(root)
    except DefusedXmlException as exc:
        raise ParseError(
            f"XML 报文含有被禁止的结构（{type(exc).__name__}）",
            hint="报文不得含 DTD、实体声明或外部引用；请来源系统去掉 <!DOCTYPE …>",
        ) from exc
    except XMLSyntaxError as exc:
        raise ParseError(
            f"不是有效的 XML：{exc}",
            hint="检查报文是否完整、标签是否成对、编码声明是否与内容一致",
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"不是有效的 XML：{exc}") from exc
    if not isinstance(record, dict):
        raise ParseError(
            "XML 报文的根元素下没有字段",
            hint="报文应形如 <事件><事件编号>…</事件编号>…</事件>",
        )
    return record


DECODERS: dict[str, Callable[[str], dict[str, Any]]] = {
    JSON: decode_json,
    ROW_CONTENT_TYPE: decode_row,
    FORM: decode_form,
    XML_TYPES[0]: decode_xml,
    XML_TYPES[1]: decode_xml,
}
