"""费随事转 — the cost ledger: what each unit took on and what funding should follow it.
Pure (no Django).

Task types, each with a configurable unit cost (元, :class:`Rates`):

* **主办** (led): a case the unit led after dispatch (its lead unit at the end);
* **接手** (taken over): of those, the cases another unit returned before this one took
  them — work that moved between departments, paid on top of 主办;
* **协办** (assisted): a work order as an assisting unit;
* **办理工时** (handling hours): the hours from acceptance to resolution of the cases it led;
* **现场处置** (on site): a case a community workstation's grid workers handled on site —
  the 90 % that never reaches a department, funded where it is done.

What must hold (``tests/unit/test_cost.py``): a line's amount is the sum of count × rate
over its task types, rounded to the fen (0.01 元); the total is the sum of the lines;
nothing is negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TASKS = {"led": "主办", "taken_over": "接手", "assisted": "协办", "hours": "办理工时",
         "on_site": "现场处置"}  # fmt: skip


@dataclass(frozen=True)
class Rates:
    led: float = 200.0
    taken_over: float = 100.0
    assisted: float = 80.0
    hours: float = 50.0
    on_site: float = 60.0

    @classmethod
    def of(cls, values: Mapping[str, float]) -> Rates:
        unknown = set(values) - set(TASKS)
        if unknown:
            raise ValueError(
                f"未知任务类型：{', '.join(sorted(unknown))}；可用：{', '.join(TASKS)}"
            )
        if any(v < 0 for v in values.values()):
            raise ValueError("单价不能为负")
        return cls(**{k: float(v) for k, v in values.items()})


@dataclass
class Line:
    key: str
    name: str
    kind: str  # unit | workstation
    counts: dict[str, float] = field(default_factory=dict)
    amounts: dict[str, float] = field(default_factory=dict)
    total: float = 0.0


def price(lines: Iterable[Line], rates: Rates) -> list[Line]:
    """Fill each line's amounts and total; largest total first."""
    out = []
    for line in lines:
        line.amounts = {t: round(line.counts.get(t, 0) * getattr(rates, t), 2)
                        for t in TASKS if line.counts.get(t)}  # fmt: skip
        line.total = round(sum(line.amounts.values()), 2)
        out.append(line)
    return sorted(out, key=lambda x: (-x.total, x.kind, x.name))
