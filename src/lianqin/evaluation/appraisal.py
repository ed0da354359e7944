"""Appraisal (考核): weighted scores, A–E grades and rankings. Pure (no Django).

A score is defended from its definitions: each indicator of the scheme scores 0–100 —
a rate scores ``100 × rate`` when higher is better and ``100 × (1 − rate)`` when lower is
better; a workload scores ``100 × count ÷ the largest count among peers`` — and the total
is the weighted mean over the indicators that have a figure (an indicator without data,
e.g. no callback yet, drops out and the remaining weights are rescaled, so nobody gains or
loses for what did not happen). A target with fewer than ``min_cases`` registered cases in
the period is not graded (样本不足). Grades: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else E
(configurable). Ties rank by the larger workload, then by name.

What must hold (``tests/unit/test_appraisal.py``): weights need not sum to 100; a scheme
with an unknown indicator or a negative weight is refused with its name; a row with no
figure for any weighted indicator gets no score and no grade and ranks last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lianqin.evaluation.indicators import BY_CODE

GRADES = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0))
#: workload indicators (counts scored against the largest among peers)
WORKLOADS = {"registered", "on_site", "dispatched", "resolved", "closed", "reports"}
#: ``n:accept`` — how many history lines of that action a person recorded (a workload)
ACTION_PREFIX = "n:"


def is_workload(code: str) -> bool:
    return code in WORKLOADS or code.startswith(ACTION_PREFIX)


@dataclass(frozen=True)
class Scheme:
    """What a kind of target is scored on: ``{indicator code: weight}``."""

    target: str
    title: str
    weights: Mapping[str, float]
    grades: Sequence[tuple[str, float]] = GRADES
    #: fewer registered cases than this in the period: not graded (样本不足), since one
    #: late case would decide a grade
    min_cases: int = 5

    def check(self) -> None:
        for code, w in self.weights.items():
            if code not in BY_CODE and not code.startswith(ACTION_PREFIX):
                raise ValueError(f"考核方案「{self.title}」含未知指标 {code!r}")
            if w < 0:
                raise ValueError(f"考核方案「{self.title}」中 {code} 的权重为负")
        if not any(self.weights.values()):
            raise ValueError(f"考核方案「{self.title}」没有任何权重")


DEFAULT_SCHEMES: dict[str, Scheme] = {
    s.target: s
    for s in (
        Scheme("region", "街道/社区/网格考核", {
            "on_site_rate": 25, "closure_rate": 20, "close_on_time_rate": 20,
            "satisfaction": 20, "rework_rate": 5, "inspection_pass_rate": 10}),
        Scheme("unit", "参勤单位考核", {
            "dispatch_accuracy": 10, "resolve_on_time_rate": 30, "closure_rate": 15,
            "satisfaction": 25, "solve_rate": 10, "rework_rate": 5, "extension_rate": 5}),
        Scheme("worker", "网格员（监督员）考核", {
            "on_site": 20, "resolve_on_time_rate": 25, "satisfaction": 25, "rework_rate": 15,
            "inspection_pass_rate": 15}),
        Scheme("dispatcher", "受理员考核", {
            "n:accept": 50, "n:reject": 10, "n:merge": 20, "n:transfer": 10, "n:categorize": 10}),
        Scheme("sender", "派遣员考核", {"n:dispatch": 70, "n:reassign": 15, "n:urge": 15}),
        Scheme("duty_leader", "值班长考核", {
            "n:extend": 25, "n:suspend": 15, "n:supervise": 30, "n:urge": 15, "n:escalate": 15}),
    )
}  # fmt: skip


@dataclass
class Scored:
    key: str
    name: str
    figures: Mapping[str, float | None]
    parts: dict[str, float] = field(default_factory=dict)
    score: float | None = None
    grade: str = ""
    rank: int = 0


def part(code: str, value: float | None, peak: float) -> float | None:
    """One indicator's 0–100 score."""
    if value is None:
        return None
    if is_workload(code):
        return round(100 * value / peak, 2) if peak else None
    rate = max(0.0, min(1.0, float(value)))
    return round(100 * (rate if BY_CODE[code].higher_is_better else 1 - rate), 2)


def grade(score: float | None, grades: Sequence[tuple[str, float]] = GRADES) -> str:
    if score is None:
        return ""
    for letter, floor in grades:
        if score >= floor:
            return letter
    return "E"


def appraise(
    scheme: Scheme, rows: Sequence[tuple[str, str, Mapping[str, float | None]]]
) -> list[Scored]:
    """Score, grade and rank ``(key, name, figures)`` rows under ``scheme``."""
    scheme.check()
    peaks = {c: max((float(f.get(c) or 0) for _, _, f in rows), default=0.0)
             for c in scheme.weights if is_workload(c)}  # fmt: skip
    out = []
    for key, name, figures in rows:
        s = Scored(key, name, figures)
        few = figures.get("registered")
        if few is not None and few < scheme.min_cases:
            out.append(s)
            continue
        for code, weight in scheme.weights.items():
            p = part(code, figures.get(code), peaks.get(code, 0.0))
            if p is not None and weight:
                s.parts[code] = p
        total = sum(scheme.weights[c] for c in s.parts)
        if total:
            s.score = round(sum(scheme.weights[c] * p for c, p in s.parts.items()) / total, 1)
        s.grade = grade(s.score, scheme.grades)
        out.append(s)
    out.sort(key=lambda s: (s.score is None, -(s.score or 0.0),
                            -float(s.figures.get("registered") or 0), s.name))  # fmt: skip
    for i, s in enumerate(out):
        s.rank = i + 1 if s.score is not None else 0
    return out
