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
    # The data map's fixed axes: variability 0..0.5 and confidence 0..1 are on screen.
    x0, x1, y0, y1 = json.loads("[" + attr(nb, DATA, "domain") + "]")
    assert x0 < 0 and x1 > 0.5 and y0 < 0 and y1 > 1

    # Dark theme: both maps redraw on the theme's background (with a selection shown).
    nb.run_code("lens.select(lens.derived.index[lens.derived['region'] == 'hard-to-learn'])")
    nb.set_theme("JupyterLab Dark")
    try:
        nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
        nb.screenshot("scatter-cluster-selected-dark")
        nb.page.locator(DATA).first.scroll_into_view_if_needed()
        nb.screenshot("scatter-data-selected-dark")
        # The canvas behind the points is the dark page, not a white box.
        corner = nb.page.evaluate(
            "(sel) => { const c = document.querySelector(sel + ' canvas.nbdl-scatter-points');"
            " return getComputedStyle(c.closest('.nbdl-scatter')).backgroundColor; }",
            DATA,
        )
        assert corner != "rgb(255, 255, 255)"
    finally:
        nb.set_theme("JupyterLab Light")


# Kernel helpers: the points inside a screen polygon, found with matplotlib from the
# layout the kernel sent, through the screen→data transform the page reports.
HELPERS = """
import numpy as np
from matplotlib.path import Path

def screen_xy(rect, domain):
    bx, by, bw, bh = rect
    x0, x1, y0, y1 = domain
    xy = lens.model.layout_coords.astype(np.float64)
    return np.column_stack([
        bx + (xy[:, 0] - x0) / (x1 - x0) * bw,
        by + (y1 - xy[:, 1]) / (y1 - y0) * bh,
    ])

def lasso_expected(poly, rect, domain):
    poly = np.asarray(poly, dtype=float)
    bx, by, bw, bh = rect
    x0, x1, y0, y1 = domain
    xy = lens.model.layout_coords.astype(np.float64)
    data_poly = np.column_stack([
        x0 + (poly[:, 0] - bx) / bw * (x1 - x0),
        y1 - (poly[:, 1] - by) / bh * (y1 - y0),
    ])
    inside = Path(data_poly).contains_points(xy)
    # Screen distance of every point to the nearest polygon edge. The page maps the same
    # integer mouse positions with the same domain, so only a point practically on an
    # edge (rounding differences ~1e-12 px) could fall either way; the test avoids those.
    s = screen_xy(rect, domain)
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


def drag_through(
    nb, root: str, rect: list[float], poly: list[list[int]], modifier: str | None = None
) -> None:
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

    drag_through(nb, CLUSTER, rect, poly)
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
    drag_through(nb, CLUSTER, rect, poly2, "Shift")
    wait_selected(nb, CLUSTER, len(union))
    assert nb.kernel_json("lens.selected.tolist()") == union

    # Alt-lasso subtracts it again.
    drag_through(nb, CLUSTER, rect, poly2, "Alt")
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


# The point whose screen neighbourhood is emptiest, so hovering it cannot pick another.
LONELY = """
def lonely_point(rect, domain):
    s = screen_xy(rect, domain)
    d = np.sqrt(((s[:, None, :] - s[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    i = int(d.min(1).argmax())
    label = str(df["label"].iloc[i])
    return {"pos": i, "xy": s[i].tolist(), "id": str(df.index[i]), "label": label}
""".strip()


def legend_texts(nb, root: str) -> list[str]:
    return nb.page.locator(f"{root} .nbdl-scatter-legend-item").all_inner_texts()


def test_colour_by_legend_hover_zoom_and_reset(open_notebook):
    nb = open_notebook([SETUP, HELPERS, LONELY])
    show_views(nb)
    menu = nb.page.locator(f"{CLUSTER} select.nbdl-scatter-color").first

    # From the menu to the kernel: a numeric column gets a colour bar.
    menu.select_option("loss")
    nb.wait_for(f"{CLUSTER} .nbdl-scatter-colorbar")
    assert nb.kernel_json("cmap.color_by") == "loss"

    # From the kernel to the page: a coded column gets a legend of its categories.
    nb.run_code('cmap.color_by = "region"')
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel + ' select.nbdl-scatter-color').value === 'region'",
        arg=CLUSTER,
    )
    nb.wait_for(f"{CLUSTER} .nbdl-scatter-legend-item")
    assert set(legend_texts(nb, CLUSTER)) <= {"easy-to-learn", "ambiguous", "hard-to-learn"}

    # A user column the browser does not hold yet is fetched on demand.
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    menu.select_option("is_noisy")
    nb.page.wait_for_function(
        "(sel) => [...document.querySelectorAll(sel + ' .nbdl-scatter-legend-item')]"
        ".map((e) => e.textContent).join() === 'False,True'",
        arg=CLUSTER,
    )
    # Clicking a legend entry selects that category.
    noisy = nb.kernel_json("df.index[df['is_noisy']].tolist()")
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.page.locator(f"{CLUSTER} .nbdl-scatter-legend-item", has_text="True").click()
    wait_selected(nb, CLUSTER, len(noisy))
    assert nb.kernel_json("lens.selected.tolist()") == noisy
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.screenshot("scatter-noisy-selected-light")

    # Hover: the tooltip shows the label at once and the sample id from the kernel.
    rect, domain = plot_geometry(nb, CLUSTER)
    target = nb.kernel_json(f"lonely_point({rect}, {domain})")
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    now, _ = plot_geometry(nb, CLUSTER)
    x, y = target["xy"][0] + now[0] - rect[0], target["xy"][1] + now[1] - rect[1]
    nb.page.mouse.move(x + 1, y + 1)
    tooltip = nb.wait_for(f"{CLUSTER} .nbdl-scatter-tooltip")
    nb.page.wait_for_function(
        "([sel, id]) => document.querySelector(sel + ' .nbdl-scatter-tooltip')"
        ".textContent.includes('id' + id)",
        arg=[CLUSTER, target["id"]],
    )
    assert f"label{target['label']}" in tooltip.text_content()
    nb.screenshot("scatter-tooltip-light")
    builds = int(attr(nb, CLUSTER, "grid-builds"))

    # Clicking that point selects it alone; the wheel zooms around the cursor.
    nb.page.mouse.click(x, y)
    wait_selected(nb, CLUSTER, 1)
    assert nb.kernel_json("lens.selected.tolist()") == [int(target["id"])]
    # The selection redrew every point, but the point index still fits.
    nb.page.wait_for_timeout(500)  # longer than the index's build delay
    assert int(attr(nb, CLUSTER, "grid-builds")) == builds
    before = [float(v) for v in attr(nb, CLUSTER, "domain").split(",")]
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    now, _ = plot_geometry(nb, CLUSTER)
    # Whole pixels: wheel events report integer client coordinates.
    x = round(target["xy"][0] + now[0] - rect[0])
    y = round(target["xy"][1] + now[1] - rect[1])
    nb.page.mouse.move(x, y)
    nb.page.mouse.wheel(0, -400)
    nb.page.wait_for_function(
        "([sel, w]) => { const d = document.querySelector(sel).dataset.domain.split(',')"
        ".map(Number); return d[1] - d[0] < w / 2; }",
        arg=[CLUSTER, before[1] - before[0]],
    )
    after = [float(v) for v in attr(nb, CLUSTER, "domain").split(",")]
    # The data point under the cursor stayed put: same data x at the cursor's fraction.
    fx = (x - now[0]) / now[2]
    under_before = before[0] + fx * (before[1] - before[0])
    under_after = after[0] + fx * (after[1] - after[0])
    assert abs(under_before - under_after) < 1e-9 * (before[1] - before[0])
    # The point index is in data space: the zoom keeps it, and hover still finds the
    # point that stayed under the cursor.
    nb.page.wait_for_timeout(500)
    nb.page.mouse.move(x + 0.5, y + 0.5)
    nb.page.wait_for_function(
        "([sel, id]) => { const t = document.querySelector(sel + ' .nbdl-scatter-tooltip');"
        " return t && !t.hidden && t.textContent.includes('id' + id); }",
        arg=[CLUSTER, target["id"]],
    )
    assert int(attr(nb, CLUSTER, "grid-builds")) == builds
    assert int(attr(nb, CLUSTER, "n-drawn")) < nb.kernel_json("len(df)")
    # A double-click on empty space fits the data again and keeps the selection.
    fitted = ",".join(_fmt(v) for v in before)
    corner = nb.page.locator(f"{CLUSTER} canvas.nbdl-scatter-overlay").first
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    corner.dblclick(position={"x": 8, "y": 8})
    nb.page.wait_for_function(
        "([sel, d]) => document.querySelector(sel).dataset.domain === d", arg=[CLUSTER, fitted]
    )
    nb.page.wait_for_timeout(400)  # longer than the double-click wait
    assert attr(nb, CLUSTER, "selected-count") == "1"

    # So does the Reset button; a single click on empty space clears the selection.
    nb.page.mouse.move(x, y)
    nb.page.mouse.wheel(0, -400)
    nb.page.wait_for_function(
        "([sel, d]) => document.querySelector(sel).dataset.domain !== d", arg=[CLUSTER, fitted]
    )
    nb.page.locator(f"{CLUSTER} .nbdl-scatter-reset").click()
    nb.page.wait_for_function(
        "([sel, d]) => document.querySelector(sel).dataset.domain === d", arg=[CLUSTER, fitted]
    )
    corner.click(position={"x": 8, "y": 8})
    wait_selected(nb, CLUSTER, 0)
    assert nb.kernel_json("len(lens.selected)") == 0


def _fmt(value: float) -> str:
    """JavaScript's String(number) for the floats the page writes (shortest round trip)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


XSS_NAME = '<img src=x onerror="window.__xss=1">'
XSS_SETUP = f"""
import numpy as np
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
name = {XSS_NAME!r}
values = np.array(["<b>bold</b>", "plain", '<img src=y onerror="window.__xss=2">'])
df[name] = values[np.arange(len(df)) % 3]
lens = DataLens(df, projection="pca")
cmap = lens.cluster_map(color_by=name)
cmap
""".strip()


def test_user_strings_stay_text_and_dark_theme(open_notebook):
    nb = open_notebook([XSS_SETUP])
    nb.run_all()
    nb.wait_for(f'{CLUSTER}[data-ready="1"]')
    nb.page.wait_for_function(
        "(sel) => document.querySelectorAll(sel + ' .nbdl-scatter-legend-item').length === 3",
        arg=CLUSTER,
    )
    root = nb.page.locator(CLUSTER).first
    assert root.locator(".nbdl-scatter-legend-title").inner_text() == XSS_NAME
    assert sorted(legend_texts(nb, CLUSTER)) == sorted(
        ["<b>bold</b>", "plain", '<img src=y onerror="window.__xss=2">']
    )
    options = root.locator("select.nbdl-scatter-color option").all_inner_texts()
    assert XSS_NAME in options
    assert root.locator("img, b").count() == 0
    assert nb.page.evaluate("() => window.__xss === undefined")

    # A page that opens in the dark theme draws dark from the first frame.
    nb.set_theme("JupyterLab Dark")
    try:
        dark = open_notebook([XSS_SETUP, "lens.select(df.index[df[name] == 'plain'])"])
        dark.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        dark.run_all()
        dark.wait_for(f'{CLUSTER}[data-ready="1"]')
        wait_selected(dark, CLUSTER, 599)
        dark.page.locator(CLUSTER).first.scroll_into_view_if_needed()
        dark.page.wait_for_timeout(300)
        dark.screenshot("scatter-cluster-dark")
        # Dimmed points are blended toward the dark background: sample the canvas pixels.
        bright_share = dark.page.evaluate(
            """(sel) => {
              const c = document.querySelector(sel + ' canvas.nbdl-scatter-points');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0, bright = 0;
              for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] === 0) continue;
                n++;
                if (d[i] + d[i + 1] + d[i + 2] > 600) bright++;
              }
              return bright / Math.max(1, n);
            }""",
            CLUSTER,
        )
        assert bright_share < 0.05
    finally:
        nb.set_theme("JupyterLab Light")


def test_new_layout_replaces_the_old_keeps_the_selection_and_box_selects(open_notebook):
    nb = open_notebook([SETUP, HELPERS])
    show_views(nb)
    # The layout job reports progress, then delivers a new layout (as UMAP does after PCA).
    model = "lens.model"
    nb.run_code(f"{model}.coords_status = 'computing UMAP layout… (PCA shown meanwhile)'")
    status = nb.wait_for(f"{CLUSTER} .nbdl-scatter-status")
    assert status.inner_text() == "computing UMAP layout… (PCA shown meanwhile)"
    assert nb.page.locator(f"{CLUSTER} .nbdl-scatter-method").inner_text() == "PCA"
    nb.run_code("lens.select(df.index[:30])")
    wait_selected(nb, CLUSTER, 30)
    before = attr(nb, CLUSTER, "domain")
    nb.run_code(
        "xy = lens.model.layout_coords\n"
        f"{model}._set_coords(np.column_stack([xy[:, 1] * 10 + 100, -xy[:, 0] * 10]), 'umap')"
    )
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel + ' .nbdl-scatter-method').textContent === 'UMAP'",
        arg=CLUSTER,
    )
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel + ' .nbdl-scatter-status').hidden", arg=CLUSTER
    )
    # The view fits the new layout and keeps the selection.
    nb.page.wait_for_function(
        "([sel, d]) => document.querySelector(sel).dataset.domain !== d", arg=[CLUSTER, before]
    )
    x0, x1, _, _ = (float(v) for v in attr(nb, CLUSTER, "domain").split(","))
    assert x0 < 100 < x1
    assert attr(nb, CLUSTER, "selected-count") == "30"
    assert int(attr(nb, CLUSTER, "n-drawn")) == 1797

    # Box mode from the kernel; a dragged box selects the points inside it.
    nb.run_code("cmap.mode = 'box'")
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel + ' [data-mode=box]')"
        ".getAttribute('aria-pressed') === 'true'",
        arg=CLUSTER,
    )
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    nb.page.wait_for_timeout(700)  # let the layout animation finish
    rect, domain = plot_geometry(nb, CLUSTER)
    for shift in range(20):  # a box with no point on its edges (see clear_polygon)
        a = [round(rect[0] + rect[2] * 0.35) + shift, round(rect[1] + rect[3] * 0.3)]
        b = [round(rect[0] + rect[2] * 0.6) + shift, round(rect[1] + rect[3] * 0.7)]
        box = [a, [b[0], a[1]], b, [a[0], b[1]]]
        expected = nb.kernel_json(f"lasso_expected({box}, {rect}, {domain})")
        if expected["min_dist"] > 0.02:
            break
    assert expected["min_dist"] > 0.02 and len(expected["ids"]) > 10
    drag_through(nb, CLUSTER, rect, [a, b])
    wait_selected(nb, CLUSTER, len(expected["ids"]))
    assert nb.kernel_json("lens.selected.tolist()") == expected["ids"]
