"""Benchmark: the linked views in headless Chromium, inside a real JupyterLab.

For each N, a fresh notebook kernel generates seeded synthetic samples
(``browser_data.synthetic_samples``: 10 classes, probabilities, 10 epochs of
given-label dynamics, precomputed x / y blobs, 8×8 images) and the page runs
``lens.show()``. Measured, each time on the page's own clock:

1. ``show()`` → all four views drawn (confusion matrix, data map, cluster
   map, gallery roots at ``data-ready="1"``), timed from the moment the cell
   is run; plus the kernel's own time to build the lens and the widget state,
   when the widget state's big message arrived, and when the main thread went
   quiet (no long task for 1 s);
2. bytes per sample: what the page's websockets really received during
   ``show()`` and the largest single message; on the kernel side, the
   encoded columns ``show()`` fetches, every column the table lists, and
   what a lone cluster map needs (x, y, label codes);
3. a real mouse lasso on the cluster map: release → selection applied (the
   view's count changes: hit test, selection written, every view's
   ``change:selection`` handler run; the confusion matrix defers its recount
   to the next frame) → the next frame drawn; the view's pure hit-test time;
   how many times the views handle that one selection within a second;
4. click on an off-diagonal confusion cell → first gallery thumbnail of that
   cell's samples loaded (each repetition clicks a different cell, so no
   thumbnail is cached);
5. a wheel zoom step on the cluster map: wheel → frame, and the full redraw
   once the zoom settles.

Times are medians over the repetitions. The machine may be shared: the load
average is printed with the table. Screenshots of each ``show()`` and lasso
land in ``test-artifacts/screenshots/bench-*.png``; the raw numbers in
``test-artifacts/benchmarks/browser.json``.

Usage::

    python benchmarks/browser.py                          # N = 100k and 1M, 5 repetitions
    python benchmarks/browser.py --sizes 100000 --repeat 5
    python benchmarks/browser.py --quick                  # N = 20k, one repetition
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "benchmarks"
HARNESS_DIR = REPO_ROOT / "tests" / "browser"
sys.path[:0] = [str(HARNESS_DIR), str(BENCH_DIR)]

from browser_probes import (  # noqa: E402
    clear_outputs,
    install_websocket_counter,
    star,
    time_cell_click,
    time_lasso,
    time_show,
    time_zoom,
)
from cdp_driver import add_driver_argument, launch  # noqa: E402
from conftest import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from lab_server import LabServer  # noqa: E402
from notebook_page import NotebookPage, notebook_json  # noqa: E402

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWS = {
    "confusion": ".nbdl-confusion",
    "data map": '.nbdl-scatter[data-kind="data_map"]',
    "cluster map": '.nbdl-scatter[data-kind="cluster_map"]',
    "gallery": ".nbdl-gallery",
}
CLUSTER = VIEWS["cluster map"]
#: Tall enough that the whole dashboard (two rows of views and the gallery) is on screen.
VIEWPORT = {"width": 1400, "height": 1500}

SETUP = """
import gc, time
from nbdatalens import DataLens
import browser_data
_t = time.perf_counter()
df, roles = browser_data.synthetic_samples({n}, seed=0)
print(f"generated {n} samples in {{time.perf_counter() - _t:.1f}} s")
"""
BUILD = "_t = time.perf_counter(); lens = DataLens(df, **roles); build_s = time.perf_counter() - _t"
SHOW = "_t = time.perf_counter(); view = lens.show(); show_s = time.perf_counter() - _t\nview"
RELEASE = "browser_data.release(view); del view, lens; gc.collect()"
KERNEL_NUMBERS = "{'build_s': build_s, 'show_s': show_s, **browser_data.payload_bytes(lens.model)}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure_show(nb: NotebookPage, n: int, repeat: int) -> list[dict[str, Any]]:
    """``repeat`` fresh lenses shown one after the other; the last one stays on screen."""
    runs = []
    for rep in range(repeat):
        if rep > 0:
            nb.run_code(RELEASE)
            clear_outputs(nb.page, nb.path)
            nb.page.wait_for_function(
                "(sel) => !document.querySelector(sel)", arg=",".join(VIEWS.values())
            )
        nb.run_code(BUILD)
        page = time_show(nb.page, nb.path, SHOW, VIEWS)
        page["kernel"] = nb.kernel_json(KERNEL_NUMBERS)
        runs.append(page)
        print(
            f"  N={n:,} show #{rep + 1}: all drawn {page['all_ready']:.0f} ms, "
            f"interactive {page['interactive']:.0f} ms, kernel show() "
            f"{page['kernel']['show_s']:.2f} s",
            flush=True,
        )
    output = nb.page.locator(".jp-OutputArea-output").filter(has=nb.page.locator(".nbdl-gallery"))
    output.first.screenshot(path=str(SCREENSHOTS / f"bench-show-{n}.png"))
    return runs


def plot_box(nb: NotebookPage) -> dict[str, float]:
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    box = nb.page.locator(f"{CLUSTER} canvas.nbdl-scatter-points").first.bounding_box()
    assert box is not None, "the cluster map's plot canvas is not on the page"
    return box


def measure_lasso(nb: NotebookPage, n: int, repeat: int) -> list[dict[str, Any]]:
    """Lasso a star around the plot's centre, shifted a little each time (a new selection)."""
    runs = []
    for rep in range(repeat):
        box = plot_box(nb)
        cx = box["x"] + box["width"] * (0.45 + 0.03 * rep)
        cy = box["y"] + box["height"] * 0.5
        r = min(box["width"], box["height"]) * 0.3
        runs.append(time_lasso(nb.page, CLUSTER, star(cx, cy, r)))
    nb.page.screenshot(path=str(SCREENSHOTS / f"bench-lasso-{n}.png"))
    nb.page.keyboard.press("Escape")
    return runs


def measure_zoom(nb: NotebookPage, steps: int) -> dict[str, list[float]]:
    box = plot_box(nb)
    centre = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    return time_zoom(nb.page, CLUSTER, centre, steps)


def measure_clicks(nb: NotebookPage, repeat: int) -> list[dict[str, Any]]:
    cells = nb.kernel_json(f"browser_data.off_diagonal_cells(lens.table, {repeat})")
    runs = []
    for cell in cells:
        runs.append(
            time_cell_click(
                nb.page,
                VIEWS["confusion"],
                VIEWS["gallery"],
                cell["given"],
                cell["pred"],
                cell["positions"],
            )
        )
        nb.page.wait_for_timeout(300)
    return runs


def measure_size(browser: Any, server: LabServer, n: int, repeat: int) -> dict[str, Any]:
    """Every measurement for one N, in its own notebook (and so its own kernel)."""
    context = browser.new_context(viewport=VIEWPORT)
    install_websocket_counter(context)
    path = f"bench-{n}.ipynb"
    (server.root_dir / path).write_text(json.dumps(notebook_json([SETUP.format(n=n).strip()])))
    nb = NotebookPage(server, context, path, SCREENSHOTS)
    try:
        nb.open()
        nb.run_all(timeout_ms=300_000)
        result = {"n": n, "show": measure_show(nb, n, repeat)}
        print(f"  N={n:,}: lasso", flush=True)
        result["lasso"] = measure_lasso(nb, n, max(repeat, 3))
        print(f"  N={n:,}: zoom", flush=True)
        result["zoom"] = measure_zoom(nb, max(2 * repeat, 4))
        print(f"  N={n:,}: confusion clicks", flush=True)
        result["click"] = measure_clicks(nb, max(repeat, 3))
        result["console_errors"] = list(nb.console_errors)
        return result
    finally:
        nb.close()
        context.close()


# (row label, how to read it from one size's result, number format, budget: (limit, at N) or None)
def _show(key: str) -> Any:
    return lambda r: median([run[key] for run in r["show"]])


def _ready(view: str) -> Any:
    return lambda r: median([run["ready"][view] for run in r["show"]])


def _kernel(key: str, scale: float = 1.0) -> Any:
    return lambda r: median([run["kernel"][key] * scale for run in r["show"]])


def _first_chunk(r: dict[str, Any]) -> float:
    """When the first big websocket message (a column chunk, > 100 kB) arrived."""
    return median([run["big"][0][0] if run["big"] else float("nan") for run in r["show"]])


def _largest_mib(r: dict[str, Any]) -> float:
    """The largest websocket message the page received during ``show()``, in MiB."""
    return median([max((size for _, size in run["big"]), default=0) / 2**20 for run in r["show"]])


def _draw_ms(view: str) -> Any:
    return lambda r: median([float(run["frame_ms"].get(view, "nan")) for run in r["show"]])


def _runs(part: str, key: str) -> Any:
    return lambda r: median([run[key] for run in r[part]])


ROWS: list[tuple[str, Any, str, tuple[float, int] | None]] = [
    ("kernel: `DataLens(df, ...)` (ms)", _kernel("build_s", 1000), "{:,.0f}", None),
    ("kernel: `lens.show()` widget state (ms)", _kernel("show_s", 1000), "{:,.0f}", None),
    ("page: show cell run → kernel reply (ms)", _show("cell_done"), "{:,.0f}", None),
    ("page: show cell run → first column chunk received (ms)", _first_chunk, "{:,.0f}", None),
    *[(f"page: show → {v} drawn (ms)", _ready(v), "{:,.0f}", None) for v in VIEWS],
    ("page: cluster map first full raster (ms)", _draw_ms("cluster map"), "{:,.1f}", None),
    ("page: data map first full raster (ms)", _draw_ms("data map"), "{:,.1f}", None),
    ("**show → all 4 views drawn (ms)**", _show("all_ready"), "{:,.0f}", (5000, 1_000_000)),
    ("show → drawn and main thread quiet (ms)", _show("interactive"), "{:,.0f}", (5000, 1_000_000)),
    ("**bytes received by the page during show() / sample**", None, "{:,.1f}", (12, 0)),
    ("**largest websocket message (MiB)**", _largest_mib, "{:,.2f}", (4, 0)),
    ("columns show() fetches, as encoded / sample", _kernel("show_per_sample"), "{:,.1f}", None),
    ("every column of the table, encoded / sample", _kernel("total_per_sample"), "{:,.1f}", None),
    (
        "**what the scatter needs (x, y, label) / sample**",
        _kernel("scatter_per_sample"),
        "{:,.1f}",
        (12, 0),
    ),
    ("lasso: hit test (ms)", _runs("lasso", "hit_test"), "{:,.1f}", None),
    (
        "**lasso: mouse-up → selection applied (ms)**",
        _runs("lasso", "applied"),
        "{:,.1f}",
        (50, 1_000_000),
    ),
    ("lasso: mouse-up → next frame drawn (ms)", _runs("lasso", "frame"), "{:,.1f}", None),
    ("lasso: points selected", _runs("lasso", "selected"), "{:,.0f}", None),
    ("lasso: times each view handles the new selection", _runs("lasso", "passes"), "{:,.0f}", None),
    ("lasso: mouse-up → last of those (ms)", _runs("lasso", "last_pass"), "{:,.0f}", None),
    ("zoom: wheel → frame drawn (ms)", lambda r: median(r["zoom"]["frame"]), "{:,.1f}", None),
    ("zoom: full redraw once settled (ms)", lambda r: median(r["zoom"]["full"]), "{:,.1f}", None),
    ("click cell → selection applied (ms)", _runs("click", "applied"), "{:,.1f}", None),
    (
        "**click cell → first thumbnail loaded (ms)**",
        _runs("click", "first_thumb"),
        "{:,.0f}",
        (300, 100_000),
    ),
]


def _ws_per_sample(r: dict[str, Any]) -> float:
    return median([run["ws_bytes"] / r["n"] for run in r["show"]])


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table: one column per N, budgets beside the numbers they apply to."""
    sizes = [r["n"] for r in results]
    head = "| measure | " + " | ".join(f"N = {n:,}" for n in sizes) + " | budget |"
    lines = [head, "|---|" + "---:|" * len(sizes) + "---|"]
    for label, read, fmt, budget in ROWS:
        read = read or _ws_per_sample
        values = [read(r) for r in results]
        cells = [fmt.format(v) for v in values]
        verdict = ""
        if budget is not None:
            limit, at = budget
            # A budget "at N" judges that N; at 0 it judges every N measured.
            judged = [v for r, v in zip(results, values, strict=True) if at in (0, r["n"])]
            where = "every N" if at == 0 else f"N = {at:,}"
            if judged:
                met = all(v <= limit for v in judged)
                verdict = f"≤ {limit:,} at {where}: **{'met' if met else 'missed'}**"
            else:
                verdict = f"≤ {limit:,} at {where} (not measured)"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N values")
    parser.add_argument("--repeat", type=int, default=5, help="shows (and lassos, clicks) per N")
    parser.add_argument("--quick", action="store_true", help="N = 20k, one repetition")
    add_driver_argument(parser)
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    repeat = 1 if args.quick else args.repeat
    if repeat < 1 or not sizes or min(sizes) < 10:
        parser.error("--repeat must be ≥ 1 and every size ≥ 10")
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        sys.exit(f"no Chromium at {executable}: apt-get install chromium or set CHROMIUM_PATH")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="nbdl-bench-"))
    server = LabServer(workdir, import_paths=(REPO_ROOT, BENCH_DIR))
    started = time.perf_counter()
    results = []
    try:
        server.start()
        with launch(args.driver, executable, CHROMIUM_FLAGS) as browser:
            for n in sizes:
                print(f"N = {n:,}", flush=True)
                results.append(measure_size(browser, server, n, repeat))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    out = ARTIFACTS / "benchmarks" / "browser.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    load = os.getloadavg()
    print()
    print(
        f"Headless Chromium (software raster, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f}), JupyterLab; Python {platform.python_version()}; median of "
        f"{repeat} show(s), {max(repeat, 3)} lassos, {max(repeat, 3)} cell clicks, "
        f"{max(2 * repeat, 4)} zoom steps per N; {time.perf_counter() - started:.0f} s in all."
    )
    print()
    print(table(results))
    errors = [e for r in results for e in r["console_errors"]]
    if errors:
        print("\nbrowser console errors:\n" + "\n".join(errors[:20]))
    print(f"\nraw numbers: {out.relative_to(REPO_ROOT)}; screenshots: test-artifacts/screenshots/")


if __name__ == "__main__":
    main()
