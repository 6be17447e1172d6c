"""Page side of ``benchmarks/browser.py``: timings taken inside the page.

Every time is read from the page's own clock (``performance.now()``), so
the Playwright round trips that drive the page never enter a number. Each
probe installs its listeners, the driver acts (runs a cell, drags, clicks),
and the probe's record is read back once it is complete:

- ``show``: run-cell issued → each view root has ``data-ready="1"``, with the
  long tasks seen meanwhile and the bytes the page's websockets received;
- ``lasso``: the ``pointerup`` that ends a lasso → the view's selected count
  changes (every view has handled the selection) → the next frame is drawn;
- ``zoom``: a wheel event → the frame that shows the zoomed view;
- ``click``: the click on a confusion cell → the first gallery ``<img>`` of
  that cell's samples has loaded.
"""

from __future__ import annotations

import math
from typing import Any

from notebook_page import FIND_PANEL_JS, append_cell  # tests/browser, on sys.path
from playwright.sync_api import BrowserContext, Page

#: Counts the bytes every websocket of the page receives, and notes the big
#: messages (the widget state with its column buffers) with their arrival time.
WEBSOCKET_COUNTER = """
(() => {
  const Native = window.WebSocket;
  window.__nbdlWs = { bytes: 0, big: [] };
  class CountingWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        const d = ev.data;
        const n = typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
        window.__nbdlWs.bytes += n;
        if (n > 100000) window.__nbdlWs.big.push([performance.now(), n]);
      });
    }
  }
  window.WebSocket = CountingWebSocket;
})();
"""


_CELL_ERROR = (
    "([path, index]) => {"
    + FIND_PANEL_JS
    + """
const outputs = panel.content.widgets[index].model.outputs.toJSON();
const error = outputs.find((o) => o.output_type === 'error');
return error ? error.ename + ': ' + error.evalue : null;
}"""
)

_CLEAR_OUTPUTS = (
    "(path) => {"
    + FIND_PANEL_JS
    + """
window.jupyterapp.shell.activateById(panel.id);
return window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
}"""
)

_START_SHOW = (
    "([path, selectors]) => {"
    + FIND_PANEL_JS
    + """
const b = { t0: 0, ready: {}, frameMs: {}, timings: {}, longTasks: [], cellDone: null,
            allReady: null, ws0: window.__nbdlWs.bytes, big0: window.__nbdlWs.big.length };
window.__nbdlShow = b;
const tasks = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) b.longTasks.push([e.startTime - b.t0, e.duration]);
});
tasks.observe({ type: 'longtask' });
window.__nbdlShowStop = () => tasks.disconnect();
const names = Object.keys(selectors);
const check = () => {
  for (const name of names) {
    if (b.ready[name] !== undefined) continue;
    const el = document.querySelector(selectors[name] + '[data-ready="1"]');
    if (el) {
      b.ready[name] = performance.now() - b.t0;
      if (el.dataset.frameMs !== undefined) b.frameMs[name] = Number(el.dataset.frameMs);
      if (el.dataset.timings !== undefined) b.timings[name] = JSON.parse(el.dataset.timings);
    }
  }
  if (Object.keys(b.ready).length === names.length && b.allReady === null) {
    b.allReady = Math.max(...Object.values(b.ready));
    b.wsBytes = window.__nbdlWs.bytes - b.ws0;
    b.big = window.__nbdlWs.big.slice(b.big0).map(([t, n]) => [t - b.t0, n]);
    seen.disconnect();
  }
};
const seen = new MutationObserver(check);
seen.observe(document.body,
  { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });
window.jupyterapp.shell.activateById(panel.id);
b.t0 = performance.now();
window.jupyterapp.commands.execute('notebook:run-cell').then(
  () => { b.cellDone = performance.now() - b.t0; },
  (err) => { b.cellDone = performance.now() - b.t0; b.error = String(err); });
}"""
)

# Ready, and no long task for `quiet` ms since the later of ready and the last long task.
_SHOW_SETTLED = """
(quiet) => {
  const b = window.__nbdlShow;
  if (b.allReady === null || b.cellDone === null) return false;
  const ends = b.longTasks.map(([s, d]) => s + d);
  const busyUntil = Math.max(b.allReady, ...ends);
  return performance.now() - b.t0 - busyUntil > quiet;
}
"""

_START_LASSO = """
(sel) => {
  const root = document.querySelector(sel);
  const b = { up: null, applied: null, frame: null, passes: 0, lastPass: null };
  window.__nbdlLasso = b;
  window.__nbdlLassoStop?.();
  const onUp = () => {
    b.up = performance.now();
    window.removeEventListener('pointerup', onUp, true);
  };
  window.addEventListener('pointerup', onUp, true);
  // The view writes its count once per selection change it handles, even when the number
  // is unchanged: the first write after the release is the selection landing, and every
  // later one is the view handling a selection change again (a kernel echo, say).
  const seen = new MutationObserver((records) => {
    if (b.up === null) return;
    b.passes += records.length;
    b.lastPass = performance.now();
    if (b.applied !== null) return;
    b.applied = b.lastPass;
    // Registered after the views' own frame callbacks, so it runs once they have drawn.
    requestAnimationFrame(() => { b.frame = performance.now(); });
  });
  seen.observe(root, { attributes: true, attributeFilter: ['data-selected-count'] });
  window.__nbdlLassoStop = () => seen.disconnect();
}
"""

_START_ZOOM = """
() => {
  const b = { steps: [] };
  window.__nbdlZoom = b;
  // Bubble phase: runs after the plot's own handler has asked for its frame.
  const onWheel = (ev) => {
    const stamp = ev.timeStamp;
    requestAnimationFrame(() => { b.steps.push(performance.now() - stamp); });
  };
  window.addEventListener('wheel', onWheel);
  window.__nbdlZoomStop = () => window.removeEventListener('wheel', onWheel);
}
"""

_START_CLICK = """
([cmSel, gallerySel, positions]) => {
  const want = new Set(positions);
  const cm = document.querySelector(cmSel);
  const gallery = document.querySelector(gallerySel);
  const b = { click: null, applied: null, firstThumb: null, thumbPos: null };
  window.__nbdlClick = b;
  const onClick = () => {
    b.click = performance.now();
    window.removeEventListener('click', onClick, true);
  };
  window.addEventListener('click', onClick, true);
  const seen = new MutationObserver(() => {
    if (b.click === null || b.applied !== null) return;
    b.applied = performance.now();
    seen.disconnect();
  });
  seen.observe(cm, { attributes: true, attributeFilter: ['data-selected-count'] });
  // Load events do not bubble; a capturing listener on the gallery hears every tile's image.
  const onLoad = (ev) => {
    const img = ev.target;
    if (b.click === null || b.firstThumb !== null || !(img instanceof HTMLImageElement)) return;
    const tile = img.closest('[data-pos]');
    if (!tile || !want.has(Number(tile.dataset.pos)) || img.naturalWidth === 0) return;
    b.firstThumb = performance.now();
    b.thumbPos = Number(tile.dataset.pos);
    gallery.removeEventListener('load', onLoad, true);
  };
  gallery.addEventListener('load', onLoad, true);
}
"""


def install_websocket_counter(context: BrowserContext) -> None:
    """Count websocket bytes in every page the context opens from now on."""
    context.add_init_script(WEBSOCKET_COUNTER)


def clear_outputs(page: Page, path: str) -> None:
    """Clear every cell's output (the views in them are disposed)."""
    page.evaluate(_CLEAR_OUTPUTS, path)


def time_show(
    page: Page,
    path: str,
    code: str,
    selectors: dict[str, str],
    timeout_ms: float = 180_000,
    quiet_ms: float = 1000,
) -> dict[str, Any]:
    """Run ``code`` as a new cell; time until every root in ``selectors`` is drawn.

    Returns page times in ms from the moment the cell was run: ``ready``
    (per view), ``all_ready``, ``interactive`` (the later of ``all_ready``
    and the end of the last long task before ``quiet_ms`` without one),
    ``cell_done`` (the kernel's reply), ``ws_bytes`` received meanwhile and
    the ``big`` websocket messages (over 100 kB) as ``[arrival ms, bytes]``;
    and, read when each view became ready, ``frame_ms`` (a scatter's first
    full raster) and ``timings`` (the confusion matrix's draw steps).
    """
    index = append_cell(page, path, code)
    page.evaluate(_START_SHOW, [path, selectors])
    try:
        page.wait_for_function(_SHOW_SETTLED, arg=quiet_ms, timeout=timeout_ms, polling=100)
    except Exception as error:
        cause = page.evaluate(_CELL_ERROR, [path, index])
        raise RuntimeError(f"show cell did not finish drawing: {cause or error}") from error
    page.evaluate("() => window.__nbdlShowStop()")
    b = page.evaluate("() => window.__nbdlShow")
    # Settled means a quiet second followed the last long task, so every one counts.
    ends = [start + duration for start, duration in b["longTasks"]]
    return {
        "ready": b["ready"],
        "frame_ms": b["frameMs"],
        "timings": b["timings"],
        "all_ready": b["allReady"],
        "interactive": max([b["allReady"], *ends]),
        "cell_done": b["cellDone"],
        "ws_bytes": b["wsBytes"],
        "big": b["big"],
        "long_tasks": b["longTasks"],
    }


def star(cx: float, cy: float, r: float, points: int = 24) -> list[tuple[float, float]]:
    """A star-shaped lasso (alternating radii r and 0.7 r) around (cx, cy)."""
    out = []
    for k in range(points):
        rad = r if k % 2 == 0 else 0.7 * r
        ang = 2 * math.pi * k / points
        out.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    return out


def time_lasso(
    page: Page, root: str, polygon: list[tuple[float, float]], after_ms: int = 1000
) -> dict[str, Any]:
    """Drag ``polygon`` (page px) with the mouse; time release → selection → frame (ms).

    Then watches ``after_ms`` more: ``passes`` is how many times the view
    handled a selection change after the release (1 when nothing repeats it),
    ``last_pass`` when it did so last.
    """
    page.evaluate(_START_LASSO, root)
    mouse = page.mouse
    mouse.move(*polygon[0])
    mouse.down()
    for x, y in polygon[1:]:
        mouse.move(x, y)
    mouse.move(*polygon[0])
    mouse.up()
    page.wait_for_function("() => window.__nbdlLasso.frame !== null", timeout=30_000)
    page.wait_for_timeout(after_ms)
    page.evaluate("() => window.__nbdlLassoStop()")
    b = page.evaluate("() => window.__nbdlLasso")
    el = page.locator(root).first
    return {
        "applied": b["applied"] - b["up"],
        "frame": b["frame"] - b["up"],
        "passes": b["passes"],
        "last_pass": b["lastPass"] - b["up"],
        "hit_test": float(el.get_attribute("data-lasso-ms") or "nan"),
        "selected": int(el.get_attribute("data-selected-count") or "0"),
    }


def time_zoom(
    page: Page, root: str, at: tuple[float, float], steps: int, rest_ms: int = 400
) -> dict[str, list[float]]:
    """Wheel-zoom at ``at`` ``steps`` times (alternately in and out, so the view comes back).

    ``frame``: wheel event → the frame showing it; ``full``: the view's
    ``data-frame-ms`` (a full redraw of every point) once the zoom has settled.
    """
    page.evaluate(_START_ZOOM)
    page.mouse.move(*at)
    full = []
    for k in range(steps):
        page.mouse.wheel(0, -120 if k % 2 == 0 else 120)
        page.wait_for_timeout(rest_ms)
        full.append(float(page.locator(root).first.get_attribute("data-frame-ms") or "nan"))
    page.evaluate("() => window.__nbdlZoomStop()")
    return {"frame": page.evaluate("() => window.__nbdlZoom.steps"), "full": full}


def time_cell_click(
    page: Page,
    confusion: str,
    gallery: str,
    given: int,
    pred: int,
    positions: list[int],
    timeout_ms: float = 30_000,
) -> dict[str, Any]:
    """Click confusion cell (given, pred); time click → selection → first thumbnail loaded."""
    page.evaluate(_START_CLICK, [confusion, gallery, positions])
    cell = int(page.locator(confusion).first.get_attribute("data-cell-px") or "0")
    page.locator(f"{confusion} .nbdl-cm-canvas").first.click(
        position={"x": (pred + 0.5) * cell, "y": (given + 0.5) * cell}
    )
    page.wait_for_function("() => window.__nbdlClick.firstThumb !== null", timeout=timeout_ms)
    b = page.evaluate("() => window.__nbdlClick")
    click_ms = page.locator(confusion).first.get_attribute("data-click-ms")
    return {
        "applied": b["applied"] - b["click"],
        "first_thumb": b["firstThumb"] - b["click"],
        "view_click_ms": float(click_ms) if click_ms else math.nan,
        "selected": int(page.locator(confusion).first.get_attribute("data-selected-count") or "0"),
    }
