"""``lens.show()`` in marimo, in a real marimo server and headless Chromium.

marimo shows anywidgets but not ipywidgets containers, so there ``lens.show()`` is one
``Dashboard`` anywidget wrapped in ``mo.ui.anywidget``. Checked as a user sees it: every
view draws; a confusion-matrix click re-runs the cell that reads ``dash.selected`` with
exactly that cell's samples; a reload after that selection still draws every view (the
selection bytes survive marimo's re-encoding).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SCREENSHOT_DIR
from host_checks import (
    click_confusion_cell,
    confusion_counts,
    largest_confusion,
    wait_all_views_drawn,
)

pytest.importorskip("marimo")

APP = """
import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import json

    from nbdatalens import DataLens
    from nbdatalens.datasets import load_digits_demo

    df = load_digits_demo()
    lens = DataLens(df, projection="pca")
    return json, lens


@app.cell
def _(lens):
    dash = lens.show()
    dash
    return (dash,)


@app.cell
def _(dash, json):
    # Re-runs whenever the page changes the selection: it reads the wrapped dashboard.
    "SELECTED=" + json.dumps([int(i) for i in dash.selected]) + ";"
    return


@app.cell
def _(json, lens):
    "CLASSES=" + json.dumps([str(c) for c in lens.table.class_names]) + ";"
    return


if __name__ == "__main__":
    app.run()
"""

SELECTED = re.compile(r"SELECTED=(\[[^\]]*\]);")


@pytest.fixture(scope="module")
def marimo_server() -> Iterator:
    """One ``marimo run`` server for this module's tests, on a notebook written now."""
    from marimo_server import MarimoServer

    workdir = Path(tempfile.mkdtemp(prefix="nbdl-marimo-"))
    notebook = workdir / "lens_app.py"
    notebook.write_text(APP.lstrip())
    server = MarimoServer(notebook, import_paths=(REPO_ROOT,))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _selected_ids(page) -> list[int]:
    text = page.locator("text=/SELECTED=/").first.inner_text()
    match = SELECTED.search(text)
    assert match, f"no SELECTED=[...] in {text!r}"
    return json.loads(match.group(1))


def test_show_draws_links_and_reruns_dependent_cells_in_marimo(marimo_server, browser):
    import pandas as pd

    from nbdatalens.datasets import load_digits_demo

    df: pd.DataFrame = load_digits_demo()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    try:
        page.goto(marimo_server.base_url + "/")
        wait_all_views_drawn(page)
        assert _selected_ids(page) == []
        classes = json.loads(
            re.search(
                r"CLASSES=(\[.*?\]);", page.locator("text=/CLASSES=/").first.inner_text()
            ).group(1)
        )

        matrix = confusion_counts(page)
        g, p = largest_confusion(matrix)
        assert matrix[g][p] > 0
        click_confusion_cell(page, g, p)
        expected = df.index[
            (df["label"].astype(str) == classes[g]) & (df["prediction"].astype(str) == classes[p])
        ].tolist()
        assert len(expected) == matrix[g][p]
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "host-marimo.png"))
        # The dependent cell re-ran in the kernel with exactly that cell's samples.
        deadline = time.monotonic() + 30
        while _selected_ids(page) != expected and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert _selected_ids(page) == expected

        # A reload after a page-made selection (`marimo run` starts a new session for it):
        # every view draws again, nothing fails to decode.
        errors.clear()
        page.reload()
        wait_all_views_drawn(page)
        bad = [e for e in errors if "DataView" in e or "nbdatalens" in e]
        assert not bad, f"console errors after reload: {bad}"
    except Exception:
        print("marimo log:\n" + marimo_server.log_tail())
        print("console errors:\n" + "\n".join(errors))
        raise
    finally:
        context.close()
