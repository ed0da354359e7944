"""Point → grid at scale: the raster ``GridIndex`` against a raw shapely STRtree.

Run ``.venv/bin/python benchmarks/bench_gridindex.py [--points 1000000] [--grids 100000]``
or import :func:`run`. Three data sets, each built in memory (nothing is cached):

- the demo district's 719 grids as they are (Voronoi cells on a 1e-6° lattice, ~7
  vertices each), given as GeoJSON like the database gives them;
- the same grids with every shared edge densified and bent once for both neighbours
  (~100 vertices each, like surveyed boundaries), also as GeoJSON;
- ``--grids`` Voronoi grids over a province-sized area (~2° × 1.25°), denser in the
  centre, edges densified and bent the same way (~90 vertices), given as shapely
  polygons (as GeoJSON they would cost ~1 GB of Python lists before the index sees them).

Per data set: index build time, memory (tracemalloc peak of a second, traced build —
numpy arrays and Python objects, not GEOS's own heap — and the RSS the first build
kept), batch points/s for uniform random points over the data set's bounding box, the
single-point ``locate`` latency (median, p99), and the baseline measured in the same
run on the same points: ``STRtree.query(points, predicate="intersects")``, the Point
objects' creation included (callers have coordinates, not Points). The batch answers
are checked against the baseline's (smallest index per point) before any figure is kept.
These machines are shared and noisy: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.strtree import STRtree

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from tilings import jitter_tiling, voronoi_tiling  # noqa: E402

from lianqin.geo.gridindex import GridIndex  # noqa: E402
from lianqin.org.demo_geometry import build_district, to_geojson  # noqa: E402

SEED = 20261128
Row = tuple[str, str, str]


def run(points: int = 1_000_000, grids: int = 100_000, singles: int = 20_000) -> list[Row]:
    """Table rows ``(measure, figure, ratio)`` for the three data sets."""
    rows: list[Row] = []
    for name, make in _datasets(grids):
        pairs, polygons = make()
        rows.extend(_measure(name, pairs, polygons, points, singles))
        del pairs, polygons
        gc.collect()
    return rows


def _datasets(grids: int) -> Iterator[tuple[str, Callable[[], tuple[list[Any], list[Any]]]]]:
    def demo() -> tuple[list[Any], list[Any]]:
        plans = build_district(SEED).grids
        polygons = [g.polygon for g in plans]
        return [(g.code, to_geojson(g.polygon)) for g in plans], polygons

    def demo_bent() -> tuple[list[Any], list[Any]]:
        plans = build_district(SEED).grids
        polygons = jitter_tiling([g.polygon for g in plans], spacing=0.0004, seed=SEED)
        return [(g.code, mapping(p)) for g, p in zip(plans, polygons, strict=True)], polygons

    def province() -> tuple[list[Any], list[Any]]:
        cols = max(1, round((grids * 1.6) ** 0.5))
        rows = max(1, round(grids / cols))
        cells = voronoi_tiling(cols, rows, seed=SEED)
        polygons = jitter_tiling(cells, spacing=0.0002, seed=SEED)
        return [(f"{i:09d}", p) for i, p in enumerate(polygons)], polygons

    yield "demo, 719 grids as built (GeoJSON)", demo
    yield "demo, 719 grids densified + jittered (GeoJSON)", demo_bent
    yield f"{grids:,} Voronoi grids densified + jittered (shapely)", province


def _measure(
    name: str, pairs: list[Any], polygons: list[Any], points: int, singles: int
) -> list[Row]:
    geoms = np.asarray(polygons, dtype=object)
    vertices = shapely.get_num_coordinates(geoms)
    rng = np.random.default_rng(SEED)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    lons, lats = rng.uniform(x0, x1, points), rng.uniform(y0, y1, points)

    gc.collect()
    rss = _rss()
    start = time.perf_counter()
    index = GridIndex(pairs)
    build = time.perf_counter() - start
    kept = _rss() - rss
    peak = _traced_peak(pairs)
    start = time.perf_counter()
    tree = STRtree(np.asarray(index.geoms, dtype=object))  # index order: answers comparable
    tree_build = time.perf_counter() - start

    baseline, raw_rate = _raw_batch(tree, lons, lats)
    found = index.locate_indices(lons, lats)
    if not np.array_equal(found, baseline):
        raise AssertionError(f"{name}: {np.sum(found != baseline)} points disagree with STRtree")
    rate = points / _best(lambda: index.locate_indices(lons, lats), 3)
    names = points / _best(lambda: index.locate_many(lons, lats), 1)
    single = _latencies(lambda x, y: index.locate(x, y), lons[:singles], lats[:singles])
    raw_single = _latencies(
        lambda x, y: tree.query(shapely.Point(x, y), predicate="intersects"),
        lons[:singles],
        lats[:singles],
    )
    info = index.describe()
    return [
        (f"**{name}**", f"{len(pairs):,} grids", ""),
        ("  vertices per grid, mean (min–max)", f"{vertices.mean():.1f} ({vertices.min()}–{vertices.max()})", ""),
        ("  raster", f"{info['cells']:,} cells of {info['cell_size'] * 1e5:.0f}e-5°, {info['mixed_share']:.1%} mixed", f"{info['raster_bytes'] / 1e6:.0f} MB"),
        ("  index build", f"{build:.2f} s", f"raw STRtree build {tree_build * 1e3:.0f} ms"),
        ("  build memory: tracemalloc peak / RSS kept", f"{peak / 1e6:.0f} MB / {kept / 1e6:.0f} MB", ""),
        (f"  raw STRtree.query(points, intersects), {points:,} pts (baseline)", f"{raw_rate / 1e6:.2f} M pts/s", "1.00×"),
        (f"  GridIndex.locate_indices, {points:,} pts", f"{rate / 1e6:.2f} M pts/s", f"{rate / raw_rate:.1f}× baseline"),
        (f"  GridIndex.locate_many (codes), {points:,} pts", f"{names / 1e6:.2f} M pts/s", f"{names / raw_rate:.1f}× baseline"),
        ("  raw STRtree single query, median / p99 (baseline)", _us(raw_single), "1.00×"),
        ("  GridIndex.locate single, median / p99", _us(single), f"{raw_single[0] / single[0]:.1f}× faster (median)"),
    ]  # fmt: skip


def _raw_batch(tree: STRtree, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, float]:
    """The baseline: Points + one predicate query; the smallest index per point, as a check."""
    start = time.perf_counter()
    point, geom = tree.query(shapely.points(lons, lats), predicate="intersects")
    rate = len(lons) / (time.perf_counter() - start)
    best = np.full(len(lons), np.iinfo(np.int64).max)
    np.minimum.at(best, point, geom)
    best[best == np.iinfo(np.int64).max] = -1
    return best, rate


def _traced_peak(pairs: list[Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        GridIndex(pairs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def _latencies(
    call: Callable[[float, float], object], lons: np.ndarray, lats: np.ndarray
) -> tuple[float, float]:
    """Median and p99 of single calls, in µs."""
    clock = time.perf_counter_ns
    spent = np.empty(len(lons))
    for i, (x, y) in enumerate(zip(lons.tolist(), lats.tolist(), strict=True)):
        start = clock()
        call(x, y)
        spent[i] = clock() - start
    return float(np.median(spent)) / 1e3, float(np.percentile(spent, 99)) / 1e3


def _us(figures: tuple[float, float]) -> str:
    return f"{figures[0]:.1f} / {figures[1]:.1f} µs"


def _rss() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def table(rows: list[Row]) -> str:
    lines = ["| measure | figure | ratio / note |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=20_000)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = run(args.points, args.grids, args.singles)
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} "
          f"· shapely {shapely.__version__} (GEOS {shapely.geos_version_string}) · numpy {np.__version__}\n")  # fmt: skip
    print(table(rows))
    print(f"\n{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
