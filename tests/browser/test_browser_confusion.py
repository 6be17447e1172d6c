"""The confusion matrix in a real JupyterLab: what it draws, and what clicks select.

Each check compares the page with the kernel: the counts drawn against
``cm.matrix``, a clicked cell's selection against the rows pandas finds for
the same (given, predicted) pair.
"""

from __future__ import annotations

import json
from typing import Any

ROOT = ".nbdl-confusion"
READY = f'{ROOT}[data-ready="1"]'

DIGITS = """
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
cm = lens.confusion_matrix()
cm
""".strip()

# Ids of the rows given class code g and predicted class code p, found by pandas on the
# user's own columns (not through nbdatalens' codes).
CELL_IDS = (
    "df.index[(df['label'] == lens.table.classes[{g}]) & "
    "(df['prediction'] == lens.table.classes[{p}])].tolist()"
)


def dataset(nb, name: str, selector: str = ROOT) -> Any:
    return nb.page.locator(selector).first.get_attribute(f"data-{name}")


def click_cell(nb, given: int, pred: int, modifiers: list[str] | None = None) -> None:
    cell = int(dataset(nb, "cell-px"))
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.click(
        position={"x": (pred + 0.5) * cell, "y": (given + 0.5) * cell},
        modifiers=modifiers or [],
    )


def wait_selected(nb, count: int) -> None:
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[ROOT, count],
    )


def test_digits_counts_clicks_and_kernel_selection(open_notebook):
    nb = open_notebook([DIGITS])
    nb.run_all()
    nb.wait_for(READY)

    # The counts the view drew are the kernel's confusion matrix, cell for cell.
    matrix = nb.kernel_json("cm.matrix.to_numpy().tolist()")
    c = len(matrix)
    drawn = json.loads(dataset(nb, "counts"))
    assert drawn == [v for row in matrix for v in row]
    assert json.loads(dataset(nb, "cell-texts")) == [str(v) for row in matrix for v in row]
    assert dataset(nb, "selected-count") == "0"
    nb.screenshot_of("confusion-digits-light", ROOT)

    # The largest confusion: an off-diagonal, non-empty cell.
    g, p = max(
        ((i, j) for i in range(c) for j in range(c) if i != j), key=lambda ij: matrix[ij[0]][ij[1]]
    )
    assert matrix[g][p] > 0

    # Hover: the tooltip names given → predicted and the count.
    cell = int(dataset(nb, "cell-px"))
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.hover(
        position={"x": (p + 0.5) * cell, "y": (g + 0.5) * cell}
    )
    tooltip = nb.wait_for(f"{ROOT} .nbdl-cm-tooltip")
    classes = nb.kernel_json("lens.table.class_names")
    text = tooltip.inner_text()
    assert f"given {classes[g]}, predicted {classes[p]}" in text
    assert f"{matrix[g][p]} sample" in text

    # Click it: the kernel's selection is exactly that cell's rows.
    click_cell(nb, g, p)
    wait_selected(nb, matrix[g][p])
    assert nb.kernel_json("lens.selected.tolist()") == nb.kernel_json(CELL_IDS.format(g=g, p=p))
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.hover(
        position={"x": (p + 0.5) * cell, "y": (g + 0.5) * cell}
    )
    nb.screenshot_of("confusion-digits-cell-selected-light", ROOT)
    status = nb.page.locator(f"{ROOT} .nbdl-cm-status").inner_text()
    assert status == f"{sum(map(sum, matrix)):,} samples · {matrix[g][p]} selected"

    # Shift-click a second cell adds it.
    g2, p2 = (p, g) if matrix[p][g] > 0 else (g, g)
    click_cell(nb, g2, p2, ["Shift"])
    wait_selected(nb, matrix[g][p] + matrix[g2][p2])
    expected = nb.kernel_json(
        f"sorted(set({CELL_IDS.format(g=g, p=p)}) | set({CELL_IDS.format(g=g2, p=p2)}), "
        "key=list(df.index).index)"
    )
    assert nb.kernel_json("lens.selected.tolist()") == expected

    # A row header selects the whole given class; Alt-click on one of its cells removes that cell.
    nb.page.locator(f"{ROOT} .nbdl-cm-row[data-index='{g}']").click()
    row_total = sum(matrix[g])
    wait_selected(nb, row_total)
    assert nb.kernel_json("lens.selected.tolist()") == nb.kernel_json(
        f"df.index[df['label'] == lens.table.classes[{g}]].tolist()"
    )
    click_cell(nb, g, g, ["Alt"])
    wait_selected(nb, row_total - matrix[g][g])
    assert nb.kernel_json("len(lens.selected)") == row_total - matrix[g][g]

    # A column header selects the whole predicted class.
    nb.page.locator(f"{ROOT} .nbdl-cm-col[data-index='{p}']").click()
    wait_selected(nb, sum(row[p] for row in matrix))
    assert nb.kernel_json("lens.selected.tolist()") == nb.kernel_json(
        f"df.index[df['prediction'] == lens.table.classes[{p}]].tolist()"
    )
    nb.screenshot_of("confusion-digits-column-selected-light", ROOT)
    # A second plain click on what is exactly the selection clears it.
    nb.page.locator(f"{ROOT} .nbdl-cm-col[data-index='{p}']").click()
    wait_selected(nb, 0)
    assert nb.kernel_json("len(lens.selected)") == 0

    # Selecting from Python updates the page.
    nb.run_code("lens.select(df.index[:25])")
    wait_selected(nb, 25)
    assert "· 25 selected" in nb.page.locator(f"{ROOT} .nbdl-cm-status").inner_text()

    # Escape (pointer over the view) clears, in the page and in the kernel.
    nb.page.locator(f"{ROOT} .nbdl-cm-title").hover()
    nb.page.keyboard.press("Escape")
    wait_selected(nb, 0)
    assert nb.kernel_json("len(lens.selected)") == 0

    # The toolbar toggle sets the synced trait; the kernel can set it back.
    nb.page.locator(f"{ROOT} .nbdl-cm-mode[data-mode='row']").click()
    nb.page.wait_for_selector(f'{ROOT}[data-normalize="row"]')
    assert nb.kernel_json("cm.normalize") == "row"
    texts = json.loads(dataset(nb, "cell-texts"))
    # Row-normalised cells show whole percent of their given class.
    assert texts[g * c + g] == str(round(100 * matrix[g][g] / sum(matrix[g])))
    nb.screenshot_of("confusion-digits-row-normalised-light", ROOT)
    nb.run_code("cm.normalize = 'none'")
    nb.page.wait_for_selector(f'{ROOT}[data-normalize="none"]')

    # Dark theme: the canvas re-reads its colours. The theme is a server-wide
    # setting, so it is switched back for the tests that follow.
    try:
        nb.set_theme("JupyterLab Dark")
        assert dataset(nb, "cell-px") == str(cell)  # the theme swap left the layout alone
        click_cell(nb, g, p)
        wait_selected(nb, matrix[g][p])
        nb.screenshot_of("confusion-digits-cell-selected-dark", ROOT)
        nb.page.locator(f"{ROOT} .nbdl-cm-title").hover()
        nb.page.keyboard.press("Escape")
        wait_selected(nb, 0)
        nb.screenshot_of("confusion-digits-dark", ROOT)
    finally:
        nb.set_theme("JupyterLab Light")
    assert [e for e in nb.console_errors if "uncaught" in e] == []


HOSTILE = """
import pandas as pd
from nbdatalens import DataLens
evil = '<img src=x onerror="window.__xss=1">'
df = pd.DataFrame({
    "label": ["cat", "cat", evil, evil, "dog", "dog"],
    "prediction": ["cat", evil, evil, "dog", "dog", "cat"],
})
lens = DataLens(df, projection="pca")
cm = lens.confusion_matrix()
cm
""".strip()


def test_a_hostile_class_name_is_text(open_notebook):
    nb = open_notebook([HOSTILE])
    nb.run_all()
    nb.wait_for(READY)
    evil = '<img src=x onerror="window.__xss=1">'
    names = nb.page.locator(f"{ROOT} .nbdl-cm-row .nbdl-cm-name").all_inner_texts()
    assert evil in names
    assert nb.page.locator(f"{ROOT} img").count() == 0
    index = names.index(evil)
    header = nb.page.locator(f"{ROOT} .nbdl-cm-row[data-index='{index}']")
    assert evil in header.get_attribute("title")
    # The tooltip says it as text too.
    cell = int(dataset(nb, "cell-px"))
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.hover(
        position={"x": (index + 0.5) * cell, "y": (index + 0.5) * cell}
    )
    tooltip = nb.wait_for(f"{ROOT} .nbdl-cm-tooltip")
    assert f"given {evil}, predicted {evil}" in tooltip.inner_text()
    assert nb.page.evaluate("() => window.__xss") is None
    nb.screenshot_of("confusion-hostile-label", ROOT)


MANY_AND_NONE = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
rng = np.random.default_rng(0)
names = [f"class {k:02d} with a rather long descriptive name" for k in range(100)]
given = rng.integers(0, 100, 20_000)
pred = np.where(rng.random(20_000) < 0.7, given, rng.integers(0, 100, 20_000))
names = np.array(names)
many = DataLens(pd.DataFrame({"label": names[given], "prediction": names[pred]}), projection="pca")
big = many.confusion_matrix()
display(big)
nopred = DataLens(pd.DataFrame({"label": ["a", "b", "a"]}), projection="pca").confusion_matrix()
display(nopred)
""".strip()


def test_hundred_classes_scroll_and_no_prediction_says_so(open_notebook):
    nb = open_notebook([MANY_AND_NONE])
    nb.run_all()
    big = nb.page.locator(f"{ROOT}[data-n-classes='100']")
    big.wait_for()
    nb.page.wait_for_selector(f"{ROOT}[data-n-classes='100'][data-ready='1']")
    assert big.get_attribute("data-scrolls") == "1"
    assert int(big.get_attribute("data-cell-px")) == 18
    assert json.loads(big.get_attribute("data-counts")) == nb.kernel_json(
        "big.matrix.to_numpy().ravel().tolist()"
    )
    # Long names are cut with an ellipsis, the full name is in the title.
    header = big.locator(".nbdl-cm-col[data-index='42']")
    assert header.get_attribute("title").startswith("predicted class 42 with a rather long")
    # A click far down the matrix, after scrolling, still hits the right cell.
    scroller = big.locator(".nbdl-cm-scroller")
    scroller.evaluate("(el) => { el.scrollTop = 900; el.scrollLeft = 900; }")
    canvas = big.locator(".nbdl-cm-canvas")
    canvas.click(position={"x": 70.5 * 18, "y": 70.5 * 18})
    expected = nb.kernel_json("int(big.matrix.iloc[70, 70])")
    nb.page.wait_for_function(
        "(n) => document.querySelector(\".nbdl-confusion[data-n-classes='100']\")"
        ".dataset.selectedCount === String(n)",
        arg=expected,
    )
    big.screenshot(path=str(nb.screenshot_dir / "confusion-100-classes.png"))

    empty = nb.page.locator(f"{ROOT}[data-empty='no-prediction']")
    empty.wait_for()
    assert "no predictions" in empty.locator(".nbdl-cm-message").inner_text()
    empty.screenshot(path=str(nb.screenshot_dir / "confusion-no-prediction.png"))


LARGE_COUNTS = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
rng = np.random.default_rng(0)
n = 300_000
given = rng.integers(0, 10, n)
pred = np.where(rng.random(n) < 0.9, given, rng.integers(0, 10, n))
lens = DataLens(pd.DataFrame({"label": given, "prediction": pred}), projection="pca")
cm = lens.confusion_matrix(height=390)
cm
""".strip()


def short_count(v: int) -> str:
    """The page's shortCount for the counts this test has (below 1M)."""
    if v < 1000:
        return str(v)
    return f"{v / 1000:.1f}k" if v < 9950 else f"{round(v / 1000)}k"


def test_large_counts_in_small_cells_are_written_short(open_notebook):
    nb = open_notebook([LARGE_COUNTS])
    nb.run_all()
    nb.wait_for(READY)
    matrix = nb.kernel_json("cm.matrix.to_numpy().tolist()")
    cell = int(dataset(nb, "cell-px"))
    # ~27k per diagonal cell: "27.4k" does not fit a cell this small, "27k" does.
    assert cell < 32
    assert dataset(nb, "cell-text") == "short"
    texts = json.loads(dataset(nb, "cell-texts"))
    assert texts == [short_count(v) for row in matrix for v in row]
    assert texts[0].endswith("k") and "." not in texts[0]
    # The tooltip keeps the exact count.
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.hover(
        position={"x": 0.5 * cell, "y": 0.5 * cell}
    )
    tooltip = nb.wait_for(f"{ROOT} .nbdl-cm-tooltip")
    assert f"{matrix[0][0]:,} samples" in tooltip.inner_text()
    nb.screenshot_of("confusion-large-counts-short", ROOT)
