"""Open311 bodies: the same Python data as JSON or as GeoReport v2 XML. Pure: no Django.

GeoReport v2 defines XML and derives JSON from it by the "Spark convention": an XML list
``<services><service>…</service></services>`` is a JSON array of objects, a JSON object
is an element per key, and ``null`` is an empty element. So every body is built once as
lists and dicts, and :func:`to_xml` names the elements: the root by the endpoint, the
items of a list by :data:`ITEM_NAMES` (``attributes`` → ``attribute``, ``values`` →
``value``, ``formats`` → ``format``…).

What must hold: element names are exactly the spec's; text is UTF-8 and escaped (the
XML is built with ElementTree, never by string pasting); ``true``/``false`` are written
in lower case; the XML starts with its declaration, as the spec requires.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

#: The element of one item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",
}


def w3(moment: datetime | None) -> str | None:
    """A time as the spec writes it (w3 subset of ISO 8601, seconds, with its offset)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("Open311 times must carry a time zone")
    return moment.replace(microsecond=0).isoformat()


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def to_xml(root: str, data: Any) -> str:
    """``data`` (a list or a dict) as the XML document ``<root>…</root>``."""
    element = Element(root)
    _fill(element, root, data)
    body = tostring(element, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def _fill(element: Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _fill(SubElement(element, item_name), item_name, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def render(fmt: str, root: str, data: Any) -> tuple[str, str]:
    """(body, content type) of ``data`` in ``fmt`` (``json`` or ``xml``)."""
    if fmt == "xml":
        return to_xml(root, data), XML_TYPE
    return to_json(data), JSON_TYPE


def errors(status: int, *descriptions: str) -> list[dict[str, Any]]:
    """The spec's error body: a list of ``{code, description}``."""
    return [{"code": status, "description": d} for d in descriptions]
