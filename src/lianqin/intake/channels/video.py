"""视频监控: alarms from the camera analytics platform (AI event detection).

Pure: no Django. What arrives: one JSON webhook per alarm: alarm id, camera id and
name, the camera's position (WGS-84 unless mapped), the event type (a vendor code such
as ``ROAD_OCCUPATION`` or the Chinese word 占道经营, 垃圾满溢, 违章停车, 人员聚集, 烟火), a
confidence, a snapshot URL and the time (often epoch milliseconds); see
``mappings/video.toml``.

What must hold:

* the event type becomes the category hint (vendor codes translated to Chinese by
  ``[values.category_hint]``) and, when the source sends no title, the title
  (``title_format``, e.g. "占道经营（幸福路与民乐街口东北角）");
* the confidence is read as a fraction (``confidence_scale = 100`` for vendors that send
  percentages) and refused outside 0–1; it is kept in ``extra["confidence"]``;
* ``needs_confirmation`` is true when the confidence is below ``confirm_below`` or
  missing: a machine's guess waits for a person before it becomes a case;
* the snapshot URL is the report's photo.
"""

from __future__ import annotations

from typing import Any

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import JSON
from lianqin.intake.contract import ParseError
from lianqin.intake.mapping import Mapping


def prepare(
    values: dict[str, Any], sources: dict[str, str], extra: dict[str, Any], mapping: Mapping
) -> None:
    """Check the confidence, decide whether a person must confirm, and write the title."""
    settings = mapping.settings
    confidence = extra.get("confidence")
    if confidence is None:
        values["needs_confirmation"] = True
    else:
        fraction = confidence / float(settings.get("confidence_scale", 1.0))
        if not 0.0 <= fraction <= 1.0:
            name = sources.get("confidence", "confidence")
            raise ParseError(
                f"{name}“{confidence:g}”超出 0 到 1 的范围",
                field=name,
                hint="置信度应为 0–1 的小数；厂商发百分数时在映射 [settings] 中设 confidence_scale = 100",
            )
        extra["confidence"] = fraction
        values["needs_confirmation"] = fraction < float(settings.get("confirm_below", 0.8))
    event = values.get("category_hint") or "视频告警"
    camera = extra.get("camera_name") or extra.get("camera_id") or "未知摄像头"
    if not values.get("title"):
        template = str(settings.get("title_format", "{event}（{camera}）"))
        values["title"] = template.replace("{event}", event).replace("{camera}", str(camera))
    if not values.get("description"):
        score = f"，置信度 {extra['confidence']:.0%}" if "confidence" in extra else ""
        values["description"] = f"摄像头“{camera}”检测到{event}{score}。"


CHANNEL = Channel(
    name=ChannelCode.VIDEO.value,
    label=CHANNEL_LABELS[ChannelCode.VIDEO].zh,
    content_types=(JSON,),
    files=False,
    prepare=prepare,
)
