"""Figures for a classifier's predictions: macro-F1, per-class F1, accuracy, the share
that can be set automatically at a target precision, and the comparison that decides
whether a retrained model replaces the active one. Pure: numpy and scikit-learn's
metrics; the same code grades the cross-validation in :mod:`triage.classifier`, the
file commands, the benchmark and the database side's held-out checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from lianqin.errors import InvalidInput

DEFAULT_TARGET = 0.97
#: A threshold no probability reaches: nothing is set automatically.
NEVER = math.nextafter(1.0, 2.0)


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # calibrated probability


@dataclass(frozen=True)
class Evaluation:
    """Figures for top-1 predictions against the gold labels.

    ``coverage`` is the largest share of the items, taken from the most confident down,
    whose predictions reach ``target`` precision (``coverage_precision``), and
    ``coverage_threshold`` the confidence where that share ends (:data:`NEVER` when no
    share reaches it). ``auto_share``/``auto_precision`` are what a *given* threshold —
    the model's, chosen on other data — actually achieved (None without one)."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, float]
    target: float
    coverage: float
    coverage_threshold: float
    coverage_precision: float
    threshold: float | None = None
    auto_share: float | None = None
    auto_precision: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def evaluate(gold: Sequence[str], predicted: Sequence[Prediction], *,
             threshold: float | None = None, target: float = DEFAULT_TARGET) -> Evaluation:  # fmt: skip
    """Macro-F1 (over the labels that occur in ``gold`` or ``predicted``), per-class F1,
    accuracy and the coverage at ``target`` precision."""
    if len(gold) != len(predicted) or not gold:
        raise InvalidInput(f"标注 {len(gold)} 条，预测 {len(predicted)} 条：须一样多且不为空")
    guess = [p.label for p in predicted]
    labels = sorted(set(gold) | set(guess))
    per_class = f1_score(gold, guess, labels=labels, average=None, zero_division=0.0)
    conf = np.array([p.confidence for p in predicted], dtype=float)
    correct = np.array([g == p for g, p in zip(gold, guess, strict=True)])
    share, cut, precision = coverage_at_precision(conf, correct, target)
    auto_share = auto_precision = None
    if threshold is not None:
        auto = conf >= threshold
        auto_share = float(auto.mean())
        auto_precision = float(correct[auto].mean()) if auto.any() else 1.0
    return Evaluation(
        n=len(gold), accuracy=float(correct.mean()), macro_f1=float(per_class.mean()),
        per_class={lab: round(float(f), 4) for lab, f in zip(labels, per_class, strict=True)},
        target=target, coverage=share, coverage_threshold=cut, coverage_precision=precision,
        threshold=threshold, auto_share=auto_share, auto_precision=auto_precision,
    )  # fmt: skip


def coverage_at_precision(confidences: Sequence[float] | np.ndarray,
                          correct: Sequence[bool] | np.ndarray,
                          target: float = DEFAULT_TARGET) -> tuple[float, float, float]:  # fmt: skip
    """``(share, threshold, precision)``: sorted by confidence, the largest share of
    the items whose predictions are right at least ``target`` of the time, the lowest
    confidence in it, and the precision reached. Items of equal confidence are all in
    or all out, so "automatic when confidence >= threshold" selects exactly that share.
    With no such share: ``(0.0, NEVER, 1.0)``."""
    conf = np.asarray(confidences, dtype=float)
    right = np.asarray(correct, dtype=bool)
    if conf.size == 0:
        return 0.0, NEVER, 1.0
    order = np.argsort(-conf, kind="stable")
    conf, right = conf[order], right[order]
    precision = np.cumsum(right) / np.arange(1, conf.size + 1)
    boundary = np.append(conf[:-1] > conf[1:], True)  # the last item of a run of ties
    ok = np.flatnonzero(boundary & (precision >= target))
    if ok.size == 0:
        return 0.0, NEVER, 1.0
    last = int(ok[-1])
    return (last + 1) / conf.size, float(conf[last]), float(precision[last])


#: A retrained model replaces the active one unless its macro-F1 is lower by more than
#: this on the comparison items (two models within noise: the newer one knows newer words).
TOLERANCE = 0.01
#: Fewer comparison items than this say nothing: the new model replaces the old one.
MIN_COMPARE = 30


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` decided and on what figures (kept with the model's row)."""

    n: int
    old_macro_f1: float | None
    new_macro_f1: float | None
    replace: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def compare(gold: Sequence[str], old: Sequence[str], new: Sequence[str], *,
            tolerance: float = TOLERANCE, min_items: int = MIN_COMPARE) -> Comparison:  # fmt: skip
    """Should a retrained model replace the active one? ``gold`` are the decided
    categories of items that *neither* model learned from when predicting them — the
    cases that arrived after the active model was trained (``old``: its top-1 labels)
    predicted by the new model out of fold (``new``). Replace unless the new macro-F1 is
    lower than the old by more than ``tolerance``; with fewer than ``min_items`` items
    there is nothing to judge by, and the new model (trained on more) replaces the old."""
    if not len(gold) == len(old) == len(new):
        raise InvalidInput(
            f"标注 {len(gold)} 条、旧模型 {len(old)} 条、新模型 {len(new)} 条：须一样多"
        )
    if len(gold) < min_items:
        return Comparison(len(gold), None, None, True,
                          f"旧模型之后新定类别的案件只有 {len(gold)} 件（少于 {min_items}），无从比较，启用新模型")  # fmt: skip
    labels = sorted(set(gold) | set(old) | set(new))
    before = float(f1_score(gold, old, labels=labels, average="macro", zero_division=0.0))
    after = float(f1_score(gold, new, labels=labels, average="macro", zero_division=0.0))
    replace = after >= before - tolerance
    verdict = "启用新模型" if replace else "保留旧模型"
    return Comparison(len(gold), round(before, 4), round(after, 4), replace,
                      f"旧模型之后的 {len(gold)} 件：旧模型 macro-F1 {before:.3f}，新模型（交叉验证）{after:.3f}，{verdict}")  # fmt: skip
