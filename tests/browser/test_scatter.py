"""The data map and the cluster map in a real JupyterLab.

The lasso check is exact: the polygon the mouse draws is mapped to data
coordinates with the domain the page reports, and the kernel finds the
points inside it with matplotlib, independently of the browser's hit test.
"""

from __future__ import annotations

import json
from typing import Any

CLUSTER = '.nbdl-scatter[data-kind="cluster_map"]'
DATA = '.nbdl-scatter[data-kind="data_map"]'

SETUP = """
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
cmap = lens.cluster_map()
dmap = lens.data_map()
""".strip()


def attr(nb, root: str, name: str) -> Any:
    return nb.page.locator(root).first.get_attribute(f"data-{name}")


def wait_selected(nb, root: str, count: int) -> None:
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[root, count],
    )


def show_views(nb) -> None:
    nb.run_all()
    nb.run_code("display(cmap)")
    nb.run_code("display(dmap)")
    nb.wait_for(f'{CLUSTER}[data-ready="1"]')
    nb.wait_for(f'{DATA}[data-ready="1"]')


def test_both_maps_render(open_notebook):
    nb = open_notebook([SETUP])
    show_views(nb)
    n = nb.kernel_json("len(df)")
    assert int(attr(nb, CLUSTER, "n-drawn")) == n
    assert int(attr(nb, DATA, "n-drawn")) == n
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.screenshot("scatter-cluster-light")
    nb.page.locator(DATA).first.scroll_into_view_if_needed()
    nb.screenshot("scatter-data-light")
    assert json.loads("[" + attr(nb, DATA, "domain") + "]")[1] > 0.5


# Kernel helpers: the points inside a screen polygon, found with matplotlib from the
# layout the kernel sent, through the screen→data transform the page reports.
HELPERS = """
import numpy as np
from matplotlib.path import Path

def lasso_expected(poly, rect, domain):
    poly = np.asarray(poly, dtype=float)
    bx, by, bw, bh = rect
    x0, x1, y0, y1 = domain
    xy = lens.table.widget_model().layout_coords.astype(np.float64)
    data_poly = np.column_stack([
        x0 + (poly[:, 0] - bx) / bw * (x1 - x0),
        y1 - (poly[:, 1] - by) / bh * (y1 - y0),
    ])
    inside = Path(data_poly).contains_points(xy)
    # Screen distance of every point to the nearest polygon edge. The page maps the same
    # integer mouse positions with the same domain, so only a point practically on an
    # edge (rounding differences ~1e-12 px) could fall either way; the test avoids those.
    s = np.column_stack([bx + (xy[:, 0] - x0) / (x1 - x0) * bw, by + (y1 - xy[:, 1]) / (y1 - y0) * bh])
    a, b = poly, np.roll(poly, -1, axis=0)
    ab = b - a
    t = ((s[:, None, :] - a[None]) * ab[None]).sum(-1) / (ab * ab).sum(-1)[None]
    t = np.clip(t, 0, 1)
    closest = a[None] + t[..., None] * ab[None]
    dist = np.sqrt(((s[:, None, :] - closest) ** 2).sum(-1)).min()
    return {"ids": df.index[inside].tolist(), "min_dist": float(dist)}
""".strip()


def star(cx: float, cy: float, r: float) -> list[list[int]]:
    """A 12-vertex star around (cx, cy): simple (not self-crossing), with concave notches."""
    import math

    pts = []
    for k in range(12):
        rad = r if k % 2 == 0 else 0.62 * r
        ang = 2 * math.pi * k / 12
        pts.append([round(cx + rad * math.cos(ang)), round(cy + rad * math.sin(ang))])
    return pts


def plot_geometry(nb, root: str) -> tuple[list[float], list[float]]:
    box = nb.page.locator(f"{root} canvas.nbdl-scatter-points").first.bounding_box()
    domain = [float(v) for v in attr(nb, root, "domain").split(",")]
    return [box["x"], box["y"], box["width"], box["height"]], domain


def clear_polygon(nb, rect, domain, cx, cy, r) -> tuple[list[list[int]], list]:
    """A star near (cx, cy) with no point on its edges (within 0.02 px), and its expected ids."""
    for attempt in range(20):
        poly = star(cx + 3 * (attempt % 5), cy + 2 * (attempt // 5), r)
        got = nb.kernel_json(f"lasso_expected({poly}, {rect}, {domain})")
        if got["min_dist"] > 0.02:
            return poly, got["ids"]
    raise AssertionError("no polygon position keeps clear of the points")


def drag_lasso(nb, root: str, rect: list[float], poly: list[list[int]], modifier: str | None = None) -> None:
    """Drag `poly` (page pixels measured when the plot was at `rect`) where the plot is now.

    Running cells scrolls the notebook; scrolling moves the plot by whole pixels, so
    the polygon keeps its exact position relative to the plot.
    """
    nb.page.locator(root).first.scroll_into_view_if_needed()
    now, _ = plot_geometry(nb, root)
    dx, dy = now[0] - rect[0], now[1] - rect[1]
    assert abs(dx - round(dx)) < 1e-6 and abs(dy - round(dy)) < 1e-6, (rect, now)
    poly = [[x + round(dx), y + round(dy)] for x, y in poly]
    mouse = nb.page.mouse
    if modifier:
        nb.page.keyboard.down(modifier)
    mouse.move(*poly[0])
    mouse.down()
    for x, y in poly[1:]:
        mouse.move(x, y)
    mouse.up()
    if modifier:
        nb.page.keyboard.up(modifier)


def test_lasso_selects_exactly_the_points_inside_and_links_the_views(open_notebook):
    nb = open_notebook([SETUP, HELPERS])
    show_views(nb)
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    rect, domain = plot_geometry(nb, CLUSTER)
    cx, cy = rect[0] + rect[2] * 0.45, rect[1] + rect[3] * 0.5
    poly, expected = clear_polygon(nb, rect, domain, cx, cy, min(rect[2], rect[3]) * 0.22)
    assert 20 < len(expected) < 1500

    drag_lasso(nb, CLUSTER, rect, poly)
    wait_selected(nb, CLUSTER, len(expected))
    # The data map follows in the browser, before the kernel is asked anything.
    wait_selected(nb, DATA, len(expected))
    nb.screenshot("scatter-lasso-light")
    assert nb.kernel_json("lens.selected.tolist()") == expected

    # Shift-lasso adds a second region.
    poly2, expected2 = clear_polygon(
        nb, rect, domain, rect[0] + rect[2] * 0.62, rect[1] + rect[3] * 0.3, rect[3] * 0.15
    )
    union = nb.kernel_json(f"df.index[df.index.isin({expected} + {expected2})].tolist()")
    assert len(union) > len(expected)
    drag_lasso(nb, CLUSTER, rect, poly2, "Shift")
    wait_selected(nb, CLUSTER, len(union))
    assert nb.kernel_json("lens.selected.tolist()") == union

    # Alt-lasso subtracts it again.
    drag_lasso(nb, CLUSTER, rect, poly2, "Alt")
    wait_selected(nb, CLUSTER, len(expected))
    assert nb.kernel_json("lens.selected.tolist()") == expected

    # Escape with the pointer over the plot clears; a selection made in Python reaches both views.
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.page.locator(f"{CLUSTER} .nbdl-scatter-overlay").first.hover(position={"x": 5, "y": 5})
    nb.page.keyboard.press("Escape")
    wait_selected(nb, CLUSTER, 0)
    wait_selected(nb, DATA, 0)
    assert nb.kernel_json("len(lens.selected)") == 0
    nb.run_code("lens.select(df.index[:40])")
    wait_selected(nb, CLUSTER, 40)
    wait_selected(nb, DATA, 40)
    assert nb.page.locator(f"{CLUSTER} .nbdl-scatter-count").inner_text() == "40 of 1,797 selected"
