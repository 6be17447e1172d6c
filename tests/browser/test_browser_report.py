"""lens.to_html opened from disk in headless Chromium, network off: a confusion-matrix click
selects the cell's samples, the gallery shows their thumbnails, Copy ids gives their ids."""

import numpy as np

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo

ROOT = ".nbdl-confusion"


def test_report_offline_click_gallery_copy_ids(tmp_path, browser):
    lens = DataLens(load_digits_demo(), projection="pca")
    t = lens.table
    g, p = 3, 8
    mask = (t.label_codes == g) & (t.pred_codes == p)
    if mask.sum() == 0:
        g, p = 8, 1
        mask = (t.label_codes == g) & (t.pred_codes == p)
    ids = [str(i) for i in lens.df.index[mask]]
    assert ids
    lens.save_selection("confused", lens.df.index[mask])
    path = lens.to_html(tmp_path / "report.html", max_media=200, per_issue=5)

    errors, requests = [], []
    # The session's Chromium (one Playwright per process: a second sync one would fail).
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    try:
        context.set_offline(True)

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("#nbdl-report-grid[data-ready='1']")
        page.wait_for_selector(f"{ROOT}[data-ready='1']")
        cell = int(page.locator(ROOT).first.get_attribute("data-cell-px"))
        page.locator(f"{ROOT} .nbdl-cm-canvas").first.click(
            position={"x": (p + 0.5) * cell, "y": (g + 0.5) * cell}
        )
        n = len(ids)
        page.wait_for_function(
            "n => document.querySelector('.nbdl-report-selection')?.dataset.selectedCount"
            " === String(n)",
            arg=n,
        )
        page.wait_for_function(
            "n => [...document.querySelectorAll('.nbdl-report-cell[data-kind=gallery] img')]"
            ".filter(i => i.complete && i.naturalWidth > 0).length >= n",
            arg=n,
        )
        page.click(".nbdl-report-copy")
        copied = page.locator(".nbdl-report-ids").input_value().split("\n")
        page.screenshot(path=str(tmp_path / "report.png"))
    finally:
        context.close()
    assert sorted(copied) == sorted(ids)
    assert requests == []
    assert errors == []
    assert np.count_nonzero(mask) == n
