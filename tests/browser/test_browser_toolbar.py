"""The selection toolbar in a real JupyterLab: tag, relabel, save and export from the page.

Each check compares the page with the kernel: what the toolbar did must be
exactly what ``lens.corrections``, ``lens.tags``, ``lens.selections`` and the
exported file say.
"""

from __future__ import annotations

TOOLBAR = ".nbdl-toolbar"
READY = f"{TOOLBAR}[data-ready='1']"

SETUP = """
import json
import pandas as pd
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
""".strip()

# Ids of the rows given class code g and predicted class code p, found by pandas.
CELL_IDS = (
    "df.index[(df['label'] == lens.table.classes[{g}]) & "
    "(df['prediction'] == lens.table.classes[{p}])].tolist()"
)


def wait_count(nb, count: int) -> None:
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[TOOLBAR, count],
    )


def wait_done(nb, expected: str) -> str:
    """Wait for the toolbar's status to settle (ok or error); return its text."""
    status = nb.page.locator(f"{TOOLBAR} .nbdl-tb-status")
    nb.page.wait_for_function(
        "(sel) => ['ok', 'error'].includes(document.querySelector(sel)?.dataset.kind)",
        arg=f"{TOOLBAR} .nbdl-tb-status",
    )
    kind = status.get_attribute("data-kind")
    text = status.inner_text()
    assert kind == expected, f"status {kind}: {text}"
    return text


def act(nb, locator, expected: str = "ok") -> str:
    """Click a control, then wait for the kernel's answer in the status line."""
    nb.page.evaluate(
        "(sel) => { const s = document.querySelector(sel); s.dataset.kind = ''; }",
        f"{TOOLBAR} .nbdl-tb-status",
    )
    locator.click()
    return wait_done(nb, expected)


def tag_button(nb, tag: str):
    return nb.page.locator(f"{TOOLBAR} .nbdl-tb-tag[data-tag='{tag}']")


def test_tag_and_relabel_a_confusion_cell_then_see_it_in_the_kernel(open_notebook):
    nb = open_notebook([SETUP, "lens.show()"])
    nb.run_all()
    nb.wait_for(READY)
    nb.wait_for(".nbdl-confusion[data-ready='1']")
    assert nb.page.locator(f"{TOOLBAR} .nbdl-tb-summary").inner_text() == "0 of 1,797 selected"
    assert tag_button(nb, "mislabeled").is_disabled()
    # On top of the dashboard, across its full width.
    widths = nb.page.evaluate(
        "() => [document.querySelector('.widget-gridbox').getBoundingClientRect().width,"
        " document.querySelector('.nbdl-toolbar').getBoundingClientRect().width]"
    )
    assert widths[1] > 0.95 * widths[0], widths
    nb.screenshot_of("toolbar-empty-light", TOOLBAR)

    # Click the largest off-diagonal cell of the confusion matrix: its samples are selected.
    matrix = nb.kernel_json(
        "__import__('numpy').bincount(lens.table.label_codes * 10 + lens.table.pred_codes, "
        "minlength=100).reshape(10, 10).tolist()"
    )
    g, p = max(
        ((i, j) for i in range(10) for j in range(10) if i != j),
        key=lambda ij: matrix[ij[0]][ij[1]],
    )
    cell = int(nb.page.locator(".nbdl-confusion").first.get_attribute("data-cell-px"))
    nb.page.locator(".nbdl-confusion .nbdl-cm-canvas").first.click(
        position={"x": (p + 0.5) * cell, "y": (g + 0.5) * cell}
    )
    k = matrix[g][p]
    wait_count(nb, k)
    ids = nb.kernel_json(CELL_IDS.format(g=g, p=p))
    assert nb.kernel_json("lens.selected.tolist()") == ids
    summary = nb.page.locator(f"{TOOLBAR} .nbdl-tb-summary").inner_text()
    assert summary == f"{k} of 1,797 selected"

    # Tag them: the kernel has exactly these samples tagged.
    text = act(nb, tag_button(nb, "mislabeled"))
    assert text == f"tagged {k} samples mislabeled"
    tagged = nb.kernel_json("lens.tags.index[lens.tags['mislabeled']].tolist()")
    assert tagged == ids
    assert tag_button(nb, "mislabeled").get_attribute("aria-pressed") == "true"

    # Relabel them as the class the model predicted: lens.corrections says so.
    classes = nb.kernel_json("lens.table.class_names")
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-relabel").select_option(label=classes[p])
    assert act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-relabel + button")) == (
        f"relabeled {k} samples as {classes[p]}"
    )
    corrections = nb.kernel_json(
        "{str(i): [str(r.given_label), str(r.corrected_label), r.tags] "
        "for i, r in lens.corrections.iterrows()}"
    )
    assert corrections == {str(i): [classes[g], classes[p], ["mislabeled"]] for i in ids}
    summary = nb.page.locator(f"{TOOLBAR} .nbdl-tb-summary").inner_text()
    assert summary == f"{k} of 1,797 selected · {k} tagged · {k} corrected"
    nb.screenshot_of("toolbar-tagged-light", TOOLBAR)
    nb.screenshot_of("dashboard-with-toolbar-light", ".jp-OutputArea-output")

    # A second click on a tag every selected sample carries removes it.
    assert act(nb, tag_button(nb, "mislabeled")) == f"removed mislabeled from {k} samples"
    assert nb.kernel_json("int(lens.tags['mislabeled'].sum())") == 0

    # A free-text tag is text, never markup, in the page.
    free = '<img src=x onerror="window.__pwned=1">'
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-free-tag").fill(free)
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-free-tag").press("Enter")
    wait_done(nb, "ok")
    assert nb.kernel_json("lens.tags.columns.tolist()")[-1] == free
    nb.page.wait_for_selector(f"{TOOLBAR} .nbdl-tb-tag >> nth=4")
    assert nb.page.locator(f"{TOOLBAR} .nbdl-tb-tags img").count() == 0
    assert tag_button(nb, free).inner_text().startswith(free)
    assert nb.page.evaluate("() => window.__pwned") is None

    # Save the selection, clear it with Escape, restore it from its chip.
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-save-name").fill("rogues")
    act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-save-name + button"))
    assert nb.kernel_json("lens.selections['rogues'].tolist()") == ids
    nb.page.locator(TOOLBAR).first.focus()
    nb.page.keyboard.press("Escape")
    wait_count(nb, 0)
    assert nb.kernel_json("len(lens.selected)") == 0
    act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-chip[data-name='rogues']"))
    wait_count(nb, k)
    assert nb.kernel_json("lens.selected.tolist()") == ids

    # "select tagged": everything with a correction, chosen in the browser.
    nb.page.locator(TOOLBAR).first.focus()  # running kernel_json cells moved the focus away
    nb.page.keyboard.press("Escape")
    wait_count(nb, 0)
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-select-tagged").select_option(value="corrected")
    wait_count(nb, k)
    assert nb.kernel_json("lens.selected.tolist()") == ids

    nb.set_theme("JupyterLab Dark")
    nb.screenshot_of("toolbar-tagged-dark", TOOLBAR)
    nb.set_theme("JupyterLab Light")
    assert not nb.console_errors, nb.console_errors


def test_the_export_control_writes_exactly_the_selected_ids(open_notebook):
    nb = open_notebook(
        [
            SETUP,
            "picked = lens.derived.sort_values('loss').index[-37:]\nlens.select(picked)",
            "tb = lens.toolbar()\ntb",
        ]
    )
    nb.run_all()
    nb.wait_for(READY)
    wait_count(nb, 37)
    name = nb.page.locator(f"{TOOLBAR} .nbdl-tb-file")
    assert name.input_value().startswith("nbdatalens-selection-")
    assert name.input_value().endswith(".csv")

    name.fill("picked.csv")
    text = act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-primary"))
    written = nb.page.locator(TOOLBAR).first.get_attribute("data-last-export")
    assert text == f"wrote 37 samples to {written}"
    assert written == nb.kernel_json("str(__import__('pathlib').Path('picked.csv').absolute())")
    assert nb.kernel_json(
        f"pd.read_csv({written!r})['sample_id'].tolist() == lens.selected.tolist()"
    )
    assert nb.kernel_json(f"len(pd.read_csv({written!r}))") == 37

    # The same name again: refused, and the page offers to replace it.
    error = act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-primary"), expected="error")
    assert "already exists" in error
    replace = nb.page.locator(f"{TOOLBAR} button:has-text('replace it')")
    assert replace.is_visible()
    act(nb, replace)
    assert not replace.is_visible()

    # Label Studio tasks: the suffix follows the format, the tasks are the selected ids.
    nb.page.locator(f"{TOOLBAR} .nbdl-tb-format").select_option(value="label-studio")
    assert name.input_value() == "picked.json"
    act(nb, nb.page.locator(f"{TOOLBAR} .nbdl-tb-primary"))
    tasks_path = nb.page.locator(TOOLBAR).first.get_attribute("data-last-export")
    assert tasks_path.endswith("picked.json")
    sample_ids = nb.kernel_json(
        f"[t['data']['sample_id'] for t in json.load(open({tasks_path!r}))]"
    )
    assert sample_ids == nb.kernel_json("lens.selected.tolist()")
    predicted = nb.kernel_json(
        f"[t['predictions'][0]['result'][0]['value']['choices'][0] "
        f"for t in json.load(open({tasks_path!r}))]"
    )
    assert predicted == nb.kernel_json("[str(v) for v in lens.derived.loc[lens.selected, 'pred']]")
    nb.screenshot_of("toolbar-exported-light", TOOLBAR)
    assert not nb.console_errors, nb.console_errors
