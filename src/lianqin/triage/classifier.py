"""The case classifier: suggests a report's category from its text, with calibrated
confidences, and says above which confidence the category may be set automatically.
Pure: scikit-learn and numpy, no Django, no clock (the caller passes ``trained_at``).

How it works (``docs/classification.md`` has the figures and what else was tried):

* **Text.** :func:`normalise` keeps CJK characters, letters and digits (NFKC, lower
  case) and drops everything else, spaces included. So pre-segmented text (jieba tokens
  separated by spaces) and raw text look alike, and no segmenter is needed.
* **Features.** Character 1- and 2-grams, TF-IDF with sublinear term frequency, grams seen
  in fewer than two texts dropped, at most :data:`MAX_FEATURES` kept (memory stays
  bounded however many cases a district has). Longer grams measured no better.
* **Model.** A ridge classifier (one linear scorer per category), then a multinomial
  logistic regression over the scores as calibrator: it turns the scores into
  probabilities that sum to 1 and is fitted on *out-of-fold* scores, so the confidences
  describe texts the model has not seen.
* **Out-of-fold.** :data:`FOLDS`-fold cross-validation, stratified by category and
  grouped so that texts identical after normalisation stay in one fold (a repeated
  message must not grade itself). The calibrator for each fold is fitted on the other
  folds' scores, so the cross-validated figures in ``metadata["scores"]`` and the
  threshold are honest for texts like the training texts.
* **Threshold.** The lowest confidence at which the cross-validated top-1 predictions,
  taken from the most confident down, still reach ``target_precision``
  (:func:`coverage_at_precision`). Above it the platform may set the category itself.

What must hold: :meth:`Classifier.predict` returns, per text, ``min(k, len(labels))``
predictions, best first, each confidence in [0, 1], together summing to at most 1;
training is deterministic for a given ``seed``; a model file is versioned and checked
(see :meth:`Classifier.save`) and is refused, with an :class:`InvalidInput`, when it is
not ours, is damaged, or comes from another format or scikit-learn version.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import StratifiedGroupKFold

from lianqin.errors import InvalidInput
from lianqin.triage.classifier_metrics import (
    DEFAULT_TARGET,
    NEVER,
    Evaluation,
    Prediction,
    coverage_at_precision,
    evaluate,
)

__all__ = [
    "DEFAULT_TARGET",
    "MIN_PER_LABEL",
    "NEVER",
    "Classifier",
    "Evaluation",
    "Prediction",
    "coverage_at_precision",
    "evaluate",
    "label_counts",
    "near_copies",
    "normalise",
]

#: Bump when the file layout, the pickled state or :func:`normalise` changes: a model
#: trained under another format is refused rather than silently read another way.
FORMAT = 1
MAGIC = b"LIANQIN-CLASSIFIER\n"
FOLDS = 5
#: Each category needs this many examples: one per cross-validation fold.
MIN_PER_LABEL = FOLDS
MAX_FEATURES = 300_000
RIDGE_ALPHA = 0.3
MODEL_NAME = "char 1-2 gram TF-IDF + ridge, logistic calibration on 5-fold out-of-fold scores"

_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def normalise(text: str) -> str:
    """The one normalisation, for training and prediction alike: NFKC (full-width to
    half-width), lower case, and only CJK characters, letters and digits kept. Idempotent."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


class Classifier:
    """A trained model; make one with :meth:`train` or :meth:`load`."""

    def __init__(self, vectorizer: Any, model: Any, calibrator: Any, labels: list[str],
                 metadata: dict[str, Any]) -> None:  # fmt: skip
        self._vectorizer = vectorizer
        self._model = model
        self._calibrator = calibrator
        self.labels = labels
        self.metadata = metadata
        #: After :meth:`train`: per training text, in input order, the top-1 label of a
        #: model that never saw it (out of fold) — what a held-out comparison needs.
        #: Not saved: None for a loaded model.
        self.out_of_fold: list[str] | None = None

    @property
    def threshold(self) -> float:
        """Confidence at or above which the top category may be set automatically."""
        return float(self.metadata["threshold"])

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], *, seed: int = 0,
              target_precision: float = DEFAULT_TARGET,
              trained_at: datetime | None = None) -> Classifier:  # fmt: skip
        """Train on (text, label) pairs. Refused (InvalidInput) with fewer than two
        labels, fewer than :data:`MIN_PER_LABEL` different texts of a label, or no usable
        text."""
        started = time.perf_counter()
        _check_training(texts, labels, target_precision, trained_at)
        normalised = [normalise(t) for t in texts]
        y = _check_counts(normalised, labels)
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False,
                                     sublinear_tf=True, min_df=2, max_features=MAX_FEATURES,
                                     dtype=np.float32)  # fmt: skip
        try:
            x = vectorizer.fit_transform(normalised)
        except ValueError as exc:  # empty vocabulary
            raise InvalidInput("训练文本中没有可用的文字", hint="检查文本列是否选对") from exc
        classes = sorted(set(labels))
        scores, oof = _out_of_fold(x, y, normalised, classes, seed)
        model = RidgeClassifier(alpha=RIDGE_ALPHA).fit(x, y)
        calibrator = _calibrator(scores, y, seed)
        top = [Prediction(classes[i], float(p[i])) for p, i in zip(oof, oof.argmax(1), strict=True)]
        figures = evaluate(list(y), top, target=target_precision)
        metadata: dict[str, Any] = {
            "format": FORMAT, "model": MODEL_NAME, "sklearn": sklearn.__version__,
            "seed": seed, "trained_at": trained_at.isoformat() if trained_at else None,
            "n_train": len(y), "counts": dict(sorted(Counter(labels).items())),
            "n_features": len(vectorizer.vocabulary_), "target_precision": target_precision,
            "threshold": figures.coverage_threshold,
            "scores": {"method": f"{FOLDS}-fold cross-validation (grouped, out-of-fold)",
                       "macro_f1": figures.macro_f1, "accuracy": figures.accuracy,
                       "coverage": figures.coverage, "coverage_precision": figures.coverage_precision},
            "per_class": figures.per_class,
            "train_seconds": round(time.perf_counter() - started, 3),
        }  # fmt: skip
        trained = cls(vectorizer, model, calibrator, classes, metadata)
        trained.out_of_fold = [classes[i] for i in oof.argmax(1)]
        return trained

    def predict(self, texts: Sequence[str], k: int = 3) -> list[list[Prediction]]:
        """Per text, the ``k`` most probable labels, best first (ties: label order)."""
        if k < 1:
            raise InvalidInput(f"k 必须至少为 1（收到 {k}）", field="k")
        proba = self.probabilities(texts)
        out = []
        for row in proba:
            best = np.argsort(-row, kind="stable")[:k]
            out.append([Prediction(self.labels[i], float(row[i])) for i in best])
        return out

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in :attr:`labels` order."""
        if isinstance(texts, str):
            raise InvalidInput("predict 需要文本列表，不是单个字符串", hint="用 [text]")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        x = self._vectorizer.transform([normalise(t) for t in texts])
        proba = self._calibrator.predict_proba(_scores(self._model, x, self.labels))
        return np.clip(_aligned(proba, self._calibrator.classes_, self.labels, 0.0), 0.0, 1.0)

    def is_automatic(self, prediction: Prediction) -> bool:
        return prediction.confidence >= self.threshold

    def save(self, path: Path) -> None:
        """Write the model: :data:`MAGIC`, one JSON header line (format, scikit-learn
        version, length and SHA-256 of the payload, labels, metadata), then the pickled
        payload. Written to a temporary file and renamed, so a reader never sees half a
        file. The checksum detects damage, not tampering: whoever can write the models
        folder can run code in the platform (a pickle is code), so keep it writable only
        by the service account and load only files this platform wrote."""
        payload = pickle.dumps(
            {"vectorizer": self._vectorizer, "model": self._model,
             "calibrator": self._calibrator, "labels": self.labels},
            protocol=pickle.HIGHEST_PROTOCOL,
        )  # fmt: skip
        digest = hashlib.sha256(payload).hexdigest()
        self.metadata["sha256"] = digest
        header = {"format": FORMAT, "sklearn": sklearn.__version__, "bytes": len(payload),
                  "sha256": digest, "labels": self.labels, "metadata": self.metadata}  # fmt: skip
        line = json.dumps(header, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(MAGIC + line + payload)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a file written by :meth:`save`; the header is checked and the checksum
        verified *before* anything is unpickled."""
        header, payload = _read_model_file(Path(path))
        state = pickle.loads(payload)  # noqa: S301 — our own file, format and SHA-256 checked first; a model file is trusted like code (see save)
        if not isinstance(state, dict) or state.get("labels") != header["labels"]:
            raise InvalidInput(f"模型文件 {path} 内容与文件头不符", hint="重新训练：lianqin train")
        metadata = dict(header["metadata"], sha256=header["sha256"])
        return cls(state["vectorizer"], state["model"], state["calibrator"],
                   list(state["labels"]), metadata)  # fmt: skip


def _check_training(texts: Sequence[str], labels: Sequence[str], target: float,
                    trained_at: datetime | None) -> None:  # fmt: skip
    if len(texts) != len(labels):
        raise InvalidInput(f"文本 {len(texts)} 条，类别 {len(labels)} 条，数目不一致")
    if not all(isinstance(t, str) for t in texts) or not all(
        isinstance(lab, str) and lab for lab in labels
    ):
        raise InvalidInput("文本必须是字符串，类别必须是非空字符串")
    if not 0.0 < target <= 1.0:
        raise InvalidInput(f"目标准确率应在 (0, 1] 之间（收到 {target}）", field="target_precision")
    if trained_at is not None and trained_at.utcoffset() is None:
        raise InvalidInput("trained_at 必须带时区", field="trained_at")


def label_counts(texts: Sequence[str], labels: Sequence[str]) -> dict[str, int]:
    """Per label, how many different texts (after :func:`normalise`) it has: what
    :data:`MIN_PER_LABEL` is checked against. Callers use it to drop the labels that are
    too rare before training, rather than have the training refused."""
    pairs = {(normalise(t), lab) for t, lab in zip(texts, labels, strict=True)}
    return dict(sorted(Counter(lab for _, lab in pairs).items()))


def _check_counts(normalised: list[str], labels: Sequence[str]) -> np.ndarray:
    """Two labels at least, each with :data:`MIN_PER_LABEL` *different* texts (identical
    ones share a fold, so repeats cannot stand in for examples)."""
    counts = label_counts(normalised, labels)
    if len(counts) < 2:
        raise InvalidInput(f"至少需要 2 个类别才能训练（现有 {len(counts)} 个）",
                           hint="积累更多已定类别的案件后再训练")  # fmt: skip
    few = {lab: n for lab, n in counts.items() if n < MIN_PER_LABEL}
    if few:
        listed = "、".join(f"{lab}（{n}）" for lab, n in few.items())
        raise InvalidInput(
            f"每个类别至少需要 {MIN_PER_LABEL} 条不同的样本（重复的只算一条），以下类别不足：{listed}",
            hint="补充这些类别的样本，或先把它们从训练数据中去掉",
        )
    return np.asarray(labels, dtype=object)


def _out_of_fold(x: Any, y: np.ndarray, normalised: list[str], classes: list[str],
                 seed: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Out-of-fold ridge scores and calibrated probabilities: each text scored by a model,
    and its scores calibrated by a calibrator, that never saw it (nor an identical text)."""
    first: dict[str, int] = {}  # not np.unique: a fixed-width array of long texts is huge
    groups = [first.setdefault(text, len(first)) for text in normalised]
    splitter = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    folds = list(splitter.split(x, y, groups))
    scores = np.zeros((len(y), len(classes)))
    for train, test in folds:
        fold_model = RidgeClassifier(alpha=RIDGE_ALPHA).fit(x[train], y[train])
        scores[test] = _scores(fold_model, x[test], classes)
    oof = np.zeros_like(scores)
    for train, test in folds:
        calibrator = _calibrator(scores[train], y[train], seed)
        oof[test] = _aligned(calibrator.predict_proba(scores[test]), calibrator.classes_,
                             classes, 0.0)  # fmt: skip
    return scores, oof


def _scores(model: Any, x: Any, classes: Sequence[str]) -> np.ndarray:
    """Decision scores in ``classes`` order (a fold may lack a class: it scores -1, the
    ridge target for "not this class")."""
    raw = model.decision_function(x)
    if raw.ndim == 1:  # two classes: one score, positive for classes_[1]
        raw = np.column_stack([-raw, raw])
    return _aligned(raw, model.classes_, classes, -1.0)


def _aligned(
    matrix: np.ndarray, have: Sequence[str], want: Sequence[str], fill: float
) -> np.ndarray:
    if list(have) == list(want):
        return np.asarray(matrix, dtype=float)
    out = np.full((matrix.shape[0], len(want)), fill, dtype=float)
    index = {label: i for i, label in enumerate(want)}
    for j, label in enumerate(have):
        out[:, index[label]] = matrix[:, j]
    return out


def _calibrator(scores: np.ndarray, y: np.ndarray, seed: int) -> Any:
    return LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(scores, y)


def _read_model_file(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"读不了模型文件 {path}：{exc.strerror}", field="model") from exc
    foreign = InvalidInput(f"{path} 不是联勤分类模型文件", field="model",
                           hint="用 lianqin train 生成的模型文件")  # fmt: skip
    if not data.startswith(MAGIC):
        raise foreign
    line, _, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(line)
        fmt, trained_with, size, digest = (header["format"], header["sklearn"],
                                           header["bytes"], header["sha256"])  # fmt: skip
    except (ValueError, TypeError, KeyError) as exc:
        raise foreign from exc
    if not isinstance(header.get("labels"), list) or not isinstance(header.get("metadata"), dict):
        raise foreign
    retrain = "用当前版本重新训练：lianqin train"
    if fmt != FORMAT:
        raise InvalidInput(
            f"模型文件格式版本 {fmt}，本程序需要 {FORMAT}", field="model", hint=retrain
        )
    if _minor(trained_with) != _minor(sklearn.__version__):
        raise InvalidInput(f"模型由 scikit-learn {trained_with} 训练，当前为 {sklearn.__version__}",
                           field="model", hint=retrain)  # fmt: skip
    if len(payload) != size or hashlib.sha256(payload).hexdigest() != digest:
        raise InvalidInput(f"模型文件 {path} 已损坏（长度或 SHA-256 校验和不符）", field="model",
                           hint="从备份恢复，或重新训练")  # fmt: skip
    return header, payload


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


def near_copies(train: Sequence[str], test: Sequence[str], *, min_share: float = 0.15,
                block: int = 256) -> list[int]:  # fmt: skip
    """Indices of the ``train`` texts that share at least ``min_share`` of their
    character 4-grams with some ``test`` text: reposts and copies of a test message.
    Drop them before an honest held-out figure; citizens repost, and the TipDM "dev" set
    has a copy of nearly every message in the training file. Memory: one dense
    ``block`` x ``len(train)`` matrix at a time (grams are hashed: no vocabulary). A
    text under four characters has no 4-gram and is never a copy."""
    if len(train) == 0 or len(test) == 0:
        return []
    grams = HashingVectorizer(analyzer="char", ngram_range=(4, 4), lowercase=False, binary=True,
                              norm=None, alternate_sign=False, n_features=2**22)  # fmt: skip
    a = grams.transform([normalise(t) for t in train]).tocsr()
    b = grams.transform([normalise(t) for t in test]).tocsr()
    sizes = np.maximum(np.asarray(a.sum(axis=1)).ravel(), 1)
    best = np.zeros(len(train))
    for start in range(0, len(test), block):
        shared = (b[start : start + block] @ a.T).toarray()
        best = np.maximum(best, (shared / sizes).max(axis=0, initial=0.0))
    return [int(i) for i in np.flatnonzero(best >= min_share)]
