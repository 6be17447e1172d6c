"""Regenerate docs/screenshot.png: `lens.show()` on the digits demo, in real JupyterLab.

    python scripts/readme_screenshot.py [--out docs/screenshot.png]

Uses the browser-test harness (tests/browser): a private JupyterLab and Debian's
headless Chromium. It waits for the UMAP layout and the issue checks, selects what the "likely
mislabeled" check flagged (as a click on its row in the Issues view does), so
the gallery shows those samples worst first, and captures the dashboard.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))

from conftest import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from lab_server import LabServer  # noqa: E402
from notebook_page import NotebookPage, notebook_json  # noqa: E402

CELLS = [
    """
import time
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo

df = load_digits_demo()
lens = DataLens(df)
model = lens.model
deadline = time.time() + 240
while model.coords_method != "umap" and time.time() < deadline:
    time.sleep(0.5)
""",
    "lens.show()",
    'lens.select_issue("label")',
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="nbdl-shot-"))
    server = LabServer(workdir, import_paths=(REPO_ROOT,))
    try:
        server.start()
        (server.root_dir / "shot.ipynb").write_text(json.dumps(notebook_json(CELLS)))
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
            )
            context = browser.new_context(viewport={"width": 1500, "height": 2000})
            nb = NotebookPage(server, context, "shot.ipynb", workdir)
            try:
                nb.open()
                nb.page.evaluate(
                    "window.jupyterapp.commands.execute('application:toggle-left-area')"
                )
                nb.run_all(timeout_ms=300_000)
                for cls in ("nbdl-issues", "nbdl-confusion", "nbdl-scatter", "nbdl-gallery"):
                    nb.page.wait_for_selector(f".{cls}[data-ready='1']")
                nb.page.wait_for_selector(".nbdl-issues[data-running='0']")
                nb.page.wait_for_timeout(2500)  # thumbnails arrive after the first draw
                grid = nb.page.locator(".widget-gridbox").first
                args.out.parent.mkdir(parents=True, exist_ok=True)
                grid.screenshot(path=str(args.out))
                print(f"wrote {args.out}")
            finally:
                nb.close()
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
