"""The confusion matrix over epochs in a real JupyterLab: slider, cell clicks at an epoch, chart.

The kernel is the reference: the counts drawn at epoch e are ``pd.crosstab``
of the label and the argmax of the epoch-e probabilities, and a click on a
cell at epoch e selects exactly the rows pandas finds for that pair.
"""

from __future__ import annotations

import json
from typing import Any

ROOT = ".nbdl-confusion"

DIGITS = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
cm = lens.confusion_matrix()
argmax0 = np.stack(df["dynamics"].to_numpy())[:, 0].argmax(axis=1)
cm
""".strip()

NO_EPOCHS = """
import pandas as pd
from nbdatalens import DataLens
frame = pd.DataFrame({"label": ["a", "b", "b"], "prediction": ["a", "a", "b"]})
plain = DataLens(frame, projection="pca")
plain.confusion_matrix()
""".strip()


def dataset(nb, name: str) -> Any:
    return nb.page.locator(ROOT).first.get_attribute(f"data-{name}")


def click_cell(nb, given: int, pred: int) -> None:
    cell = int(dataset(nb, "cell-px"))
    nb.page.locator(f"{ROOT} .nbdl-cm-canvas").first.click(
        position={"x": (pred + 0.5) * cell, "y": (given + 0.5) * cell}
    )


def wait_selected(nb, count: int) -> None:
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[ROOT, count],
    )


def set_slider(nb, value: int) -> None:
    nb.page.locator(f"{ROOT} .nbdl-cm-slider").first.evaluate(
        "(el, v) => { el.value = String(v);"
        " el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def wait_epoch(nb, epoch: str) -> None:
    nb.page.wait_for_function(
        "([sel, e]) => { const d = document.querySelector(sel)?.dataset;"
        " return d && d.epoch === e && d.epochReady === '1'; }",
        arg=[ROOT, epoch],
    )


def test_slider_to_epoch_0_and_click_a_cell_selects_that_epochs_cell(open_notebook):
    nb = open_notebook([DIGITS])
    nb.run_all()
    nb.wait_for(f'{ROOT}[data-ready="1"]')
    n_epochs = nb.kernel_json("cm.n_epochs")
    assert n_epochs == 12
    wait_epoch(nb, "final")
    assert nb.page.locator(f"{ROOT} .nbdl-cm-epoch").inner_text() == "final"

    set_slider(nb, 0)
    wait_epoch(nb, "0")
    assert nb.page.locator(f"{ROOT} .nbdl-cm-epoch").inner_text() == "epoch 0 / 11"
    assert nb.kernel_json("cm.epoch") == 0  # the slider told Python
    expected = nb.kernel_json(
        "pd.crosstab(df['label'], argmax0).reindex(index=range(10), columns=range(10),"
        " fill_value=0).to_numpy().ravel().tolist()"
    )
    assert json.loads(dataset(nb, "counts")) == expected
    assert json.loads(dataset(nb, "counts")) == nb.kernel_json(
        "cm.matrix.to_numpy().ravel().tolist()"
    )

    # The largest confusion at epoch 0; its rows at epoch 0 differ from the final ones.
    matrix = [expected[i * 10 : (i + 1) * 10] for i in range(10)]
    g, p = max(
        ((i, j) for i in range(10) for j in range(10) if i != j), key=lambda c: matrix[c[0]][c[1]]
    )
    click_cell(nb, g, p)
    wait_selected(nb, matrix[g][p])
    cell_ids = nb.kernel_json(f"df.index[(df['label'] == {g}) & (argmax0 == {p})].tolist()")
    assert nb.kernel_json("lens.selected.tolist()") == cell_ids
    final_ids = nb.kernel_json(
        f"df.index[(df['label'] == {g}) & (df['prediction'] == {p})].tolist()"
    )
    assert cell_ids != final_ids

    # The recall chart: hover a line, then click a legend entry to select a whole class.
    nb.page.locator(f"{ROOT} .nbdl-cm-rc-item[data-class='5']").hover()
    nb.screenshot_of("confusion-epochs-slider-epoch0", ROOT)
    nb.set_theme("JupyterLab Dark")
    nb.page.wait_for_timeout(300)
    nb.screenshot_of("confusion-epochs-slider-epoch0-dark", ROOT)
    nb.set_theme("JupyterLab Light")
    nb.page.locator(f"{ROOT} .nbdl-cm-rc-item[data-class='5']").click()
    wait_selected(nb, nb.kernel_json("int((df['label'] == 5).sum())"))
    assert nb.kernel_json("lens.selected.tolist()") == nb.kernel_json(
        "df.index[df['label'] == 5].tolist()"
    )

    # Python moves the slider too.
    nb.run_code("cm.epoch = 5")
    wait_epoch(nb, "5")
    assert nb.page.locator(f"{ROOT} .nbdl-cm-slider").first.input_value() == "5"


def test_play_steps_through_epochs_and_no_epochs_says_why(open_notebook):
    nb = open_notebook([DIGITS, NO_EPOCHS])
    nb.run_all()
    nb.wait_for(f'{ROOT}[data-ready="1"]')
    nb.page.locator(f"{ROOT} .nbdl-cm-play").first.click()
    wait_epoch(nb, "2")  # played past epochs 0 and 1
    nb.page.locator(f"{ROOT} .nbdl-cm-play").first.click()  # pause
    note = nb.page.locator(".nbdl-confusion").nth(1).locator(".nbdl-cm-epochs-note")
    assert "no training dynamics" in note.inner_text()
    assert nb.page.locator(".nbdl-confusion").nth(1).locator(".nbdl-cm-slider").count() == 0


HISTORY = """
import numpy as np
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
late = lens.derived.index[(df["label"] == 5) & (lens.derived["learned_epoch"] >= 3)]
lens.select(late[:6])
dmap = lens.data_map(color_by="learned_epoch")
gallery = lens.gallery(sort_by="table")
import ipywidgets
ipywidgets.HBox([dmap, gallery])
""".strip()


def test_detail_panel_shows_the_history_and_the_data_map_colours_by_learned_epoch(open_notebook):
    nb = open_notebook([HISTORY])
    nb.run_all()
    gallery = ".nbdl-gallery"
    nb.page.wait_for_selector(f"{gallery} .nbdl-tile[data-index='0'][data-state='ok']")
    first = nb.page.locator(f"{gallery} .nbdl-tile[data-index='0']").get_attribute("data-id")
    nb.page.locator(f"{gallery} .nbdl-tile[data-index='0']").click()
    history = nb.wait_for(f"{gallery} .nbdl-history")
    assert history.get_attribute("data-epochs") == "12"
    assert nb.page.locator(f"{gallery} .nbdl-history-dot").count() == 12
    preds = nb.kernel_json(f"lens.table.epoch_pred[lens.table.positions([{first}])[0]].tolist()")
    runs = []
    for e, p in enumerate(preds):
        if runs and runs[-1][0] == p:
            runs[-1][2] = e
        else:
            runs.append([p, e, e])
    expected = " → ".join(f"{p} ({a if a == b else f'{a}–{b}'})" for p, a, b in runs)
    assert history.locator(".nbdl-history-preds").inner_text() == f"predicted {expected}"
    wrong_dots = nb.page.locator(f"{gallery} .nbdl-history-dot.is-wrong").count()
    assert wrong_dots == sum(p != 5 for p in preds)

    menu = nb.page.locator(".nbdl-scatter select.nbdl-scatter-color").first
    options = menu.evaluate("(s) => [...s.options].map((o) => o.value)")
    assert {"forgetting", "learned_epoch", "flips"} <= set(options)
    assert menu.input_value() == "learned_epoch"
    nb.wait_for(".nbdl-scatter .nbdl-scatter-colorbar")
    nb.page.locator(f"{gallery} .nbdl-detail-body").evaluate("(el) => { el.scrollTop = 200; }")
    nb.screenshot_of("gallery-detail-history", gallery)
    nb.screenshot_of("data-map-learned-epoch", ".nbdl-scatter")
