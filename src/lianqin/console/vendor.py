"""The console's front-end libraries: copied at build time from ``node_modules`` (filled
by ``npm ci`` from ``package-lock.json``) into the package's static folder, where the app
serves them. Nothing third-party is committed; ``make assets`` runs this.

What must hold: every file a page loads from ``/static/vendor/`` is in :data:`FILES`
(``tests/unit/test_vendor.py`` checks the templates against it), and the versions served
are the lockfile's (written to ``vendor/VERSIONS.json``).

Run: ``python -m lianqin.console.vendor [ROOT]`` (ROOT: where ``node_modules`` is; the
repository by default).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

#: package → files under ``node_modules/<package>/`` to serve, as ``vendor/<package>/<name>``
FILES: dict[str, tuple[str, ...]] = {
    "htmx.org": ("dist/htmx.min.js",),
    "leaflet": (
        "dist/leaflet.js",
        "dist/leaflet.css",
        "dist/images/marker-icon.png",
        "dist/images/marker-icon-2x.png",
        "dist/images/marker-shadow.png",
        "dist/images/layers.png",
        "dist/images/layers-2x.png",
    ),
    "leaflet.markercluster": (
        "dist/leaflet.markercluster.js",
        "dist/MarkerCluster.css",
        "dist/MarkerCluster.Default.css",
    ),
    "echarts": ("dist/echarts.min.js",),
}
TARGET = Path(__file__).parent / "static" / "vendor"


def served_path(package: str, name: str) -> str:
    """Where a file is served under ``/static/``: ``dist/`` dropped, images kept in
    ``images/`` next to the stylesheet that refers to them."""
    return f"vendor/{package}/{name.removeprefix('dist/')}"


def missing() -> list[str]:
    """Served paths not built yet (empty when ``make assets`` has run)."""
    base = TARGET.parent
    return [
        served_path(p, n)
        for p, names in FILES.items()
        for n in names
        if not (base / served_path(p, n)).is_file()
    ]


def build(root: Path) -> dict[str, str]:
    """Copy the files; returns package → version (from the installed package.json)."""
    modules = root / "node_modules"
    versions: dict[str, str] = {}
    for package, names in FILES.items():
        meta = modules / package / "package.json"
        if not meta.is_file():
            raise SystemExit(f"{meta} 不存在：先在 {root} 运行 npm ci（make assets 会做）")
        versions[package] = json.loads(meta.read_text(encoding="utf-8"))["version"]
        for name in names:
            target = TARGET.parent / served_path(package, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules / package / name, target)
    (TARGET / "VERSIONS.json").write_text(json.dumps(versions, indent=1, sort_keys=True))
    return versions


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]
    for package, version in build(root).items():
        print(f"{package} {version}")
