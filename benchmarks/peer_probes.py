"""Page side of ``benchmarks/peers.py``: one pixel definition of "drawn" for every tool.

Each tool draws its points on a canvas (nbdatalens: a 2D canvas; jupyter-scatter:
a shared WebGL canvas that regl-scatterplot copies into a 2D canvas per plot;
embedding-atlas: a WebGPU canvas). The probes never ask a tool whether it is done:
on every animation frame they copy the tool's canvas into a private 2D canvas
(``drawImage``, then ``getImageData``) and count pixels, so every tool is judged by
what is on its canvas, read the same way:

- ``count``: pixels that differ from the canvas's top-left pixel (its background);
  "drawn" is the first frame whose count reaches 90 % of the count the canvas
  settles at (no change for ``quiet`` ms);
- ``diff``: pixels that differ from a baseline frame taken when the probe starts
  (before a lasso's mouse-down); "changed" is the first frame after the mouse-up
  whose difference reaches 90 % of the settled difference;
- ``change``: pixels that differ from the previous frame (a wheel zoom's frames);
  "full detail" is the last frame that changed before ``quiet`` ms without change.

Copying a canvas takes a few ms per frame on this software-rendered Chromium; it
is the same cost for every tool. Times are on the page's clock
(``performance.now()``). The websocket counter records bytes and the largest
single message since its last reset, read on every sampled frame, so the bytes
"between run-cell and drawn" are the ones counted up to the drawn frame.
"""

from __future__ import annotations

from typing import Any

from notebook_page import FIND_PANEL_JS, append_cell  # tests/browser, on sys.path
from playwright.sync_api import BrowserContext, Page

#: Every websocket message the page receives: total bytes and the largest one since reset.
PEER_WS_COUNTER = """
(() => {
  const Native = window.WebSocket;
  const c = { bytes: 0, max: 0, messages: 0 };
  c.reset = () => { c.bytes = 0; c.max = 0; c.messages = 0; };
  window.__peerWs = c;
  class CountingWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        const d = ev.data;
        const n = typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
        c.bytes += n;
        c.messages += 1;
        if (n > c.max) c.max = n;
      });
    }
  }
  window.WebSocket = CountingWebSocket;
})();
"""

#: The sampler: ``window.__peerProbe.start(cellNode, selector, mode)`` and friends.
_SAMPLER = """
(() => {
  if (window.__peerProbe) return;
  const scratch = document.createElement('canvas');
  const ctx = scratch.getContext('2d', { willReadFrequently: true });
  const MAX_SIDE = 900;
  const TOL = 8;
  const P = { rec: null, raf: null };
  window.__peerProbe = P;

  // The tool's canvas: `selector` inside the cell, else the largest canvas (first on ties).
  P.findCanvas = (root, selector) => {
    if (!root) return null;
    if (selector) return root.querySelector(selector);
    let best = null, area = 0;
    for (const c of root.querySelectorAll('canvas')) {
      const r = c.getBoundingClientRect();
      const a = r.width * r.height;
      if (a > area + 0.5) { best = c; area = a; }
    }
    return best;
  };

  P.grab = (canvas) => {
    const w = canvas.width, h = canvas.height;
    if (!w || !h) return null;
    const s = Math.min(1, MAX_SIDE / Math.max(w, h));
    const pw = Math.max(1, Math.round(w * s)), ph = Math.max(1, Math.round(h * s));
    if (scratch.width !== pw || scratch.height !== ph) { scratch.width = pw; scratch.height = ph; }
    ctx.clearRect(0, 0, pw, ph);
    ctx.drawImage(canvas, 0, 0, pw, ph);
    return ctx.getImageData(0, 0, pw, ph).data;
  };

  const differs = (a, i, b, j) =>
    Math.abs(a[i] - b[j]) > TOL || Math.abs(a[i + 1] - b[j + 1]) > TOL ||
    Math.abs(a[i + 2] - b[j + 2]) > TOL || Math.abs(a[i + 3] - b[j + 3]) > TOL;

  const countNonBackground = (px) => {
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (differs(px, i, px, 0)) n++;
    return n;
  };
  const countDiff = (a, b) => {
    if (!a || !b || a.length !== b.length) return a ? a.length / 4 : 0;
    let n = 0;
    for (let i = 0; i < a.length; i += 4) if (differs(a, i, b, i)) n++;
    return n;
  };

  P.tick = () => {
    const r = P.rec;
    if (!r || r.stopped) return;
    P.raf = requestAnimationFrame(P.tick);
    const canvas = P.findCanvas(r.root(), r.selector);
    if (!canvas) return;
    const px = P.grab(canvas);
    if (!px) return;
    const t = performance.now() - r.t0;
    r.pixels = px.length / 4;
    r.size = [canvas.width, canvas.height];
    let v;
    if (r.mode === 'count') v = countNonBackground(px);
    else if (r.mode === 'diff') {
      if (!r.base) { r.base = px.slice(); return; }
      v = countDiff(px, r.base);
    } else { v = countDiff(px, r.prev); r.prev = px.slice(); }
    const ws = window.__peerWs;
    r.samples.push([t, v, ws ? ws.bytes : 0, ws ? ws.max : 0]);
    // Change = more than 0.05 % of the canvas's pixels moved (or any, for a tiny count).
    const last = r.lastValue;
    const eps = Math.max(2, 0.0005 * r.pixels);
    if (r.mode === 'change' ? v > eps : last === null || Math.abs(v - last) > eps) r.lastChange = t;
    r.lastValue = v;
  };

  P.start = (root, selector, mode) => {
    P.stop();
    P.rec = { root, selector, mode, t0: performance.now(), samples: [], lastValue: null,
              lastChange: null, base: null, prev: null, pixels: 0, size: null, stopped: false,
              marks: {} };
    P.raf = requestAnimationFrame(P.tick);
  };
  P.stop = () => { if (P.rec) P.rec.stopped = true; if (P.raf) cancelAnimationFrame(P.raf); };
  P.mark = (name) => { if (P.rec) P.rec.marks[name] = performance.now() - P.rec.t0; };
  // Settled: sampled for a while, the last change is `quiet` ms old, and (count) enough drawn.
  P.settled = (quiet, minShare) => {
    const r = P.rec;
    if (!r || r.samples.length < 3) return false;
    const now = performance.now() - r.t0;
    const since = r.lastChange === null ? r.samples[0][0] : r.lastChange;
    if (now - since < quiet) return false;
    if (r.mode === 'count') return r.lastValue >= minShare * r.pixels;
    return true;
  };
  P.record = () => {
    const r = P.rec;
    return { samples: r.samples, pixels: r.pixels, size: r.size, marks: r.marks,
             lastChange: r.lastChange };
  };
})();
"""

_START_RUN = (
    "([path, index, selector]) => {"
    + FIND_PANEL_JS
    + """
const node = panel.content.widgets[index].node;
window.jupyterapp.shell.activateById(panel.id);
window.__peerWs.reset();
window.__peerProbe.start(() => node, selector, 'count');
window.__peerRun = { done: null, error: null };
window.jupyterapp.commands.execute('notebook:run-cell').then(
  () => { window.__peerProbe.mark('cell_done'); },
  (err) => { window.__peerProbe.mark('cell_done'); window.__peerRun.error = String(err); });
}"""
)

_CELL_TEXT = (
    "([path, index]) => {"
    + FIND_PANEL_JS
    + """
const cell = panel.content.widgets[index];
const outputs = cell.model.outputs.toJSON();
const error = outputs.find((o) => o.output_type === 'error');
const text = (cell.node.querySelector('.jp-Cell-outputArea') || cell.node).innerText || '';
return { error: error ? error.ename + ': ' + error.evalue : null, text: text.slice(0, 400) };
}"""
)

_START_AT = (
    "([path, index, selector, mode]) => {"
    + FIND_PANEL_JS
    + """
const node = panel.content.widgets[index].node;
window.__peerProbe.start(() => node, selector, mode);
const onUp = (ev) => { window.__peerProbe.mark(ev.type); };
window.__peerUp?.();
for (const type of ['pointerup', 'wheel']) window.addEventListener(type, onUp, true);
window.__peerUp = () => {
  for (const type of ['pointerup', 'wheel']) window.removeEventListener(type, onUp, true);
};
}"""
)


def install_peer_probes(context: BrowserContext) -> None:
    """The websocket counter and the pixel sampler, in every page the context opens."""
    context.add_init_script(PEER_WS_COUNTER)
    context.add_init_script(_SAMPLER)


def canvas_box(page: Page, path: str, index: int, selector: str | None) -> dict[str, float]:
    """The page box (CSS px) of the tool's canvas in cell ``index``."""
    box = page.evaluate(
        "([path, index, selector]) => {"
        + FIND_PANEL_JS
        + """
const node = panel.content.widgets[index].node;
const c = window.__peerProbe.findCanvas(node, selector);
if (!c) return null;
c.scrollIntoView({ block: 'center' });
const r = c.getBoundingClientRect();
return { x: r.x, y: r.y, width: r.width, height: r.height };
}""",
        [path, index, selector],
    )
    if box is None:
        raise RuntimeError("the tool's canvas is not on the page")
    return box


def _first_reaching(samples: list[list[float]], target: float, after: float) -> list[float] | None:
    for sample in samples:
        if sample[0] >= after and sample[1] >= target:
            return sample
    return None


def time_drawn(
    page: Page,
    path: str,
    code: str,
    selector: str | None,
    timeout_ms: float,
    quiet_ms: float = 1500,
    min_share: float = 0.002,
    give_up: Any = None,
) -> dict[str, Any]:
    """Run ``code`` as a new cell; time run-cell → the tool's canvas drawn (pixels).

    Returns ``drawn`` (ms; None when it never drew), ``settled_count`` (non-background
    pixels at the end), ``ws_bytes`` / ``ws_max`` counted up to the drawn frame,
    ``cell_done`` (kernel reply), the canvas ``size`` and the cell's error or text.
    ``give_up()`` (optional) is called every second; True ends the wait early.
    """
    index = append_cell(page, path, code)
    page.evaluate(_START_RUN, [path, index, selector])
    deadline_s = timeout_ms / 1000
    waited = 0.0
    settled = False
    while waited < deadline_s:
        try:
            page.wait_for_function(
                "([q, m]) => window.__peerProbe.settled(q, m)",
                arg=[quiet_ms, min_share],
                timeout=1000,
                polling=100,
            )
            settled = True
            break
        except Exception:  # a Playwright timeout: poll again
            waited += 1.0
            if give_up is not None and give_up():
                break
    page.evaluate("() => window.__peerProbe.stop()")
    rec = page.evaluate("() => window.__peerProbe.record()")
    cell = page.evaluate(_CELL_TEXT, [path, index])
    samples = rec["samples"]
    out: dict[str, Any] = {
        "index": index,
        "settled": settled,
        "cell_done": rec["marks"].get("cell_done"),
        "size": rec["size"],
        "pixels": rec["pixels"],
        "frames_sampled": len(samples),
        "cell_error": cell["error"],
        "cell_text": cell["text"],
        "drawn": None,
        "ws_bytes": samples[-1][2] if samples else None,
        "ws_max": samples[-1][3] if samples else None,
        "settled_count": samples[-1][1] if samples else 0,
    }
    if settled and samples:
        final = samples[-1][1]
        hit = _first_reaching(samples, 0.9 * final, 0.0)
        if hit is not None:
            out["drawn"], _, out["ws_bytes"], out["ws_max"] = hit
    return out


def lasso_path(
    page: Page, points: list[tuple[float, float]], steps: int = 3, pause_ms: int = 0
) -> None:
    """Press, drag through ``points`` (page px, back to the first) and release the mouse."""
    mouse = page.mouse
    mouse.move(*points[0])
    mouse.down()
    for x, y in [*points[1:], points[0]]:
        mouse.move(x, y, steps=steps)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    mouse.up()


def time_lasso_pixels(
    page: Page,
    path: str,
    index: int,
    selector: str | None,
    points: list[tuple[float, float]],
    quiet_ms: float = 1500,
    timeout_ms: float = 60_000,
) -> dict[str, Any]:
    """Lasso ``points``; time the mouse-up → the canvas's pixels changed (90 % of final)."""
    page.evaluate(_START_AT, [path, index, selector, "diff"])
    page.wait_for_function("() => window.__peerProbe.rec.base !== null", timeout=10_000)
    lasso_path(page, points)
    page.wait_for_function(
        "(q) => window.__peerProbe.rec.marks.pointerup !== undefined"
        " && window.__peerProbe.settled(q, 0)",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )
    page.evaluate("() => { window.__peerProbe.stop(); window.__peerUp?.(); }")
    rec = page.evaluate("() => window.__peerProbe.record()")
    up = rec["marks"]["pointerup"]
    after = [s for s in rec["samples"] if s[0] >= up]
    final = after[-1][1] if after else 0
    hit = _first_reaching(after, 0.9 * final, up) if final > 0 else None
    return {
        "changed": None if hit is None else hit[0] - up,
        "changed_pixels": final,
        "share_changed": final / rec["pixels"] if rec["pixels"] else 0.0,
    }


def time_zoom_pixels(
    page: Page,
    path: str,
    index: int,
    selector: str | None,
    at: tuple[float, float],
    delta: float,
    quiet_ms: float = 1500,
    timeout_ms: float = 60_000,
) -> dict[str, Any]:
    """One wheel step at ``at``; wheel → first changed frame and → last change (full detail)."""
    page.mouse.move(*at)
    page.evaluate(_START_AT, [path, index, selector, "change"])
    page.wait_for_timeout(200)
    page.mouse.wheel(0, delta)
    page.wait_for_function(
        "(q) => window.__peerProbe.rec.marks.wheel !== undefined"
        " && window.__peerProbe.rec.samples.length > 2 && window.__peerProbe.settled(q, 0)",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )
    page.evaluate("() => { window.__peerProbe.stop(); window.__peerUp?.(); }")
    rec = page.evaluate("() => window.__peerProbe.record()")
    wheel = rec["marks"]["wheel"]
    eps = max(2, 0.0005 * rec["pixels"])
    changed = [s for s in rec["samples"] if s[0] >= wheel and s[1] > eps]
    return {
        "first": changed[0][0] - wheel if changed else None,
        "full": changed[-1][0] - wheel if changed else None,
        "frames_changed": len(changed),
    }


def heap_mib(page: Page, context: BrowserContext) -> dict[str, float]:
    """The page's JS heap after a forced garbage collection (CDP), in MiB."""
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.enable")
        cdp.send("HeapProfiler.collectGarbage")
        usage = cdp.send("Runtime.getHeapUsage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    finally:
        cdp.detach()
    return {
        "used": usage["usedSize"] / 2**20,
        "total": usage["totalSize"] / 2**20,
        "metrics_used": metrics.get("JSHeapUsedSize", float("nan")) / 2**20,
    }


def webgpu_status(page: Page) -> str:
    """What the page gets from ``navigator.gpu`` (embedding-atlas 0.26 draws with WebGPU)."""
    return page.evaluate(
        """async () => {
  if (!navigator.gpu) return 'no navigator.gpu';
  try {
    const a = await navigator.gpu.requestAdapter();
    if (!a) return 'navigator.gpu.requestAdapter() returned null (no WebGPU adapter)';
    return 'adapter; shader-f16=' + a.features.has('shader-f16');
  } catch (e) { return 'requestAdapter threw ' + e; }
}"""
    )
