"""Proof that the browser harness round-trips widget state both ways.

A tiny anywidget defined inline stands in for the real views, so this test
checks JupyterLab, the widget manager, Chromium and the fixtures alone.
"""

from __future__ import annotations

import sys
import time

import pytest

PROBE_WIDGET = '''
import anywidget
import traitlets


class Probe(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "harness-probe";
      const show = () => { button.textContent = `count is ${model.get("count")}`; };
      const onClick = () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      };
      button.addEventListener("click", onClick);
      model.on("change:count", show);
      show();
      el.appendChild(button);
      return () => {
        button.removeEventListener("click", onClick);
        model.off("change:count", show);
      };
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)


probe = Probe()
probe
'''


def test_clicks_reach_the_kernel_and_kernel_changes_reach_the_page(open_notebook):
    nb = open_notebook([PROBE_WIDGET.strip()])
    nb.run_all()
    button = nb.wait_for(".harness-probe")
    assert button.text_content() == "count is 0"

    button.click()
    button.click()
    # The page updates before the kernel has heard; waiting on the text keeps
    # the assertion about the kernel from racing the second click.
    nb.page.wait_for_function(
        "() => document.querySelector('.harness-probe').textContent === 'count is 2'"
    )
    # The second click's comm message can still be in flight when the page shows it
    # (it failed once on a loaded machine): poll the kernel briefly instead of once.
    deadline = time.monotonic() + 10
    while (count := nb.kernel_json("probe.count")) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count == 2

    nb.run_code("probe.count = 10")
    nb.page.wait_for_function(
        "() => document.querySelector('.harness-probe').textContent === 'count is 10'"
    )
    nb.screenshot("harness-probe")
    assert [e for e in nb.console_errors if "uncaught" in e] == []


def test_cell_errors_fail_with_the_kernel_traceback(open_notebook):
    nb = open_notebook(["value = 1"])
    nb.run_all()
    with pytest.raises(AssertionError, match=r"ValueError: column loss is empty"):
        nb.run_code("raise ValueError('column loss is empty')")
    # The failed cell leaves the kernel alive with its earlier state, and the
    # kernel runs the interpreter that runs pytest (the project's environment).
    state = nb.kernel_json("{'value': value, 'python': __import__('sys').executable}")
    assert state == {"value": 1, "python": sys.executable}
