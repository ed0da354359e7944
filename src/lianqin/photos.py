"""Photos sent with a report or as evidence of handling: checked, cleaned and stored.

What must hold: only JPEG, PNG and WebP pictures that decode are kept, at most
:data:`MAX_BYTES` each and :data:`MAX_PIXELS` pixels (a decompression bomb is refused);
every kept picture is *re-encoded* as JPEG, so nothing of the upload but its pixels
survives — no EXIF (a phone's GPS position and serial number), no trailing payload; the
name is the SHA-256 of the stored bytes, so the same photo sent twice (a re-sent offline
report) is stored once and its address is unguessable. Refusals are
:class:`~lianqin.errors.InvalidInput` naming the file and saying what to do.

Stored under ``<data dir>/media/photos/ab/abcdef….jpg``, served at
``/media/photos/ab/abcdef….jpg`` (:func:`lianqin.console.media_views.photo`).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from lianqin import conf
from lianqin.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
#: the longest side kept: a phone's 4000-pixel photo shrinks to a size a console shows
MAX_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the JPEG variant many phones write
URL_PREFIX = "/media/photos/"
_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.jpg$")


def folder() -> Path:
    path = conf.data_dir() / "media" / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean(data: bytes, filename: str = "照片") -> bytes:
    """The picture re-encoded as JPEG (EXIF orientation applied, metadata dropped)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{filename} 太大（{len(data) // 1024} KB）",
                           hint=f"单张照片不超过 {MAX_BYTES // 1024 // 1024} MB", field="photos")  # fmt: skip
    if not data:
        raise InvalidInput(f"{filename} 是空文件", hint="重新选择照片", field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise InvalidInput(f"{filename} 不是 JPEG、PNG 或 WebP 照片（{image.format}）",
                                   hint="请上传照片", field="photos")  # fmt: skip
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput(f"{filename} 像素太多（{image.width}×{image.height}）",
                                   hint="请上传普通照片", field="photos")  # fmt: skip
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, SyntaxError, ValueError) as exc:  # fmt: skip
        raise InvalidInput(f"{filename} 不是可以打开的照片", hint="重新拍摄或换一张照片",
                           field="photos") from exc  # fmt: skip
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def save(data: bytes, filename: str = "照片") -> str:
    """Check, clean and store one photo; returns its URL (``/media/photos/…``)."""
    cleaned = clean(data, filename)
    digest = hashlib.sha256(cleaned).hexdigest()
    name = f"{digest[:2]}/{digest}.jpg"
    path = folder() / name
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(cleaned)
        tmp.replace(path)
    return URL_PREFIX + name


def path_of(name: str) -> Path | None:
    """The stored file for ``ab/abcdef….jpg``, or None for any other name (no traversal)."""
    if not _NAME.match(name):
        return None
    path = folder() / name
    return path if path.is_file() else None
