"""The classifier at work: training from the deployment's own decided cases, the active
model per process, suggestions on arrival and the automatic category above the model's
confidence threshold; retraining on a schedule.

Training data are the cases whose category a person decided — closed or archived cases
with a category, and any case a dispatcher categorised (``categorize`` history lines) —
labelled at the catalogue depth ``level`` (code length: 2, 4 or 6). Without a model (a
new district) the catalogue's keyword rules suggest, and nothing is set automatically.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianqin import conf
from lianqin.cases.models import Case
from lianqin.cases.workflow import State
from lianqin.errors import InvalidInput
from lianqin.jobs.models import Heartbeat
from lianqin.triage import service as keywords
from lianqin.triage.classifier import MIN_PER_LABEL, Classifier, label_counts
from lianqin.triage.classifier_metrics import Comparison, compare
from lianqin.triage.models import ClassifierModel

CHECK_SECONDS = 60.0
MIN_PER_CLASS = MIN_PER_LABEL
_active: tuple[float, ClassifierModel | None, Classifier | None] = (0.0, None, None)


def training_data(level: int = 4) -> tuple[list[str], list[str], list[datetime]]:
    """Texts, labels (the code cut to ``level`` digits) and arrival times of the decided
    cases."""
    decided = Q(status__in=[State.CLOSED, State.ARCHIVED]) | Q(events__action="categorize")
    rows = (
        Case.objects.filter(decided, category__isnull=False)
        .values_list("title", "description", "category__code", "created_at")
        .distinct()
    )
    texts, labels, arrived = [], [], []
    for title, description, code, created_at in rows.iterator(chunk_size=5000):
        if len(code) >= level:
            texts.append(f"{title} {description}")
            labels.append(code[:level])
            arrived.append(created_at)
    return texts, labels, arrived


def train_from_db(
    *, level: int = 4, now: datetime | None = None, note: str = "", force: bool = False
) -> ClassifierModel:
    """Train on the district's decided cases and keep the file; the new model becomes
    the active one unless it does worse than the active model on the cases that arrived
    after the active one was trained (:func:`classifier_metrics.compare`; ``force``
    activates it anyway). The returned row says which (``active``, ``scores["comparison"]``)."""
    now = now or timezone.now()
    texts, labels, arrived = training_data(level)
    counts = label_counts(texts, labels)  # different texts per label: repeats count once
    keep = {k for k, n in counts.items() if n >= MIN_PER_CLASS}
    rows = [r for r in zip(texts, labels, arrived, strict=True) if r[1] in keep]
    if len(keep) < 2:
        raise InvalidInput(
            f"可用于训练的已结案件不足：{len(keep)} 个类别各有 ≥{MIN_PER_CLASS} 件",
            hint="案件结案或值班员设定类别后再训练；在此之前按派单目录关键词提示类别",
        )
    model = Classifier.train([r[0] for r in rows], [r[1] for r in rows], trained_at=now)
    comparison = _compare_with_active(model, rows, level)
    folder = conf.data_dir() / "models"
    folder.mkdir(exist_ok=True)
    path = folder / f"classifier-{now:%Y%m%d-%H%M%S-%f}.joblib"
    model.save(path)
    meta = dict(model.metadata)
    activate = force or comparison.replace
    scores = {k: v for k, v in meta.items() if k in ("scores", "per_class", "train_seconds")}
    with transaction.atomic():
        if activate:
            ClassifierModel.objects.filter(active=True).update(active=False)
        row = ClassifierModel.objects.create(
            path=str(path), sha256=str(meta.get("sha256", "")), trained_at=now,
            n_train=len(rows), labels=list(model.labels), level=level,
            threshold=float(meta.get("threshold", 1.0)),
            scores=scores | {"comparison": comparison.as_dict() | {"forced": force}},
            active=activate, note=note[:200],
        )  # fmt: skip
    forget()
    return row


def _compare_with_active(
    model: Classifier, rows: list[tuple[str, str, datetime]], level: int
) -> Comparison:
    """The new model against the active one on the cases the active one never saw."""
    old_row, old = active_model_now()
    if old_row is None or old is None or old_row.level != level:
        reason = "没有在用模型" if old_row is None else "类别层级不同"
        return Comparison(0, None, None, True, f"{reason}，启用新模型")
    fresh = model.out_of_fold or []  # always set by Classifier.train
    later = [i for i, r in enumerate(rows) if r[2] > old_row.trained_at]
    gold = [rows[i][1] for i in later]
    before = [top[0].label for top in old.predict([rows[i][0] for i in later], k=1)]
    return compare(gold, before, [fresh[i] for i in later])


def active_model() -> tuple[ClassifierModel | None, Classifier | None]:
    """The active model of this district: its row re-read at most once a minute, its
    file loaded only when another model became active."""
    global _active
    checked, row, model = _active
    if time.monotonic() - checked < CHECK_SECONDS:
        return row, model
    fresh = ClassifierModel.objects.filter(active=True).order_by("-trained_at").first()
    if fresh is None:
        model = None
    elif row is None or fresh.pk != row.pk or model is None:
        model = Classifier.load(Path(fresh.path))
    _active = (time.monotonic(), fresh, model)
    return fresh, model


def activate(row: ClassifierModel) -> None:
    """Make ``row`` the active model (an administrator going back to an earlier one).
    Its file is loaded first: a model whose file is gone or damaged is refused here,
    not at the next report."""
    Classifier.load(Path(row.path))
    with transaction.atomic():
        ClassifierModel.objects.filter(active=True).exclude(pk=row.pk).update(active=False)
        ClassifierModel.objects.filter(pk=row.pk).update(active=True)
    forget()


def active_model_now() -> tuple[ClassifierModel | None, Classifier | None]:
    """The active model read afresh (not the per-process copy)."""
    forget()
    return active_model()


def forget() -> None:
    global _active
    _active = (0.0, None, None)


def suggest(text: str) -> tuple[list[dict[str, object]], str]:
    """Top-3 suggestions and the code to set automatically ("" when none is sure enough)."""
    return suggest_many([text])[0]


def suggest_many(texts: list[str]) -> list[tuple[list[dict[str, object]], str]]:
    row, model = active_model()
    if row is None or model is None:
        return [(keywords.suggest_category(t), "") for t in texts]
    threshold = auto_threshold(row)
    out = []
    for top in model.predict(texts, k=3):
        found = [{"code": p.label, "score": round(p.confidence, 3), "source": "classifier"}
                 for p in top]  # fmt: skip
        auto = top[0].label if top and top[0].confidence >= threshold else ""
        out.append((found, auto))
    return out


def auto_threshold(row: ClassifierModel) -> float:
    """The model's own threshold (for its precision target), unless the deployment set
    ``LIANQIN_AUTO_CATEGORY_CONFIDENCE``."""
    configured = getattr(settings, "LIANQIN_AUTO_CATEGORY_CONFIDENCE", None)
    return float(configured) if configured is not None else row.threshold


def maybe_retrain(now: datetime, *, every_days: float) -> ClassifierModel | None:
    """Retrain when the active model is older than ``every_days`` (or there is none and
    there is enough data). One worker wins the turn (a conditional update of a heartbeat
    row), so several workers never train at once."""
    if every_days <= 0:
        return None
    latest = (
        ClassifierModel.objects.order_by("-trained_at").values_list("trained_at", flat=True).first()
    )
    if latest is not None and now - latest < timedelta(days=every_days):
        return None
    Heartbeat.objects.get_or_create(name="classifier-retrain",
                                    defaults={"beat_at": now - timedelta(days=365),
                                              "started_at": now, "info": {}})  # fmt: skip
    won = Heartbeat.objects.filter(name="classifier-retrain",
                                   beat_at__lt=now - timedelta(hours=1)).update(beat_at=now)  # fmt: skip
    if not won:
        return None
    try:
        return train_from_db(now=now, note="定期重新训练")
    except InvalidInput:
        return None
