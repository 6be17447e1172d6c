"""Drive one notebook in a real JupyterLab page, the way a user would.

The page is JupyterLab itself (``expose_app_in_browser`` puts the app on
``window.jupyterapp``), so cells run through Lab's own commands and outputs
are read from Lab's own output models; nothing talks to the kernel behind
the front end's back.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab_server import KERNEL_NAME, LabServer
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page

JSON_MARKER = "NBDL_JSON="
DEFAULT_TIMEOUT_MS = 60_000
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Prepended to every page script that needs the notebook panel of `path`.
#: JS that binds ``panel`` to the open notebook whose path is ``path`` (reused by benchmarks).
FIND_PANEL_JS = """
const panel = [...window.jupyterapp.shell.widgets('main')]
  .find((w) => w.context && w.context.path === path);
if (!panel) { throw new Error('no open notebook panel for ' + path); }
"""

_KERNEL_READY = (
    "(path) => {"
    + FIND_PANEL_JS
    + """
const session = panel.sessionContext.session;
const kernel = session && session.kernel;
return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
)

# Commands are started without awaiting them inside evaluate (a command that
# opens a dialog would hang the call); the outcome lands in a window slot.
_START_COMMAND = (
    "([path, command, slot]) => {"
    + FIND_PANEL_JS
    + """
window.jupyterapp.shell.activateById(panel.id);
window[slot] = null;
window.jupyterapp.commands.execute(command).then(
  (ok) => { window[slot] = { ok: ok !== false }; },
  (err) => { window[slot] = { ok: false, error: String(err) }; });
}"""
)

_APPEND_CELL = (
    "([path, code]) => {"
    + FIND_PANEL_JS
    + """
const notebook = panel.content;
const index = notebook.model.cells.length;
notebook.model.sharedModel.insertCell(index, { cell_type: 'code', source: code });
notebook.deselectAll();
notebook.activeCellIndex = index;
return index;
}"""
)


def append_cell(page: Page, path: str, code: str) -> int:
    """Append a code cell to the open notebook ``path``, make it active, return its index."""
    return page.evaluate(_APPEND_CELL, [path, code])


_CELL_OUTPUTS = (
    "([path, index]) => {"
    + FIND_PANEL_JS
    + """
const cells = panel.content.widgets;
const picked = index === null ? cells.map((_, i) => i) : [index];
return picked
  .filter((i) => cells[i].model.type === 'code')
  .map((i) => ({ index: i, outputs: cells[i].model.outputs.toJSON() }));
}"""
)


class NotebookError(AssertionError):
    """A cell raised in the kernel; the message carries the cleaned traceback."""


def notebook_json(cells: Sequence[str]) -> dict[str, Any]:
    """An nbformat 4.5 notebook of code cells, built without importing nbformat.

    Example::

        notebook_json(["x = 1", "x + 1"])["cells"][1]["source"]  # 'x + 1'
    """
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": uuid.uuid4().hex[:12],
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for source in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": KERNEL_NAME},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def outputs_text(outputs: Sequence[dict[str, Any]]) -> str:
    """Plain text of a cell's outputs: streams, then ``text/plain`` of results."""
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_joined(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            parts.append(_joined(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def _error_message(index: int, output: dict[str, Any]) -> str:
    traceback = _ANSI_ESCAPE.sub("", "\n".join(output.get("traceback", [])))
    return f"cell {index} raised {output.get('ename')}: {output.get('evalue')}\n{traceback}"


class NotebookPage:
    """One open notebook in its own browser context, with a running kernel.

    Example::

        nb = open_notebook(["import anywidget"])
        nb.run_all()
        assert nb.kernel_json("1 + 1") == 2
    """

    def __init__(
        self,
        server: LabServer,
        context: BrowserContext,
        path: str,
        screenshot_dir: Path,
        ui: str = "lab",
    ) -> None:
        if ui not in ("lab", "notebook"):
            raise ValueError(
                f"ui must be 'lab' (JupyterLab) or 'notebook' (Notebook 7), got {ui!r}"
            )
        self.ui = ui
        self.server = server
        self.context = context
        self.path = path
        self.screenshot_dir = screenshot_dir
        self.console_errors: list[str] = []
        self.page: Page = context.new_page()
        self.page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location or {}
            url = location.get("url")
            where = f" ({url}:{location.get('lineNumber')})" if url else ""
            self.console_errors.append(f"console.error: {message.text}{where}")

    def open(self) -> NotebookPage:
        """Load the notebook in JupyterLab (or Notebook 7) and wait until its kernel is
        connected and idle."""
        if self.ui == "lab":
            self.page.goto(self.server.url(f"/lab/tree/{self.path}?reset"))
        else:
            self.page.goto(self.server.url(f"/notebooks/{self.path}"))
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
        self.page.wait_for_function("() => !!window.jupyterapp")
        self.wait_for_kernel_idle()
        return self

    def wait_for_kernel_idle(self, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> None:
        """Wait for a kernel that is connected and idle.

        The status bar says "idle" before a kernel exists, so the kernel object
        itself is polled.
        """
        self.page.wait_for_function(_KERNEL_READY, arg=self.path, timeout=timeout_ms)

    def _run_command(self, command: str, timeout_ms: float) -> dict[str, Any]:
        slot = f"__nbdl_{uuid.uuid4().hex}"
        self.page.evaluate(_START_COMMAND, [self.path, command, slot])
        handle = self.page.wait_for_function("(slot) => window[slot]", arg=slot, timeout=timeout_ms)
        return handle.json_value()

    def _outputs(self, index: int | None) -> list[dict[str, Any]]:
        return self.page.evaluate(_CELL_OUTPUTS, [self.path, index])

    def _raise_on_error(self, cells: list[dict[str, Any]]) -> None:
        for cell in cells:
            for output in cell["outputs"]:
                if output.get("output_type") == "error":
                    raise NotebookError(_error_message(cell["index"], output))

    def run_all(self, allow_errors: bool = False, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> None:
        """Run every cell through Lab's "Run All Cells" and wait for the last to finish.

        Raises NotebookError with the traceback of the first failing cell
        unless ``allow_errors``.
        """
        outcome = self._run_command("notebook:run-all-cells", timeout_ms)
        if not allow_errors:
            self._raise_on_error(self._outputs(None))
            if not outcome.get("ok"):
                raise NotebookError(f"run-all-cells failed in {self.path}: {outcome}")

    def run_code(self, code: str, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> str:
        """Append a code cell at the end, run it and return its text output.

        Raises NotebookError with the traceback when the cell raises.
        """
        index = append_cell(self.page, self.path, code)
        outcome = self._run_command("notebook:run-cell", timeout_ms)
        cells = self._outputs(index)
        self._raise_on_error(cells)
        if not outcome.get("ok"):
            raise NotebookError(f"running cell {index} failed in {self.path}: {outcome}")
        return outputs_text(cells[0]["outputs"])

    def kernel_json(self, expression: str) -> Any:
        """Evaluate a Python expression in the kernel and return its value via JSON.

        The cell prints a marker followed by ``json.dumps(expression)``; the
        marker line is found in the output and decoded.

        Example::

            nb.kernel_json("{'count': w.count}")  # {'count': 2}
        """
        code = f"import json as _nbdl_json\nprint({JSON_MARKER!r} + _nbdl_json.dumps({expression}))"
        text = self.run_code(code)
        for line in text.splitlines():
            if line.startswith(JSON_MARKER):
                return json.loads(line[len(JSON_MARKER) :])
        raise AssertionError(f"no {JSON_MARKER} line in the output of {expression!r}: {text!r}")

    def wait_for(self, selector: str, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> Locator:
        """Wait until the first element matching ``selector`` is visible; return its locator."""
        locator = self.page.locator(selector).first
        locator.wait_for(state="visible", timeout=timeout_ms)
        return locator

    def screenshot(self, name: str) -> Path:
        """Save a PNG of the whole page as ``test-artifacts/screenshots/NAME.png``."""
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        target = self.screenshot_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.screenshot(path=str(target))
        return target

    def screenshot_of(self, name: str, selector: str) -> Path:
        """Save a PNG of the first element matching ``selector`` (one widget, not the page)."""
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        target = self.screenshot_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.locator(selector).first.screenshot(path=str(target))
        return target

    def set_theme(self, theme: str) -> None:
        """Switch JupyterLab's theme ("JupyterLab Dark" / "JupyterLab Light") and wait for it.

        The choice is saved in the server's settings, which every test of the session
        shares: a test that switches to dark switches back before it ends.
        """
        light = "false" if "Dark" in theme else "true"
        self.page.evaluate(
            "(theme) => { window.jupyterapp.commands.execute('apputils:change-theme', {theme}); }",
            theme,
        )
        self.page.wait_for_function(
            "(light) => document.body.dataset.jpThemeLight === light", arg=light
        )
        self.page.wait_for_timeout(500)  # canvases repaint on the next frames

    def close(self) -> None:
        """Close the page, then end the notebook's kernel through the REST API."""
        try:
            self.page.close()
        finally:
            self.server.shutdown_kernel_of(self.path)
