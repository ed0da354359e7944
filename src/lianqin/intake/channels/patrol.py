"""网格巡查: what grid workers report from the phone page while walking their grid.

Pure: no Django. What arrives: one JSON object per report from this platform's own
mobile page: a client idempotency key (a UUID the phone makes before the first send, so
a retry over a bad connection is recognised), the worker's code, the grid code, the
phone's GPS fix (GCJ-02 on Chinese phones: the browser and map SDKs return it), its
accuracy in metres, photo ids, the text, a category the worker picked, and the time
(ISO 8601 with offset); see ``mappings/patrol.toml``.

What must hold: the idempotency key is the external id and must be a UUID (it is
normalised to the lowercase hyphenated form, so ``{ABC…}`` and ``abc…`` are one key);
the position is GCJ-02 unless the payload says otherwise; the accuracy
(``extra["accuracy_m"]``) stays with the report so the geo layer can distrust a
300-metre fix.
"""

from __future__ import annotations

import uuid
from typing import Any

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.convert import shown
from lianqin.intake.channels.decode import JSON
from lianqin.intake.contract import ParseError
from lianqin.intake.mapping import Mapping


def prepare(
    values: dict[str, Any], sources: dict[str, str], extra: dict[str, Any], mapping: Mapping
) -> None:
    """Normalise the idempotency key to a canonical UUID (when the mapping requires one)."""
    key = values.get("external_id")
    if not key or not mapping.settings.get("require_uuid", True):
        return
    try:
        values["external_id"] = str(uuid.UUID(key))
    except ValueError as exc:
        name = sources.get("external_id", "external_id")
        raise ParseError(
            f"{name}“{shown(key)}”不是 UUID",
            field=name,
            hint="巡查页面应在第一次提交前生成一个 UUID 作为幂等键，重试时沿用同一个",
        ) from exc


CHANNEL = Channel(
    name=ChannelCode.PATROL.value,
    label=CHANNEL_LABELS[ChannelCode.PATROL].zh,
    content_types=(JSON,),
    files=False,
    prepare=prepare,
)
