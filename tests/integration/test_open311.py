"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML through Django's
test client, every JSON body validated against the official schemas (and every XML body
against the swagger definitions), the unhappy paths, the 90-day/1,000 defaults, what the
public may not see, and the ``georeport`` client from PyPI over a real socket."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client
from django.utils import timezone

from lianqin.api.open311 import public
from lianqin.cases import actions
from lianqin.cases.access import SYSTEM
from lianqin.cases.actions.reports import add_comment
from lianqin.cases.models import Case, CaseEvent, Report
from lianqin.intake.accounts import issue_channel_key
from lianqin.intake.models import QuarantinedPayload
from lianqin.org.models import ApiKey, Category
from tests.factories import new_case
from tests.shared_data import SHARED

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
SCHEMAS = SHARED / "open311" / "schema"
SECRETS = ("张三", "13812345678", "zhang@example.cn", "acct-7", "dev-42")


# ------------------------------------------------------------------ schema checks


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    if not SCHEMAS.is_dir():
        pytest.skip(f"official Open311 schemas not found in {SCHEMAS}")
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}


def validate(schemas: dict[str, Any], name: str, instance: Any) -> None:
    """Validate against ``name`` (its ``$ref`` to sibling files resolved), and check
    every ``*_datetime`` is ISO 8601 with a zone (jsonschema skips ``format`` here)."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry = Registry().with_resources(
        (n, Resource.from_contents(s, default_specification=DRAFT7)) for n, s in schemas.items()
    )
    Draft7Validator(schemas[name], registry=registry).validate(instance)
    for item in instance if isinstance(instance, list) else [instance]:
        for key, value in item.items():
            if key.endswith("_datetime") and value is not None:
                assert datetime.fromisoformat(value).tzinfo is not None, (key, value)


def xml_items(text: str, root: str, item: str | None) -> list[Any]:
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    doc = fromstring(text.encode())
    assert doc.tag == root, doc.tag
    if item is None:
        return [doc]
    assert all(child.tag == item for child in doc), [c.tag for c in doc]
    return list(doc)


def check_xml(schemas: dict[str, Any], element: Any, definition: str) -> None:
    """An XML element against a swagger definition: known names, required ones present,
    values readable as the declared type, lists as ``<plural><singular>…``."""
    spec = schemas["swagger.json"]["definitions"][definition]
    names = [child.tag for child in element]
    assert set(names) <= set(spec["properties"]), set(names) - set(spec["properties"])
    assert set(spec.get("required", [])) <= set(names), definition
    for child in element:
        prop = spec["properties"][child.tag]
        text = child.text or ""
        if prop["type"] == "array":
            ref = prop["items"]["$ref"].rsplit("/", 1)[1]
            for sub in child:
                check_xml(schemas, sub, ref)
        elif prop["type"] == "boolean":
            assert text in ("true", "false"), (child.tag, text)
        elif prop["type"] == "integer":
            int(text)
        elif prop["type"] == "number" and text:
            float(text)
        elif prop.get("format") == "date-time" and text:
            assert datetime.fromisoformat(text).tzinfo is not None


# ------------------------------------------------------------------ helpers


@pytest.fixture
def key(world) -> str:
    return issue_channel_key("open311")[1]


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def leaf(n: int = 0) -> Category:
    return [c for c in Category.objects.filter(active=True) if not c.children.exists()][n]


def body(world, key: str, grid: int = 0, **fields: Any) -> dict[str, Any]:
    lon, lat = world.grid_point(grid)
    data = {"api_key": key, "jurisdiction_id": "320111", "service_code": leaf().code,
            "lat": lat, "long": lon, "description": "小区门口垃圾堆了三天没人清理。太臭了",
            "first_name": "三", "last_name": "张", "phone": "13812345678",
            "email": "zhang@example.cn", "account_id": "acct-7", "device_id": "dev-42",
            "media_url": "https://img.example.cn/a.jpg"}  # fmt: skip
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, data: dict[str, Any], fmt: str = "json", path: str = "requests"):
    return client.post(f"{BASE}/{path}.{fmt}", urlencode(data), content_type=FORM)


def submit(client: Client, world, key: str, grid: int = 0, **fields: Any) -> str:
    res = post(client, body(world, key, grid, **fields))
    assert res.status_code == 200, res.content.decode()
    return res.json()[0]["service_request_id"]


def get(client: Client, path: str, **params: Any):
    return client.get(f"{BASE}/{path}", params)


def act(world, who: str, number: str, action: str, **kw: Any) -> Case:
    return actions.perform(world.actor(who), number, action, **kw)


# ------------------------------------------------------------------ discovery, services


def test_discovery(world, client):
    data = get(client, "discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert data["changeset"] and data["contact"] and "lianqin apikey open311" in data["key_service"]
    xml = get(client, "discovery.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    (doc,) = xml_items(xml.content.decode(), "discovery", None)
    formats = doc.find("endpoints/endpoint/formats")
    assert [f.tag for f in formats] == ["format", "format"]


def test_services(world, client, schemas):
    listed = get(client, "services.json").json()
    validate(schemas, "services.json", listed)
    codes = [s["service_code"] for s in listed]
    assert leaf().code in codes and "01" not in codes  # leaves only, groups are groups
    first = next(s for s in listed if s["service_code"] == leaf().code)
    assert first["group"] == "市容环境" and first["type"] == "realtime"
    items = xml_items(get(client, "services.xml").content.decode(), "services", "service")
    assert len(items) == len(listed)
    for item in items:
        check_xml(schemas, item, "Service")


def test_service_definition(world, client, schemas):
    category = leaf()
    category.attributes = [
        {"code": "HOW_LONG", "datatype": "singlevaluelist", "required": True,
         "description": "堆放多久了？", "values": [{"key": "1d", "name": "一天内"},
                                                   {"key": "3d", "name": "三天以上"}]},
        {"code": "NOTE", "datatype": "text", "required": False, "order": 5},
    ]  # fmt: skip
    category.save()
    data = get(client, f"services/{category.code}.json").json()
    validate(schemas, "service-definition.json", data)
    assert [a["order"] for a in data["attributes"]] == [1, 5]
    listed = get(client, "services.json").json()
    assert next(s for s in listed if s["service_code"] == category.code)["metadata"] is True
    (doc,) = xml_items(
        get(client, f"services/{category.code}.xml").content.decode(), "service_definition", None
    )
    check_xml(schemas, doc, "ServiceDefinition")
    assert [v.findtext("key") for v in doc.find("attributes/attribute/values")] == ["1d", "3d"]
    # a service without extra questions has an empty definition (metadata=false)
    plain = get(client, f"services/{leaf(1).code}.json").json()
    assert plain == {"service_code": leaf(1).code, "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_jurisdiction_are_404(world, client, fmt):
    res = get(client, f"services/nope.{fmt}")
    assert res.status_code == 404
    if fmt == "json":
        assert res.json()[0]["code"] == 404 and "nope" in res.json()[0]["description"]
    else:
        (error,) = xml_items(res.content.decode(), "errors", "error")
        assert error.findtext("code") == "404" and error.findtext("description")
    assert get(client, f"services.{fmt}", jurisdiction_id="other.gov").status_code == 404
    assert get(client, f"nothing/here.{fmt}").status_code == 404
    assert get(client, f"services.{fmt}", jurisdiction_id="320111").status_code == 200
    assert get(client, f"services.{fmt}", jurisdiction_id="").status_code == 200


# ------------------------------------------------------------------ POST requests


def test_post_request_files_a_case_through_the_intake(world, client, key):
    res = post(client, body(world, key, **{"attribute[HOW_LONG]": "3d"}))
    assert res.status_code == 200 and res["Content-Type"] == "application/json; charset=utf-8"
    (answer,) = res.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.channel == "open311" and case.category == leaf()
    assert case.grid == world.grids[0] and case.title == "小区门口垃圾堆了三天没人清理"
    report = case.reports.get()
    assert key not in report.raw and "api_key" not in report.raw
    assert report.raw.endswith(f"lianqin_token={report.external_id}")
    assert report.reporter.name == "张三" and report.extra["attributes"] == {"HOW_LONG": "3d"}
    token = get(client, f"tokens/{report.external_id}.json").json()
    assert token == [{"service_request_id": case.number, "token": report.external_id}]


def test_post_request_in_xml(world, client, key, schemas):
    res = post(client, body(world, key), fmt="xml")
    (item,) = xml_items(res.content.decode(), "service_requests", "request")
    check_xml(schemas, item, "RequestResponse")
    assert Case.objects.filter(number=item.findtext("service_request_id")).exists()
    assert item.find("account_id") is not None and item.find("token") is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_a_valid_open311_key_is_403(world, client, fmt):
    other = ApiKey.issue("portal", world.people["system"], channel="portal")[1]
    for secret in [None, "", "lq_00000000_nope", other]:
        res = post(client, body(world, secret or "", api_key=secret), fmt=fmt)
        assert res.status_code == 403, secret
        if fmt == "json":
            assert res.json()[0]["code"] == 403
    assert not Case.objects.exists() and not QuarantinedPayload.objects.exists()


def test_post_refusals(world, client, key):
    unknown = post(client, body(world, key, service_code="no-such"))
    assert unknown.status_code == 404 and "no-such" in unknown.json()[0]["description"]
    elsewhere = post(client, body(world, key, jurisdiction_id="sf.gov"))
    assert elsewhere.status_code == 404
    nowhere = post(client, body(world, key, lat=None, long=None))
    assert nowhere.status_code == 400 and "lat" in nowhere.json()[0]["description"]
    no_code = post(client, body(world, key, service_code=None))
    assert no_code.status_code == 400 and "service_code" in no_code.json()[0]["description"]
    assert not Case.objects.exists()
    kept = QuarantinedPayload.objects.filter(channel="open311")
    assert kept.count() == 2 and all(key not in q.raw for q in kept)


def test_the_same_post_twice_is_one_case_with_two_reports(world, client, key):
    """Open311 has no idempotency key: two identical POSTs are two reports. The duplicate
    check sees the same text at the same place in the same category minutes apart, so
    the second joins the first's case and the client gets the same number."""
    first = submit(client, world, key)
    second = post(client, body(world, key)).json()[0]
    assert second["service_request_id"] == first and "并入" in second["service_notice"]
    assert Case.objects.count() == 1 and Report.objects.filter(channel="open311").count() == 2
    assert Case.objects.get().report_count == 2


# ------------------------------------------------------------------ GET requests


def test_get_requests_json_and_xml(world, client, key, schemas):
    numbers = [submit(client, world, key, grid=g, description=f"第{g}处垃圾") for g in (0, 5)]
    hotline = new_case(world).number
    listed = get(client, "requests.json").json()
    validate(schemas, "requests.json", listed)
    assert [r["service_request_id"] for r in listed] == numbers[::-1]  # newest first
    first = listed[1]
    assert first["status"] == "open" and first["service_name"] == leaf().name
    assert (first["long"], first["lat"]) == pytest.approx(world.grid_point(0))
    assert first["media_url"] == "https://img.example.cn/a.jpg"
    assert first["agency_responsible"] == Case.objects.get(number=numbers[0]).holder.name
    items = xml_items(get(client, "requests.xml").content.decode(), "service_requests", "request")
    assert [i.findtext("service_request_id") for i in items] == numbers[::-1]
    for item in items:
        check_xml(schemas, item, "Request")
    assert hotline not in json.dumps(listed)  # a 12345 call is not published here
    one = get(client, f"requests/{numbers[0]}.json").json()
    validate(schemas, "requests.json", one)
    assert len(one) == 1 and one[0] == first
    assert get(client, f"request/{numbers[0]}.json").json() == one  # swagger's spelling
    (item,) = xml_items(
        get(client, f"requests/{numbers[0]}.xml").content.decode(), "service_requests", "request"
    )
    check_xml(schemas, item, "Request")
    for missing in (hotline, "320111-19990101-000001"):
        res = get(client, f"requests/{missing}.json")
        assert res.status_code == 404 and res.json()[0]["code"] == 404


def test_get_requests_filters(world, client, key):
    a = submit(client, world, key, grid=0)
    b = submit(client, world, key, grid=5, service_code=leaf(1).code, description="路灯不亮")
    act(world, "dispatcher", b, "reject", note="重复反映，已在处理")

    def ids(**params: Any) -> list[str]:
        res = get(client, "requests.json", **params)
        assert res.status_code == 200, res.content
        return [r["service_request_id"] for r in res.json()]

    assert ids(service_request_id=f"{b},nope,{a}") == [b, a]
    assert ids(service_request_id=a, status="closed") == [a]  # the id overrides the rest
    assert ids(service_code=leaf(1).code) == [b]
    assert ids(service_code=f"{leaf().code},{leaf(1).code}") == [b, a]
    assert ids(status="open") == [a] and ids(status="closed") == [b]
    assert ids(status="open,closed") == [b, a]
    now = timezone.now()
    assert ids(start_date=(now - timedelta(hours=1)).isoformat()) == [b, a]
    assert ids(end_date=(now - timedelta(days=1)).isoformat()) == []
    assert ids(start_date="2020-01-01T00:00:00Z", end_date="2020-03-01T00:00:00Z") == []
    for bad in [{"status": "pending"}, {"start_date": "yesterday"},
                {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"},
                {"start_date": "2024-02-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}]:  # fmt: skip
        res = get(client, "requests.json", **bad)
        assert res.status_code == 400 and res.json()[0]["code"] == 400, bad


def test_default_window_is_90_days_and_at_most_1000(world, client):
    assert public.SPAN.days == 90 and public.LIMIT == 1000
    now = timezone.now()
    rows = [Case(number=f"320111-OLD-{i:06d}", title="t", channel="open311", area_code="320111",
                 created_at=now - timedelta(days=91 + i), updated_at=now) for i in range(3)]  # fmt: skip
    rows += [Case(number=f"320111-NEW-{i:06d}", title="t", channel="open311", area_code="320111",
                  created_at=now - timedelta(minutes=i), updated_at=now) for i in range(1005)]  # fmt: skip
    Case.objects.bulk_create(rows)
    listed = get(client, "requests.json").json()
    assert len(listed) == 1000
    assert listed[0]["service_request_id"] == "320111-NEW-000000"
    assert listed[-1]["service_request_id"] == "320111-NEW-000999"
    old = get(client, "requests.json", start_date=(now - timedelta(days=100)).isoformat()).json()
    assert {r["service_request_id"] for r in old} == {"320111-OLD-000000", "320111-OLD-000001",
                                                      "320111-OLD-000002"}  # fmt: skip


def test_no_reporter_identity_in_any_get(world, client, key):
    number = submit(
        client, world, key, description="垃圾没人管，联系我13812345678或zhang@example.cn"
    )
    report = Report.objects.get(channel="open311")
    act(world, "community_a1", number, "accept")
    reads = [
        get(client, f"{path}.{fmt}", **params).content.decode()
        for fmt in ("json", "xml")
        for path, params in [("requests", {}), (f"requests/{number}", {}),
                             ("servicerequestupdates", {}), (f"tokens/{report.external_id}", {})]
    ]  # fmt: skip
    for text in reads:
        for secret in SECRETS:
            assert secret not in text, secret
    assert "138****5678" in reads[1] and "z***@example.cn" in reads[1]


def test_a_call_joined_by_an_open311_report_publishes_only_the_open311_text(world, client, key):
    text = "小区门口垃圾堆了三天没人清理，我是王五，电话13900001111"
    hotline = new_case(world, title="小区门口垃圾没人清理", description=text,
                       category_code=leaf().code)  # fmt: skip
    number = submit(client, world, key)
    assert number == hotline.number  # the duplicate check filed it under the call's case
    (seen,) = get(client, f"requests/{number}.json").json()
    assert seen["description"] == "小区门口垃圾堆了三天没人清理。太臭了"
    other = submit(client, world, key, grid=5, description="另一处垃圾")
    act(world, "dispatcher", number, "merge", into=other)  # the report moves to `other`
    (seen,) = get(client, f"requests/{number}.json").json()  # still readable: it was joined
    assert seen["status"] == "closed" and seen["description"] is None
    assert "王五" not in get(client, "requests.json").content.decode()


# ------------------------------------------------------------------ status mapping


def test_status_follows_the_case(world, client, key, schemas):
    number = submit(client, world, key)
    act(world, "community_a1", number, "accept")
    case = act(world, "grid_worker_a1", number, "handle_on_site")
    case = act(world, "grid_worker_a1", number, "resolve", note="已清运完毕，现场联系人13900001111")
    (seen,) = get(client, f"requests/{number}.json").json()
    assert seen["status"] == "open" and seen["status_notes"] == "已清运完毕，现场联系人139****1111"
    assert (
        seen["expected_datetime"]
        == timezone.localtime(case.resolve_due).replace(microsecond=0).isoformat()
    )
    case = act(world, "inspector", number, "verify")
    (seen,) = get(client, f"requests/{number}.json").json()
    validate(schemas, "request.json", seen)
    assert seen["status"] == "closed" and seen["status_notes"] == "经核查已办结，结案"
    assert datetime.fromisoformat(seen["updated_datetime"]) == case.closed_at.replace(microsecond=0)
    assert get(client, "requests.json", status="closed").json()[0]["service_request_id"] == number


def test_dispatched_case_names_the_lead_unit(world, client, key):
    number = submit(client, world, key)
    act(world, "community_a1", number, "accept")
    act(world, "street_a", number, "dispatch", lead="cg", assist=["hb"], note="内部：请速办")
    (seen,) = get(client, f"requests/{number}.json").json()
    assert seen["agency_responsible"] == world.people["cg_handler"].unit.name
    assert seen["status_notes"] == "已派单至承办单位办理"  # the staff note stays inside


def test_merged_case_is_closed_and_names_the_case_it_joined(world, client, key):
    a = submit(client, world, key, grid=0)
    b = submit(client, world, key, grid=5, description="另一处垃圾")
    act(world, "dispatcher", a, "merge", into=b)
    (seen,) = get(client, f"requests/{a}.json").json()
    assert seen["status"] == "closed" and b in seen["status_notes"]
    (other,) = get(client, f"requests/{b}.json").json()
    assert other["status"] == "open"
    merged = [
        u for u in get(client, "servicerequestupdates.json").json() if u["status"] == "duplicate"
    ]
    assert merged[0]["service_request_id"] == a and b in merged[0]["description"]
    comment = {"api_key": key, "service_request_id": a, "update_id": "u-1", "description": "补充"}
    assert post(client, comment, path="servicerequestupdates").status_code == 200
    assert CaseEvent.objects.get(action="comment").case.number == b  # to the living case


# ------------------------------------------------------------------ tokens, updates


def test_token_lookup(world, client, key):
    number = submit(client, world, key)
    token = Report.objects.get(channel="open311").external_id
    (item,) = xml_items(get(client, f"tokens/{token}.xml").content.decode(), "service_requests",
                        "request")  # fmt: skip
    assert item.findtext("service_request_id") == number and item.findtext("token") == token
    assert get(client, "tokens/0000000000000000.json").status_code == 404


def test_updates_feed_publishes_only_public_lines(world, client, key):
    number = submit(client, world, key)
    act(world, "community_a1", number, "accept", note="内部：张三的电话打不通")
    act(world, "grid_worker_a1", number, "handle_on_site")
    case = act(world, "duty_leader", number, "suspend", note="等待审批")
    add_comment(SYSTEM, case.pk, "12345 平台的补充", source="hotline_12345")
    feed = get(client, "servicerequestupdates.json").json()
    assert [u["status"] for u in feed] == ["investigating", "in_progress"]
    assert feed[0]["description"] == "已受理，正在核实处理" and "张三" not in json.dumps(feed)
    assert all(set(u) == {"update_id", "service_request_id", "status", "updated_datetime",
                          "description", "media_url"} for u in feed)  # fmt: skip
    items = xml_items(get(client, "servicerequestupdates.xml").content.decode(),
                      "service_requests_updates", "request_update")  # fmt: skip
    assert [i.findtext("update_id") for i in items] == [u["update_id"] for u in feed]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert get(client, "servicerequestupdates.json", start_date=later).json() == []


def test_post_update_adds_a_comment_once(world, client, key):
    number = submit(client, world, key)
    data = {"api_key": key, "service_request_id": number, "update_id": "fms-77",
            "updated_datetime": "2026-01-01T10:00:00+08:00", "status": "OPEN",
            "description": "还是没人来清理", "email": "zhang@example.cn"}  # fmt: skip
    first = post(client, data, path="servicerequestupdates")
    assert first.status_code == 200, first.content
    again = post(client, data, path="servicerequestupdates", fmt="xml")
    (item,) = xml_items(again.content.decode(), "service_requests_updates", "request_update")
    assert item.findtext("update_id") == first.json()[0]["update_id"]
    comments = CaseEvent.objects.filter(action="comment")
    assert comments.count() == 1 and comments.get().note == "还是没人来清理"
    feed = get(client, "servicerequestupdates.json").json()
    assert feed[-1]["description"] == "还是没人来清理" and feed[-1]["status"] == "open"
    assert post(client, {**data, "api_key": "x"}, path="servicerequestupdates").status_code == 403
    gone = post(client, {**data, "service_request_id": "nope"}, path="servicerequestupdates")
    assert gone.status_code == 404
    empty = post(client, {**data, "update_id": "fms-78", "description": " "},
                 path="servicerequestupdates")  # fmt: skip
    assert empty.status_code == 400


# ------------------------------------------------------------------ real HTTP


def test_georeport_client_reads_our_server(live_server, world, key):
    """The PyPI client lists services, reads a definition and requests; it posts nothing
    (georeport 0.3 cannot), so the report is posted over the same socket with urllib."""
    from georeport import GeoReport

    root = f"{live_server.url}{BASE}"
    sent = urllib.request.Request(f"{root}/requests.json", data=urlencode(body(world, key)).encode(),
                                  headers={"Content-Type": FORM}, method="POST")  # fmt: skip
    with urllib.request.urlopen(sent, timeout=10) as res:
        number = json.loads(res.read())[0]["service_request_id"]
    for fmt in ("json", "xml"):
        geo = GeoReport(root, jurisdiction="320111", output_format=fmt)
        listed = geo.get_service_list()
        assert any(s["service_code"] == leaf().code for s in listed), fmt
        assert geo.get_service_definition(leaf().code)["service_code"] == leaf().code
        requests = geo.get_service_requests()
        if fmt == "xml":  # xmltodict gives a dict, not a list, for a single element
            requests = [requests] if isinstance(requests, dict) else requests
        assert [r["service_request_id"] for r in requests] == [number]
        assert geo.get_service_request(number)["status"] == "open"
