"""Where Lianqin keeps its data and which database it uses, from ``LIANQIN_*`` variables.

Read by settings and by the CLI before Django starts, so it imports no Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """``LIANQIN_DATA_DIR`` or the user's data folder; created on first use."""
    path = Path(os.environ.get("LIANQIN_DATA_DIR") or user_data_dir("lianqin", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``LIANQIN_DATABASE_URL``, or the embedded SQLite file in the data directory."""
    url = os.environ.get("LIANQIN_DATABASE_URL", "").strip()
    return url or f"sqlite:///{data_dir() / 'lianqin.sqlite3'}"


def secret_key() -> str:
    """``LIANQIN_SECRET_KEY``, else a random key kept (mode 600) in the data directory."""
    key = os.environ.get("LIANQIN_SECRET_KEY")
    if key:
        return key
    path = data_dir() / "secret_key"
    write_once(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


def write_once(path: Path, text: str) -> None:
    """Create ``path`` (mode 600 from the start) with ``text`` unless it exists. Exclusive
    creation: two processes starting together keep one key, never each their own."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as out:
        out.write(text)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def optional_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def env_pairs(name: str) -> dict[str, str]:
    """``a=x,b=y`` → ``{"a": "x", "b": "y"}`` (values may contain ``=``)."""
    pairs = {}
    for item in env_list(name, ""):
        key, sep, value = item.partition("=")
        if sep and key.strip() and value.strip():
            pairs[key.strip()] = value.strip()
    return pairs
