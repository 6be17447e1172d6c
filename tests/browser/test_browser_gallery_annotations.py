"""Tags and label corrections made in the kernel show on the gallery's tiles and detail panel.

Kept apart from test_browser_gallery.py (already past the house file size);
the helpers are the same few lines.
"""

from __future__ import annotations

GALLERY = ".nbdl-gallery"

SETUP = """
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
lens.select(lens.df.index[:20])
"""

# Every tile in the DOM with what it says about its annotations.
READ_TILES = """(root) => [...root.querySelectorAll('.nbdl-tile')]
  .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
  .map((t) => ({
    id: t.dataset.id ?? null,
    tags: t.dataset.tags ?? null,
    corrected: t.dataset.corrected ?? null,
    badges: [...t.querySelectorAll('.nbdl-tile-tag')].map((b) => b.textContent),
    labels: t.querySelector('.nbdl-tile-labels').textContent,
    emphasised: t.querySelector('.nbdl-tile-corrected')?.textContent ?? null,
  }))"""

DETAIL_VALUES = """(p) => Object.fromEntries([...p.querySelectorAll('tr')]
  .map((r) => [r.cells[0].textContent, r.cells[1].textContent]))"""


def test_kernel_tags_and_corrections_show_on_tiles_and_in_the_detail_panel(notebook):
    nb = notebook([SETUP, "g = lens.gallery()\ng"])
    nb.run_all()
    nb.wait_for(f"{GALLERY}[data-ready='1'][data-selected-count='20']")
    root = nb.page.locator(GALLERY).first
    nb.page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('.nbdl-tile')];"
        " return t.length > 0 && t.every((e) => e.dataset.id); }"
    )
    before = root.evaluate(READ_TILES)
    assert not any(t["badges"] or t["corrected"] for t in before)

    # The first three tiles on screen whose given label is not 3: tag all, correct two.
    nb.run_code(
        f"shown = {[int(t['id']) for t in before]}\n"
        "picked = [i for i in shown if lens.df.loc[i, 'label'] != 3][:3]\n"
        "lens.tag(picked, 'mislabeled')\n"
        "lens.relabel(picked[:2], 3)"
    )
    picked = [str(i) for i in nb.kernel_json("picked")]
    given = {
        str(k): str(v)
        for k, v in nb.kernel_json("{i: int(lens.df.loc[i, 'label']) for i in picked}").items()
    }
    nb.page.wait_for_function(
        "() => document.querySelectorAll('.nbdl-tile[data-tags]').length === 3"
        " && document.querySelectorAll('.nbdl-tile[data-corrected]').length === 2"
    )
    shown = {t["id"]: t for t in root.evaluate(READ_TILES)}
    tagged = {i for i, t in shown.items() if t["badges"]}
    assert tagged == set(picked)
    for i in picked:
        assert shown[i]["badges"] == ["mislabeled"]
    for i in picked[:2]:
        assert shown[i]["corrected"] == "3" and shown[i]["emphasised"] == "3"
        assert shown[i]["labels"].startswith(f"{given[i]} → 3")
    assert shown[picked[2]]["corrected"] is None
    assert shown[picked[2]]["labels"].startswith(given[picked[2]])
    nb.screenshot_of("gallery-annotations-light", GALLERY)

    tile = root.locator(f".nbdl-tile[data-id='{picked[0]}']")
    tile.click()
    panel = root.locator(".nbdl-detail")
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-detail[data-loaded='1']")
    values = panel.evaluate(DETAIL_VALUES)
    assert (values["tags"], values["corrected_label"]) == ("mislabeled", "3")
    summary = panel.locator(".nbdl-detail-summary")
    assert summary.locator(".nbdl-tile-tag").all_inner_texts() == ["mislabeled"]
    assert summary.locator(".nbdl-tile-corrected").inner_text() == "3"

    # The open panel follows the next change too (its cached row is dropped).
    nb.run_code(f"lens.tag([{picked[0]}], 'blurry')")
    nb.page.wait_for_function(
        "() => [...document.querySelectorAll('.nbdl-detail[data-loaded=\"1\"] tr')]"
        ".some((r) => r.cells[1].textContent === 'mislabeled, blurry')"
    )
    assert summary.locator(".nbdl-tile-tag").all_inner_texts() == ["mislabeled", "blurry"]
    assert tile.locator(".nbdl-tile-tag").all_inner_texts() == ["mislabeled", "blurry"]
    nb.screenshot_of("gallery-annotations-detail-light", GALLERY)
    nb.set_theme("JupyterLab Dark")
    nb.screenshot_of("gallery-annotations-detail-dark", GALLERY)
    panel.locator("button[aria-label='close (Esc)']").click()
    nb.screenshot_of("gallery-annotations-dark", GALLERY)
    nb.set_theme("JupyterLab Light")
