"""What every host must show of ``lens.show()``: each view drawn, checked on the page's
pixels and DOM, and a confusion-matrix click. Shared by the Notebook 7 and marimo tests.

Locators pierce open shadow roots (marimo draws each anywidget in one), so every check
goes through ``page.locator`` rather than ``document.querySelector``.
"""

from __future__ import annotations

import json

from playwright.sync_api import Page

CONFUSION = ".nbdl-confusion"
CLUSTER = '.nbdl-scatter[data-kind="cluster_map"]'
DATA_MAP = '.nbdl-scatter[data-kind="data_map"]'
#: Each view's root once it has drawn.
READY = {
    "toolbar": ".nbdl-toolbar[data-ready='1']",
    "issues": ".nbdl-issues[data-ready='1']",
    "confusion": f"{CONFUSION}[data-ready='1']",
    "data map": f"{DATA_MAP}[data-ready='1']",
    "cluster map": f"{CLUSTER}[data-ready='1']",
    "gallery": ".nbdl-gallery[data-ready='1']",
}

# Painted (non-transparent) pixels of a canvas.
_PAINTED = """(c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
  return n;
}"""


def wait_all_views_drawn(page: Page, timeout_ms: float = 90_000) -> None:
    """Every view of the dashboard is ready, its canvases hold pixels and the gallery tiles
    their thumbnails; fails naming the view that did not draw."""
    for name, selector in READY.items():
        try:
            page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
        except Exception as error:
            raise AssertionError(f"the {name} view did not draw ({selector})") from error
    for name, selector in (
        ("cluster map", f"{CLUSTER} canvas.nbdl-scatter-points"),
        ("data map", f"{DATA_MAP} canvas.nbdl-scatter-points"),
        ("confusion matrix", f"{CONFUSION} canvas.nbdl-cm-canvas"),
    ):
        canvas = page.locator(selector).first
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        painted = canvas.evaluate(_PAINTED)
        assert painted > 1000, f"the {name} canvas has only {painted} painted pixels"
    gallery = page.locator(".nbdl-gallery .nbdl-tile[data-state='ok'] img")
    gallery.first.wait_for(state="attached", timeout=timeout_ms)
    assert gallery.count() > 0, "the gallery shows no thumbnail"
    assert page.locator(".nbdl-issues").first.inner_text().count("checks ran") == 1


def confusion_counts(page: Page) -> list[list[int]]:
    """The matrix the confusion view drew (its ``data-counts``), as rows."""
    root = page.locator(CONFUSION).first
    flat = json.loads(root.get_attribute("data-counts"))
    c = int(root.get_attribute("data-n-classes"))
    return [flat[i * c : (i + 1) * c] for i in range(c)]


def largest_confusion(matrix: list[list[int]]) -> tuple[int, int]:
    """(given, predicted) of the largest off-diagonal cell."""
    c = len(matrix)
    return max(
        ((i, j) for i in range(c) for j in range(c) if i != j),
        key=lambda ij: matrix[ij[0]][ij[1]],
    )


def click_confusion_cell(page: Page, given: int, pred: int) -> None:
    """Click cell (given, pred) of the confusion matrix and wait until the view counts the
    cell's samples as selected."""
    root = page.locator(CONFUSION).first
    cell = int(root.get_attribute("data-cell-px"))
    canvas = page.locator(f"{CONFUSION} .nbdl-cm-canvas").first
    canvas.scroll_into_view_if_needed()
    canvas.click(position={"x": (pred + 0.5) * cell, "y": (given + 0.5) * cell})
    expected = str(confusion_counts(page)[given][pred])
    page.wait_for_function(
        "([el, n]) => el.dataset.selectedCount === n",
        arg=[root.element_handle(), expected],
    )
