"""The Issues view in a real JupyterLab: the checks fill in, a click selects what they flagged.

What the page shows is checked against the kernel: a click on an issue row
must select exactly ``lens.issue_ids(type)``, and "tag all" must tag exactly
those samples.
"""

from __future__ import annotations

ISSUES = ".nbdl-issues[data-ready='1']"
GALLERY = ".nbdl-gallery"
CLUSTER = '.nbdl-scatter[data-kind="cluster_map"]'

SETUP = """
import json
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
""".strip()


def issue_row(nb, issue_type: str):
    return nb.page.locator(f"{ISSUES} .nbdl-issues-row[data-issue='{issue_type}']")


def wait_checks_done(nb) -> None:
    """The background checks finished: the view says so (no row is waiting or running)."""
    nb.page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel); return v && v.dataset.running === '0'"
        " && v.querySelectorAll('.nbdl-issues-row').length > 0; }",
        arg=ISSUES,
        timeout=120_000,
    )


def test_a_click_on_an_issue_selects_exactly_what_the_check_flagged(open_notebook):
    nb = open_notebook([SETUP, "lens.show()"])
    nb.run_all()
    nb.wait_for(ISSUES)
    wait_checks_done(nb)
    # Every check is listed, those that could not run with the reason.
    rows = nb.page.locator(f"{ISSUES} .nbdl-issues-row")
    shown = {rows.nth(i).get_attribute("data-issue") for i in range(rows.count())}
    summary = nb.kernel_json("lens.issue_summary['issue_type'].tolist()")
    assert shown == set(summary)
    # folded under "N checks could not run", each with its reason
    assert "split" in issue_row(nb, "coverage").text_content()
    nb.screenshot_of("issues-view-light", ISSUES)

    # Click "likely mislabeled": the kernel's selection is the flagged ids.
    issue_row(nb, "label").click()
    flagged = nb.kernel_json("sorted(map(int, lens.issue_ids('label')))")
    assert len(flagged) > 0
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[GALLERY, len(flagged)],
    )
    assert nb.kernel_json("sorted(map(int, lens.selected))") == flagged
    assert nb.kernel_json("lens.model.active_issue") == "label"
    assert issue_row(nb, "label").get_attribute("aria-selected") == "true"

    # The gallery sorts them worst first and badges every tile.
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel)?.dataset.sort === 'issue'", arg=GALLERY
    )
    worst = nb.kernel_json("[str(i) for i in lens.issue_ids('label')[:3]]")
    nb.page.wait_for_function(
        "(sel) => document.querySelectorAll(sel + ' .nbdl-tile[data-id]').length >= 3",
        arg=GALLERY,
    )
    first_ids = nb.page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ' .nbdl-tile')]"
        ".sort((a, b) => a.dataset.index - b.dataset.index).slice(0, 3).map((t) => t.dataset.id)",
        GALLERY,
    )
    assert first_ids == worst
    badges = nb.page.locator(f"{GALLERY} .nbdl-tile").first.get_attribute("data-issues")
    assert "likely mislabeled" in badges
    nb.screenshot_of("gallery-issue-badges-light", GALLERY)

    # Shift-click adds the near duplicates; the kernel has the union.
    near = nb.kernel_json("sorted(map(int, lens.issue_ids('near_duplicate')))")
    assert len(near) > 0
    issue_row(nb, "near_duplicate").click(modifiers=["Shift"])
    union = sorted(set(flagged) | set(near))
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[GALLERY, len(union)],
    )
    assert nb.kernel_json("sorted(map(int, lens.selected))") == union


def test_tag_all_and_colour_the_cluster_map_by_a_score(open_notebook):
    nb = open_notebook([SETUP, "lens.show()"])
    nb.run_all()
    nb.wait_for(ISSUES)
    wait_checks_done(nb)
    issue_row(nb, "label").locator(".nbdl-issues-tag").click()
    status = nb.page.locator(f"{ISSUES} .nbdl-issues-status[data-kind='ok']")
    status.wait_for()
    assert "mislabeled" in status.inner_text()
    tagged = nb.kernel_json("sorted(map(int, lens.tags.index[lens.tags['mislabeled']]))")
    assert tagged == nb.kernel_json("sorted(map(int, lens.issue_ids('label')))")

    # Every score can colour the maps: label_score gets a colour bar.
    nb.page.locator(CLUSTER).first.scroll_into_view_if_needed()
    menu = nb.page.locator(f"{CLUSTER} select.nbdl-scatter-color").first
    menu.select_option("label_score")
    nb.wait_for(f"{CLUSTER} .nbdl-scatter-colorbar")
    assert menu.input_value() == "label_score"
    # The page drew with the kernel's scores: the colour bar spans their range.
    span = nb.kernel_json(
        "[float(lens.issues.label_score.min()), float(lens.issues.label_score.max())]"
    )
    assert 0 <= span[0] < span[1] <= 1
    nb.screenshot_of("cluster-map-label-score-light", CLUSTER)


# A kernel that answers the gallery only after a long while: the comm handler itself is
# held up, as a kernel running a long cell holds up every message behind it. (ipykernel 7
# answers comm messages during a plain time.sleep cell, so a sleeping cell alone would not
# keep the request waiting here.)
SLOW_KERNEL = """
import time
slow_calls = []
_thumbs = lens.model._handlers["thumbs"]
def _slow_thumbs(content):
    slow_calls.append(time.time())
    time.sleep(9)
    return _thumbs(content)
lens.model._handlers["thumbs"] = _slow_thumbs
""".strip()


def test_a_gallery_waiting_on_a_busy_kernel_fills_in_by_itself(open_notebook):
    # The gallery asks for thumbnails while the kernel takes longer than the page's slow
    # mark to answer: it says it is waiting, then fills in with no user action.
    nb = open_notebook([SETUP, "lens.gallery()"])
    nb.run_all()
    nb.page.wait_for_function(
        "(sel) => Number(document.querySelector(sel)?.dataset.thumbsLoaded || 0) > 0",
        arg=GALLERY,
    )
    before = int(nb.page.locator(GALLERY).first.get_attribute("data-thumbs-loaded"))
    nb.run_code(SLOW_KERNEL)
    nb.page.locator(f"{GALLERY} .nbdl-gallery-shuffle").click()  # a new sample: new thumbnails
    nb.page.wait_for_function(
        "(sel) => { const g = document.querySelector(sel); return g.dataset.waiting === '1'"
        " && g.querySelector('.nbdl-gallery-status').textContent.includes('waiting for the kernel')"
        " && g.querySelector('.nbdl-gallery-retry').hidden; }",
        arg=GALLERY,
        timeout=30_000,
    )
    nb.screenshot_of("gallery-waiting-for-the-kernel", GALLERY)
    nb.page.wait_for_function(
        "([sel, n]) => { const g = document.querySelector(sel); return g.dataset.waiting === '0'"
        " && Number(g.dataset.thumbsLoaded) > n; }",
        arg=[GALLERY, before],
        timeout=60_000,
    )
    assert nb.page.locator(f"{GALLERY} .nbdl-gallery-status").text_content() == ""
    assert nb.page.locator(f"{GALLERY} .nbdl-tile[data-state='ok']").count() > 0
    assert nb.kernel_json("len(slow_calls)") >= 1
