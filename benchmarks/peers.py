"""Benchmark: nbdatalens side by side with jupyter-scatter 1.0.1 and embedding-atlas 0.26.0.

The same seeded points (``browser_data.synthetic_samples(n, seed=0, images=False)``:
``x`` / ``y`` from the frame as the 2-D layout, ``label`` as the colour) are drawn in
headless Chromium inside a real JupyterLab by

- ``nbdl-cluster``: ``DataLens(df, **roles).cluster_map()`` alone;
- ``nbdl-show``: ``DataLens(df, **roles).show()`` (every view; the cluster map is timed);
- ``jscatter``: ``jscatter.Scatter(data=df, x="x", y="y", color_by="label").show()``
  (``label`` as a pandas category, so it gets a categorical palette);
- ``atlas``: ``embedding_atlas.widgets.EmbeddingAtlasWidget(df, x="x", y="y")``.

Every (tool, N, repetition) gets a fresh page and a fresh kernel (its own notebook);
repetitions are interleaved across tools (rep 1 of every tool, then rep 2, ...). The
timed cell builds the tool's object from the frame and displays it. Measured with one
definition for every tool (``peer_probes``: the tool's canvas is copied into a 2D
canvas on every animation frame and its pixels counted):

1. run cell → drawn: the first frame with 90 % of the non-background pixels the canvas
   settles at;
2. websocket bytes the page received between run-cell and that frame, per point, and
   the largest single websocket message;
3. lasso (a star around the plot's centre; jupyter-scatter is put in its lasso mouse
   mode first): mouse-up → 90 % of the pixels that change have changed;
4. one wheel step: wheel → first changed frame, and → the last changed frame before
   1.5 s without change (the full-detail frame);
5. the page's JS heap after drawing (CDP ``Runtime.getHeapUsage`` after a forced GC),
   and its growth over the heap of the same page before the cell ran.

A tool that does not draw within the timeout is recorded with its console errors and
the reason (embedding-atlas 0.26 needs WebGPU with ``shader-f16``), and its later
repetitions at that N are skipped. Medians over repetitions; raw numbers in
``test-artifacts/benchmarks/peers.json``, screenshots in
``test-artifacts/screenshots/peers-*.png``.

Usage::

    python benchmarks/peers.py --quick                            # N = 20k, 1 rep, smoke run
    python benchmarks/peers.py --sizes 100000,1000000 --repeat 3
    python benchmarks/peers.py --sizes 5000000 --repeat 1 --tools nbdl-cluster,jscatter
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

from browser_probes import star  # noqa: E402
from cdp_driver import add_driver_argument, launch  # noqa: E402
from conftest import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from lab_server import LabServer  # noqa: E402
from notebook_page import NotebookPage, notebook_json  # noqa: E402
from peer_probes import (  # noqa: E402
    canvas_box,
    heap_mib,
    install_peer_probes,
    time_drawn,
    time_lasso_pixels,
    time_zoom_pixels,
    webgpu_status,
)

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1400, "height": 1500}
NBDL_CANVAS = '.nbdl-scatter[data-kind="cluster_map"] canvas.nbdl-scatter-points'

DATA = """
import gc, time
import browser_data
df, roles = browser_data.synthetic_samples({n}, seed=0, images=False)
"""


def _nbdl(call: str) -> dict[str, Any]:
    return {
        "setup": "from nbdatalens import DataLens",
        "run": (
            "_t = time.perf_counter()\n"
            f"lens = DataLens(df, **roles)\nview = lens.{call}\n"
            "kernel_s = time.perf_counter() - _t\nview"
        ),
        "canvas": NBDL_CANVAS,
        "lasso": True,
    }


#: name → how to set it up, the timed cell, the canvas to read (None: the cell's largest),
#: whether it has a lasso, and the cells run before a lasso / a zoom.
TOOLS: dict[str, dict[str, Any]] = {
    "nbdl-cluster": {**_nbdl("cluster_map()"), "label": "nbdatalens cluster_map()"},
    "nbdl-show": {**_nbdl("show()"), "label": "nbdatalens show()"},
    "jscatter": {
        "label": "jupyter-scatter 1.0.1",
        "setup": (
            "import jscatter\ndf['label'] = df['label'].astype('category')  # a categorical palette"
        ),
        "run": (
            "_t = time.perf_counter()\n"
            "scatter = jscatter.Scatter(data=df, x='x', y='y', color_by='label', height=420)\n"
            "view = scatter.show()\nkernel_s = time.perf_counter() - _t\nview"
        ),
        "canvas": None,
        "lasso": True,
        # Its lasso is a mouse mode (the widget overrides regl-scatterplot's shift key map).
        "before_lasso": "scatter.mouse('lasso'); None",
        "before_zoom": "scatter.mouse('panZoom'); None",
    },
    "atlas": {
        "label": "embedding-atlas 0.26.0",
        "setup": "from embedding_atlas.widget import EmbeddingAtlasWidget",
        "run": (
            "_t = time.perf_counter()\n"
            "view = EmbeddingAtlasWidget(df, x='x', y='y')\n"
            "kernel_s = time.perf_counter() - _t\nview"
        ),
        "canvas": None,
        # Its lasso is shift+meta+drag or a toolbar mode, but it needs its WebGPU view.
        "lasso": True,
        "webgpu": True,
    },
}


def median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def draw_timeout_ms(n: int) -> float:
    return 60_000 + 40_000 * n / 1_000_000


def measure_one(
    browser: Any, server: LabServer, tool: str, n: int, rep: int, lassos: int, zooms: int
) -> dict[str, Any]:
    """One fresh notebook (kernel) and page: draw, heap, lassos and zoom steps."""
    spec = TOOLS[tool]
    context = browser.new_context(viewport=VIEWPORT)
    install_peer_probes(context)
    path = f"peers-{tool}-{n}-{rep}.ipynb"
    cells = [DATA.format(n=n).strip(), spec["setup"]]
    (server.root_dir / path).write_text(json.dumps(notebook_json(cells)))
    nb = NotebookPage(server, context, path, SCREENSHOTS)
    result: dict[str, Any] = {"tool": tool, "n": n, "rep": rep}
    try:
        nb.open()
        nb.run_all(timeout_ms=600_000)
        if spec.get("webgpu"):
            result["webgpu"] = webgpu_status(nb.page)
        result["heap_before"] = heap_mib(nb.page, context)
        started = time.monotonic()

        def give_up() -> bool:
            # A tool that logged errors and drew nothing for 20 s will not draw.
            return bool(nb.console_errors) and time.monotonic() - started > 20

        draw = time_drawn(
            nb.page, nb.path, spec["run"], spec["canvas"], draw_timeout_ms(n), give_up=give_up
        )
        result["draw"] = draw
        index = draw["index"]
        shot = SCREENSHOTS / f"peers-{tool}-{n}.png"
        nb.page.locator(".jp-Cell").nth(index).screenshot(path=str(shot))
        try:
            result["kernel_s"] = nb.kernel_json("kernel_s")
        except Exception as error:  # the cell may have failed
            result["kernel_s"] = None
            result["kernel_error"] = str(error)[:300]
        if draw["drawn"] is None:
            result["why_not"] = draw["cell_error"] or (
                "did not draw within the timeout; widget text: " + draw["cell_text"][:200]
            )
            return result
        result["heap_after"] = heap_mib(nb.page, context)
        if spec["lasso"]:
            if spec.get("before_lasso"):
                nb.run_code(spec["before_lasso"])
            result["lasso"] = []
            for k in range(lassos):
                box = canvas_box(nb.page, nb.path, index, spec["canvas"])
                cx = box["x"] + box["width"] * (0.45 + 0.05 * k)
                cy = box["y"] + box["height"] * 0.5
                r = min(box["width"], box["height"]) * 0.3
                result["lasso"].append(
                    time_lasso_pixels(nb.page, nb.path, index, spec["canvas"], star(cx, cy, r))
                )
                nb.page.wait_for_timeout(300)
            nb.page.locator(".jp-Cell").nth(index).screenshot(
                path=str(SCREENSHOTS / f"peers-{tool}-{n}-lasso.png")
            )
            nb.page.keyboard.press("Escape")
        if spec.get("before_zoom"):
            nb.run_code(spec["before_zoom"])
        box = canvas_box(nb.page, nb.path, index, spec["canvas"])
        at = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        result["zoom"] = [
            time_zoom_pixels(
                nb.page, nb.path, index, spec["canvas"], at, -120 if k % 2 == 0 else 120
            )
            for k in range(zooms)
        ]
        return result
    except Exception as error:  # record and go on with the other tools
        result["failure"] = f"{type(error).__name__}: {str(error)[:500]}"
        return result
    finally:
        result["console_errors"] = list(nb.console_errors)[:20]
        try:
            nb.close()
        finally:
            context.close()


# ---------------------------------------------------------------------------------------------
# The table


def _draw(key: str, scale: float = 1.0) -> Any:
    def read(runs: list[dict[str, Any]], n: int) -> float | None:
        vals = [
            r["draw"][key] for r in runs if r.get("draw") and r["draw"].get("drawn") is not None
        ]
        return median([v * scale if v is not None else None for v in vals])

    return read


def _per_point(runs: list[dict[str, Any]], n: int) -> float | None:
    return median(
        [r["draw"]["ws_bytes"] / n for r in runs if r.get("draw") and r["draw"].get("drawn")]
    )


def _kernel(runs: list[dict[str, Any]], n: int) -> float | None:
    return median([r["kernel_s"] * 1000 for r in runs if isinstance(r.get("kernel_s"), float)])


def _lasso(runs: list[dict[str, Any]], n: int) -> float | None:
    return median([lasso["changed"] for r in runs for lasso in r.get("lasso", [])])


def _lasso_share(runs: list[dict[str, Any]], n: int) -> float | None:
    return median([100 * lasso["share_changed"] for r in runs for lasso in r.get("lasso", [])])


def _zoom(key: str) -> Any:
    return lambda runs, n: median([z[key] for r in runs for z in r.get("zoom", [])])


def _heap(key: str) -> Any:
    def read(runs: list[dict[str, Any]], n: int) -> float | None:
        vals = []
        for r in runs:
            if "heap_after" not in r:
                continue
            after = r["heap_after"]["used"]
            vals.append(after - r["heap_before"]["used"] if key == "delta" else after)
        return median(vals)

    return read


ROWS: list[tuple[str, Any, str]] = [
    ("**run cell → drawn (ms)**", _draw("drawn"), "{:,.0f}"),
    ("run cell → kernel reply (ms)", _draw("cell_done"), "{:,.0f}"),
    ("kernel: build + display object (ms)", _kernel, "{:,.0f}"),
    ("**websocket bytes received until drawn / point**", _per_point, "{:,.2f}"),
    ("**largest websocket message (MiB)**", _draw("ws_max", 1 / 2**20), "{:,.2f}"),
    ("**lasso: mouse-up → pixels changed (ms)**", _lasso, "{:,.0f}"),
    ("lasso: share of canvas pixels changed (%)", _lasso_share, "{:,.1f}"),
    ("zoom: wheel → first changed frame (ms)", _zoom("first"), "{:,.0f}"),
    ("**zoom: wheel → full-detail frame (ms)**", _zoom("full"), "{:,.0f}"),
    ("**JS heap used after drawing (MiB)**", _heap("used"), "{:,.0f}"),
    ("JS heap growth over the page before the cell (MiB)", _heap("delta"), "{:,.0f}"),
]

#: Rows that get a nbdatalens / peer ratio.
RATIO_ROWS = [0, 3, 4, 5, 8, 10]


def _cell(value: float | None, fmt: str, why: str | None) -> str:
    if value is not None:
        return fmt.format(value)
    return f"n/a ({why})" if why else "n/a"


def grouped(results: list[dict[str, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["tool"], r["n"]), []).append(r)
    return groups


def reason(runs: list[dict[str, Any]]) -> str | None:
    """Why a tool did not draw (short), or None when at least one run drew."""
    if any(r.get("draw", {}).get("drawn") is not None for r in runs):
        return None
    r = runs[0]
    errs = [e for e in r.get("console_errors", []) if "WebGPU" in e or "webgpu" in e.lower()]
    if errs:
        return "no WebGPU"
    return "did not draw"


def table(results: list[dict[str, Any]], tools: list[str], sizes: list[int]) -> str:
    groups = grouped(results)
    cols = [(t, n) for n in sizes for t in tools if (t, n) in groups]
    head = "| measure | " + " | ".join(f"{t} N={n:,}" for t, n in cols) + " |"
    lines = [head, "|---|" + "---:|" * len(cols)]
    reasons = {c: reason(groups[c]) for c in cols}
    for label, read, fmt in ROWS:
        cells = []
        for c in cols:
            runs = groups[c]
            value = read(runs, c[1])
            why = reasons[c]
            if value is None and why is None and "lasso" in label and c[0] == "atlas":
                why = "no lasso measured"
            cells.append(_cell(value, fmt, why if why else None))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_table(results: list[dict[str, Any]], tools: list[str], sizes: list[int]) -> str:
    groups = grouped(results)
    ours = [t for t in tools if t.startswith("nbdl")]
    peers = [t for t in tools if not t.startswith("nbdl")]
    cols = [
        (o, p, n)
        for n in sizes
        for o in ours
        for p in peers
        if (o, n) in groups and (p, n) in groups
    ]
    if not cols:
        return "(no nbdatalens / peer pair measured)"
    head = "| nbdatalens / peer | " + " | ".join(f"{o} / {p} N={n:,}" for o, p, n in cols) + " |"
    lines = [head, "|---|" + "---:|" * len(cols)]
    for i in RATIO_ROWS:
        label, read, _ = ROWS[i]
        cells = []
        for o, p, n in cols:
            a, b = read(groups[(o, n)], n), read(groups[(p, n)], n)
            if a is None or b is None or b == 0:
                cells.append("n/a")
            else:
                cells.append(f"{a / b:,.2f}")
        lines.append(f"| {label.strip('*')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000", help="comma-separated N")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per tool and N")
    parser.add_argument("--quick", action="store_true", help="N = 20k, one repetition")
    add_driver_argument(parser)
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"subset of {','.join(TOOLS)}")
    parser.add_argument("--out", default=str(ARTIFACTS / "benchmarks" / "peers.json"))
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    repeat = 1 if args.quick else args.repeat
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or repeat < 1 or not sizes or min(sizes) < 10:
        parser.error(f"unknown tools {unknown}" if unknown else "--repeat ≥ 1, every size ≥ 10")
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        sys.exit(f"no Chromium at {executable}: apt-get install chromium or set CHROMIUM_PATH")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="nbdl-peers-"))
    server = LabServer(workdir, import_paths=(REPO_ROOT, BENCH_DIR))
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    loads = []
    try:
        server.start()
        with launch(args.driver, executable, CHROMIUM_FLAGS) as browser:
            meta["chromium"] = browser.version
            for n in sizes:
                failed: set[str] = set()
                for rep in range(repeat):
                    for tool in tools:
                        if tool in failed:
                            continue
                        loads.append(os.getloadavg()[0])
                        print(f"N={n:,} rep {rep + 1}/{repeat} {tool} ...", flush=True)
                        r = measure_one(browser, server, tool, n, rep, lassos=2, zooms=4)
                        r["load"] = loads[-1]
                        results.append(r)
                        _print_run(r)
                        if r.get("draw", {}).get("drawn") is None:
                            failed.add(tool)
                        out.write_text(json.dumps({"meta": meta, "runs": results}, indent=1))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()
    meta.update(
        {
            "sizes": sizes,
            "repeat": repeat,
            "tools": tools,
            "load_avg_end": load,
            "load_avg_1min_during": loads,
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "seconds": time.perf_counter() - started,
            "versions": _versions(),
        }
    )
    out.write_text(json.dumps({"meta": meta, "runs": results}, indent=1))
    print()
    print(
        f"Headless Chromium {meta.get('chromium')} (software raster, {os.cpu_count()} cores), "
        f"JupyterLab; Python {platform.python_version()}; load average 1/5/15 min at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, 1-min load during the runs "
        f"{min(loads, default=0):.1f}–{max(loads, default=0):.1f}; median of {repeat} "
        f"repetition(s) per tool and N (2 lassos and 4 wheel steps each); "
        f"{time.perf_counter() - started:.0f} s in all. Versions: {meta['versions']}."
    )
    print()
    print(table(results, tools, sizes))
    for (tool, n), runs in grouped(results).items():
        if reason(runs):
            r = runs[0]
            why = "; ".join(
                x
                for x in [r.get("webgpu"), *r.get("console_errors", [])[:2], r.get("why_not")]
                if x
            )
            print(f"\n{tool} at N={n:,} did not draw: {why}")
    print()
    print(ratio_table(results, tools, sizes))
    print(f"\nraw numbers: {out}; screenshots: test-artifacts/screenshots/peers-*.png")


def _print_run(r: dict[str, Any]) -> None:
    d = r.get("draw") or {}
    parts = [f"drawn {d.get('drawn')}", f"ws {d.get('ws_bytes')}", f"max {d.get('ws_max')}"]
    if r.get("lasso"):
        parts.append("lasso " + ", ".join(str(x["changed"]) for x in r["lasso"]))
    if r.get("zoom"):
        parts.append("zoom full " + ", ".join(str(z["full"]) for z in r["zoom"]))
    if "heap_after" in r:
        parts.append(f"heap {r['heap_after']['used']:.0f} MiB")
    for key in ("why_not", "failure", "webgpu"):
        if r.get(key):
            parts.append(f"{key}: {r[key]}")
    print("   " + "; ".join(parts), flush=True)
    for e in r.get("console_errors", [])[:3]:
        print("   console: " + e[:200], flush=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("nbdatalens", "jupyter-scatter", "embedding-atlas", "jupyterlab", "anywidget"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


if __name__ == "__main__":
    main()
