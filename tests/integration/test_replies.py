"""The source hears what became of its report: derived once per case event, POSTed to
the channel's endpoint with an idempotency key, retried with backoff, or polled."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from lianqin.cases.actions import perform
from lianqin.intake import replies, service
from lianqin.intake.accounts import channel_actor, issue_channel_key
from lianqin.intake.contract import Payload
from lianqin.jobs.models import OutboxMessage
from lianqin.jobs.sweeper import sweep_once

pytestmark = pytest.mark.django_db(transaction=False)


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    fail_next = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Receiver.fail_next:
            Receiver.fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return
        Receiver.received.append((self.headers["Idempotency-Key"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(settings):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received, Receiver.fail_next = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/feedback"
    settings.LIANQIN_REPLY_URLS = {"hotline_12345": url}
    yield url
    server.shutdown()


def hotline_case(world):
    body = {
        "工单编号": "GD-R-1",
        "来电时间": "2026-11-28 09:00:00",
        "联系电话": "13700001234",
        "诉求内容": "文德路12号门口有人占道经营，影响通行。",
        "经度": world.grid_point(0)[0],
        "纬度": world.grid_point(0)[1],
    }
    payload = Payload("hotline_12345", json.dumps(body, ensure_ascii=False))
    return service.receive(channel_actor("hotline_12345"), payload).case_number


def close_on_site(world, number):
    for who, action, kw in [
        ("community_a1", "accept", {}),
        ("grid_worker_a1", "handle_on_site", {}),
        ("grid_worker_a1", "resolve", {"note": "已劝离摊贩，恢复通行"}),
        ("inspector", "verify", {}),
    ]:
        perform(world.actor(who), number, action, **kw)


def deliver_all(now=None):
    for _ in range(5):
        sweep_once(now or timezone.now())


def test_accept_and_closure_are_sent_once_each(world, endpoint):
    number = hotline_case(world)
    close_on_site(world, number)
    deliver_all()
    kinds = [body["type"] for _, body in Receiver.received]
    assert kinds == ["受理反馈", "办结反馈"]
    final = Receiver.received[-1][1]
    assert final["external_id"] == "GD-R-1" and final["case_number"] == number
    assert final["text"] == "已劝离摊贩，恢复通行" and final["status"] == "closed"
    # deriving again (a crash between deriving and marking delivered) adds nothing
    for message in OutboxMessage.objects.filter(topic__startswith="case."):
        replies.derive(message)
    deliver_all()
    assert len(Receiver.received) == 2
    assert len({key for key, _ in Receiver.received}) == 2


def test_a_failing_endpoint_is_retried_with_backoff(world, endpoint):
    number = hotline_case(world)
    Receiver.fail_next = 1
    perform(world.actor("community_a1"), number, "accept")
    now = timezone.now()
    deliver_all(now)
    reply = OutboxMessage.objects.get(topic="reply.hotline_12345")
    assert reply.delivered_at is None and reply.attempts == 1 and "503" in reply.last_error
    assert reply.available_at > now
    deliver_all(now + timedelta(minutes=2))
    reply.refresh_from_db()
    assert reply.delivered_at is not None and len(Receiver.received) == 1


def test_replies_are_visible_per_case_and_can_be_polled(client, world, settings):
    settings.LIANQIN_REPLY_URLS = {}
    number = hotline_case(world)
    close_on_site(world, number)
    deliver_all()
    client.force_login(world.people["dispatcher"])
    topics = [m["topic"] for m in client.get(f"/api/v1/cases/{number}/outbox").json()]
    assert topics.count("reply.hotline_12345") == 2
    client.logout()
    key = issue_channel_key("hotline_12345")[1]
    polled = client.get("/api/intake/hotline_12345/replies", HTTP_X_API_KEY=key).json()
    assert [r["type"] for r in polled] == ["受理反馈", "办结反馈"]
    after = client.get(
        f"/api/intake/hotline_12345/replies?after={polled[0]['id']}", HTTP_X_API_KEY=key
    ).json()
    assert [r["type"] for r in after] == ["办结反馈"]
    other = issue_channel_key("alarm_110")[1]
    assert client.get("/api/intake/hotline_12345/replies", HTTP_X_API_KEY=other).status_code == 403


def test_the_reporter_gets_a_text_at_closure_and_the_number_stays_out_of_the_outbox(
    world, settings
):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received, Receiver.fail_next = [], 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.LIANQIN_REPLY_URLS = {}
    settings.LIANQIN_SMS_URL = f"http://127.0.0.1:{server.server_port}/sms"
    try:
        number = hotline_case(world)
        close_on_site(world, number)
        deliver_all()
        deliver_all()
    finally:
        server.shutdown()
    texts = [body for _, body in Receiver.received]
    assert len(texts) == 1 and texts[0]["phone"] == "13700001234"
    assert number in texts[0]["text"] and "已办结" in texts[0]["text"]
    sms = OutboxMessage.objects.get(topic="reporter.sms")
    assert "13700001234" not in json.dumps(sms.payload) and sms.delivered_at is not None
