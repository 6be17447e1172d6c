"""Fixtures for the real-browser tests: JupyterLab in headless Debian Chromium.

One JupyterLab server and one Chromium serve the whole session; every test
gets its own browser context and opens its own notebooks, each with a fresh
kernel that is shut down when the test ends. Browser console errors of a
failing test are printed with its report, and a screenshot of each open page
is saved under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps dialling out into the closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_open_pages_key = pytest.StashKey[list]()
_server_mark_key = pytest.StashKey[tuple]()
_reports_key = pytest.StashKey[dict]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with ``browser`` (``-m 'not browser'`` skips them)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Keep each phase's report on the item and attach browser errors to failures."""
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    pages = item.stash.get(_open_pages_key, [])
    if report.failed and pages:
        errors = [line for page in pages for line in page.console_errors]
        report.sections.append(
            ("browser console errors", "\n".join(errors) if errors else "(none)")
        )
        server, mark = item.stash[_server_mark_key]
        report.sections.append(("jupyterlab and kernel log", server.log_tail(since=mark)))
    return report


def _unavailable(reason: str) -> None:
    """Skip on a developer machine, fail in CI: CI must run the browser tests."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (scripts/test.sh installs it)")


def chromium_path() -> str:
    """Debian's Chromium, or the binary named by ``CHROMIUM_PATH``."""
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def lab_server() -> Iterator:
    """A private JupyterLab server for the session; see ``lab_server.LabServer``."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _unavailable("jupyterlab is not installed")
    from lab_server import LabServer

    workdir = Path(tempfile.mkdtemp(prefix="nbdl-lab-"))
    server = LabServer(workdir, import_paths=(REPO_ROOT,))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Chromium driven by Playwright's sync API."""
    executable = chromium_path()
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        _unavailable(f"no Chromium at {executable} (set CHROMIUM_PATH or apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield instance
        instance.close()


def _test_slug(item: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", item.name).strip("_")[:80]


@pytest.fixture
def open_notebook(lab_server, browser, request: pytest.FixtureRequest) -> Iterator[Callable]:
    """Factory: ``open_notebook(cells, name=None, ui="lab") -> NotebookPage``, ready to run
    (``ui="notebook"``: in Jupyter Notebook 7 instead of JupyterLab).

    Writes the cells as a notebook into the server root, opens it in a new
    page and waits for a connected, idle kernel. At teardown every page is
    screenshotted when the test failed, closed, and its kernel shut down.

    Example::

        def test_sum(open_notebook):
            nb = open_notebook(["x = 40"])
            nb.run_all()
            assert nb.kernel_json("x + 2") == 42
    """
    import json

    from notebook_page import NotebookPage, notebook_json

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pages: list[NotebookPage] = []
    request.node.stash[_open_pages_key] = pages
    request.node.stash[_server_mark_key] = (lab_server, lab_server.log_size())
    slug = _test_slug(request.node)

    def open_(cells: Sequence[str], name: str | None = None, ui: str = "lab") -> NotebookPage:
        stem = name or (slug if not pages else f"{slug}-{len(pages) + 1}")
        path = f"{stem}.ipynb"
        (lab_server.root_dir / path).write_text(json.dumps(notebook_json(cells), indent=1))
        page = NotebookPage(lab_server, context, path, SCREENSHOT_DIR, ui=ui)
        pages.append(page)
        return page.open()

    yield open_

    reports = request.node.stash.get(_reports_key, {})
    failed = any(report.failed for report in reports.values())
    try:
        for page in pages:
            if failed:
                try:
                    shot = page.screenshot(f"FAILED-{Path(page.path).stem}")
                    print(f"screenshot of the failing page: {shot}")
                except Exception as error:  # a dead page must not hide the real failure
                    print(f"could not screenshot {page.path}: {error}")
            page.close()
    finally:
        context.close()


@pytest.fixture
def notebook(open_notebook) -> Callable:
    """Alias of ``open_notebook`` for tests that open a single notebook."""
    return open_notebook
