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
from lianqin.triage.models import ClassifierModel

CHECK_SECONDS = 60.0
MIN_PER_CLASS = MIN_PER_LABEL
_active: tuple[float, ClassifierModel | None, Classifier | None] = (0.0, None, None)


def training_data(level: int = 4) -> tuple[list[str], list[str]]:
    decided = Q(status__in=[State.CLOSED, State.ARCHIVED]) | Q(events__action="categorize")
    rows = (
        Case.objects.filter(decided, category__isnull=False)
        .values_list("title", "description", "category__code")
        .distinct()
    )
    texts, labels = [], []
    for title, description, code in rows.iterator(chunk_size=5000):
        if len(code) >= level:
            texts.append(f"{title} {description}")
            labels.append(code[:level])
    return texts, labels


def train_from_db(
    *, level: int = 4, now: datetime | None = None, note: str = ""
) -> ClassifierModel:
    """Train on the district's decided cases, keep the file, make it the active model."""
    now = now or timezone.now()
    texts, labels = training_data(level)
    counts = label_counts(texts, labels)  # different texts per label: repeats count once
    keep = {k for k, n in counts.items() if n >= MIN_PER_CLASS}
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab in keep]
    if len(keep) < 2:
        raise InvalidInput(
            f"可用于训练的已结案件不足：{len(keep)} 个类别各有 ≥{MIN_PER_CLASS} 件",
            hint="案件结案或值班员设定类别后再训练；在此之前按派单目录关键词提示类别",
        )
    model = Classifier.train([t for t, _ in pairs], [lab for _, lab in pairs], trained_at=now)
    folder = conf.data_dir() / "models"
    folder.mkdir(exist_ok=True)
    path = folder / f"classifier-{now:%Y%m%d-%H%M%S}.joblib"
    model.save(path)
    meta = dict(model.metadata)
    with transaction.atomic():
        ClassifierModel.objects.filter(active=True).update(active=False)
        row = ClassifierModel.objects.create(
            path=str(path), sha256=str(meta.get("sha256", "")), trained_at=now,
            n_train=len(pairs), labels=list(model.labels), level=level,
            threshold=float(meta.get("threshold", 1.0)),
            scores={k: v for k, v in meta.items() if k in ("scores", "per_class", "train_seconds")},
            active=True, note=note,
        )  # fmt: skip
    forget()
    return row


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
