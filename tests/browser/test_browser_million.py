"""A million points in a real JupyterLab: lazy, chunked columns keep today's semantics.

- The cluster map draws every point once its chunked, 16-bit layout has arrived.
- A lasso selects exactly the points inside the drawn polygon, checked in the kernel
  against ``lens.model.layout_coords`` (the quantised coordinates the page draws).
- Colouring by a column the page has not received fetches it then and draws it.
"""

from __future__ import annotations

import itertools
import json

from test_browser_scatter import (
    CLUSTER,
    attr,
    drag_through,
    plot_geometry,
    star,
    wait_selected,
)

N = 1_000_000

SETUP = f"""
import numpy as np, pandas as pd
from matplotlib.path import Path
from nbdatalens import DataLens
rng = np.random.default_rng(7)
centres = rng.uniform(-10, 10, size=(8, 2))
label = rng.integers(0, 8, {N})
xy = centres[label] + rng.normal(scale=1.3, size=({N}, 2))
df = pd.DataFrame({{"label": label.astype(str), "x": xy[:, 0], "y": xy[:, 1]}})
df["score"] = df["x"]  # a user column nobody colours by until the test does
lens = DataLens(df)
cmap = lens.cluster_map()
""".strip()

# The points inside a page polygon, from the coordinates the page draws; and how close
# the nearest point comes to an edge (only one practically on an edge, ~1e-12 px of
# float rounding, could fall either way; the test keeps clear by 1e-6 px).
HELPERS = """
def lasso_check(poly, rect, domain):
    poly = np.asarray(poly, dtype=float)
    bx, by, bw, bh = rect
    x0, x1, y0, y1 = domain
    xy = lens.model.layout_coords.astype(np.float64)
    sx = bx + (xy[:, 0] - x0) / (x1 - x0) * bw
    sy = by + (y1 - xy[:, 1]) / (y1 - y0) * bh
    data_poly = np.column_stack([
        x0 + (poly[:, 0] - bx) / bw * (x1 - x0),
        y1 - (poly[:, 1] - by) / bh * (y1 - y0),
    ])
    inside = Path(data_poly).contains_points(xy)
    near = ((sx > poly[:, 0].min() - 1) & (sx < poly[:, 0].max() + 1)
            & (sy > poly[:, 1].min() - 1) & (sy < poly[:, 1].max() + 1))
    s = np.column_stack([sx[near], sy[near]])
    a, b = poly, np.roll(poly, -1, axis=0)
    dist = np.inf
    for p, q in zip(a, b):
        d = q - p
        t = np.clip(((s - p) @ d) / (d @ d), 0, 1)
        dist = min(dist, float(np.sqrt((((p + t[:, None] * d) - s) ** 2).sum(1)).min()))
    global _expected
    _expected = np.flatnonzero(inside)
    return {"count": int(inside.sum()), "min_dist": dist}

def same_selection(expected):
    got = lens.table.selection
    return bool(np.array_equal(got, expected))
""".strip()


# Mean green channel of the drawn (non-transparent) pixels in each of `strips` vertical
# strips of the points canvas: viridis' green rises from 1 (low) to 231 (high).
STRIP_GREEN = """
([sel, strips]) => {
  const canvas = document.querySelector(sel + ' canvas.nbdl-scatter-points');
  const { width: w, height: h } = canvas;
  const data = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  const sum = new Float64Array(strips), count = new Float64Array(strips);
  for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) {
    const i = (y * w + x) * 4;
    if (data[i + 3] < 255) continue;
    const s = Math.min(strips - 1, Math.floor((x / w) * strips));
    sum[s] += data[i + 1]; count[s] += 1;
  }
  return Array.from(sum, (v, s) => (count[s] > 50 ? v / count[s] : null));
}
"""


def test_a_million_points_lasso_exactly_and_colour_by_a_column_not_yet_sent(open_notebook):
    nb = open_notebook([SETUP, HELPERS])
    nb.run_all(timeout_ms=240_000)
    nb.run_code("display(cmap)")
    nb.wait_for(f'{CLUSTER}[data-ready="1"]', timeout_ms=120_000)
    assert int(attr(nb, CLUSTER, "n-drawn")) == N
    info = nb.kernel_json("sorted(lens.model.column_info)")
    assert "score" not in info  # nothing has asked for it
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.screenshot("million-cluster-map")

    rect, domain = plot_geometry(nb, CLUSTER)
    cx, cy = rect[0] + rect[2] * 0.5, rect[1] + rect[3] * 0.5
    for attempt in range(10):
        poly = star(cx + 3 * attempt, cy + 2 * attempt, min(rect[2], rect[3]) * 0.2)
        check = nb.kernel_json(f"lasso_check({poly}, {rect}, {domain})")
        if check["min_dist"] > 1e-6:
            break
    else:
        raise AssertionError("no polygon position keeps clear of the points")
    assert 10_000 < check["count"] < N // 2

    drag_through(nb, CLUSTER, rect, poly)
    wait_selected(nb, CLUSTER, check["count"])
    for _ in range(50):  # the page has it; the kernel hears it with the next comm message
        if nb.kernel_json("len(lens.table.selection)") == check["count"]:
            break
        nb.page.wait_for_timeout(200)
    assert nb.kernel_json("same_selection(_expected)") is True
    nb.screenshot("million-lasso")

    # Colour by the column the page has not received: it is fetched and drawn.
    nb.run_code("lens.select([])")
    wait_selected(nb, CLUSTER, 0)
    nb.run_code("cmap.color_by = 'score'")
    nb.page.wait_for_function(
        "(sel) => { const r = document.querySelector(sel);"
        " return r.dataset.ready === '1' && r.querySelector('.nbdl-scatter-colorbar') !== null; }",
        arg=CLUSTER,
        timeout=120_000,
    )
    assert "score" in nb.kernel_json("sorted(lens.model.column_info)")
    green = nb.page.evaluate(STRIP_GREEN, [CLUSTER, 16])
    shown = [g for g in green if g is not None]
    assert len(shown) >= 5, green
    # Colour follows x (score = x): green rises left to right.
    assert all(b > a for a, b in itertools.pairwise(shown)), json.dumps(green)
    assert shown[-1] - shown[0] > 80, green
    nb.screenshot("million-colour-by-score")
