"""``lens.show()`` in Jupyter Notebook 7 (the same server as the JupyterLab tests, its
/notebooks/ page): every view draws, and a confusion-matrix click reaches ``lens.selected``."""

from __future__ import annotations

import pytest
from host_checks import (
    click_confusion_cell,
    confusion_counts,
    largest_confusion,
    wait_all_views_drawn,
)

pytest.importorskip("notebook")

SETUP = """
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo

df = load_digits_demo()
lens = DataLens(df, projection="pca")
lens.show()
"""


def test_show_draws_every_view_and_a_cell_click_reaches_python(open_notebook):
    nb = open_notebook([SETUP], ui="notebook")
    assert "/notebooks/" in nb.page.url
    nb.run_all(timeout_ms=180_000)
    wait_all_views_drawn(nb.page)
    given, pred = largest_confusion(confusion_counts(nb.page))
    click_confusion_cell(nb.page, given, pred)
    expected = nb.kernel_json(
        f"[int(i) for i in df.index[(lens.table.label_codes == {given})"
        f" & (lens.table.pred_codes == {pred})]]"
    )
    assert expected, "the largest off-diagonal cell is empty"
    # The kernel hears the page's selection: poll until it arrives.
    for _ in range(40):
        if nb.kernel_json("[int(i) for i in lens.selected]") == expected:
            break
        nb.page.wait_for_timeout(250)
    assert nb.kernel_json("[int(i) for i in lens.selected]") == expected
    shot = nb.screenshot("notebook7-dashboard")
    assert shot.stat().st_size > 10_000
    assert not [e for e in nb.console_errors if "nbdl" in e or "nbdatalens" in e], nb.console_errors
