"""Find similar from the detail panel, and audio clips: play, loudest section, silent check.

Each page action is checked against the kernel: "find similar" must select
exactly the sample and ``lens.similar(id)``; a click on the silent check must
select exactly ``lens.issue_ids("silent")``.
"""

from __future__ import annotations

from test_browser_issues import ISSUES, SETUP, issue_row, wait_checks_done

GALLERY = ".nbdl-gallery"
DETAIL = f"{GALLERY} .nbdl-detail[data-loaded='1']"


def test_find_similar_in_the_detail_panel_selects_the_kernels_neighbours(open_notebook):
    nb = open_notebook([SETUP, "lens.show()"])
    nb.run_all()
    nb.page.wait_for_selector(f"{GALLERY}[data-ready='1'] .nbdl-tile[data-id]")
    tile = nb.page.locator(f"{GALLERY} .nbdl-tile[data-id]").first
    sample = tile.get_attribute("data-id")
    tile.click()
    nb.page.wait_for_selector(DETAIL)
    nb.page.locator(f"{GALLERY} .nbdl-detail-similar").click()
    expected = nb.kernel_json(
        f"sorted({{int({sample}), *map(int, lens.similar([{sample}], k=12)['id'])}})"
    )
    assert len(expected) == 13
    nb.page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.dataset.selectedCount === String(n)",
        arg=[GALLERY, len(expected)],
    )
    assert nb.kernel_json("sorted(map(int, lens.selected))") == expected
    # the sample stays open: it is part of what was selected
    assert nb.page.locator(f"{GALLERY} .nbdl-detail").get_attribute("data-pos") is not None
    # The issue checks' findings show in the panel of a flagged sample, not as table rows.
    wait_checks_done(nb)
    flagged = nb.kernel_json("str(lens.issue_ids('label')[0])")
    nb.run_code(f"lens.select([{flagged}])")
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel)?.dataset.selectedCount === '1'", arg=GALLERY
    )
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-id='{flagged}']").click()
    nb.page.wait_for_selector(f"{DETAIL}[data-pos]")
    issues = nb.page.locator(f"{GALLERY} .nbdl-detail-issues [data-issue='label']")
    issues.wait_for()
    assert "score" in issues.inner_text()
    cells = nb.page.locator(f"{GALLERY} .nbdl-detail-table th").all_inner_texts()
    assert "is_label_issue" not in cells and "suggested_label" in cells
    nb.screenshot_of("gallery-detail-issues-similar", GALLERY)


AUDIO = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
sr = 8000
rng = np.random.default_rng(0)
t = np.arange(3 * sr) / sr
def clip(i):
    # a 3 s clip with a word-like tone burst from 1.2 s to 1.8 s, a little noise around it
    tone = 0.5 * np.sin(2 * np.pi * (220 + 30 * i) * t) * ((t > 1.2) & (t < 1.8))
    return (tone + 0.002 * rng.normal(size=t.size)).astype(np.float32)
clips = [clip(i) for i in range(12)]
clips[3] = np.zeros(t.size, dtype=np.float32)
clips[7] = (0.0003 * rng.normal(size=t.size)).astype(np.float32)  # nearly silent
df = pd.DataFrame({"label": np.arange(12) % 3, "audio": clips, "sample_rate": sr},
                  index=[f"clip{i}" for i in range(12)])
lens = DataLens(df)
""".strip()


def test_audio_clips_play_show_their_loudest_section_and_the_silent_check(open_notebook):
    nb = open_notebook([AUDIO, "lens.show()"])
    nb.run_all()
    nb.wait_for(ISSUES)
    wait_checks_done(nb)
    issue_row(nb, "silent").click()
    silent = nb.kernel_json("sorted(lens.issue_ids('silent'))")
    assert silent == ["clip3", "clip7"]
    nb.page.wait_for_function(
        "(sel) => document.querySelector(sel)?.dataset.selectedCount === '2'", arg=GALLERY
    )
    assert nb.kernel_json("sorted(lens.selected)") == silent

    # A voiced clip: its loudest second is drawn on the waveform where the tone is.
    nb.run_code("lens.clear_selection()")
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-tile[data-id='clip0'][data-state='ok']")
    band = nb.page.locator(f"{GALLERY} .nbdl-tile[data-id='clip0'] .nbdl-loudest")
    assert band.is_visible()
    start, end = float(band.get_attribute("data-start")), float(band.get_attribute("data-end"))
    assert 0.75 <= start <= 1.25 and abs(end - start - 1.0) < 0.01, (start, end)

    # Play it: the audio element's time advances.
    play = nb.page.locator(f"{GALLERY} .nbdl-tile[data-id='clip0'] .nbdl-tile-play")
    play.click()
    nb.page.wait_for_function(
        "() => Number(document.querySelector(\".nbdl-tile[data-id='clip0'] .nbdl-tile-play\")"
        "?.dataset.time || 0) > 0.2",
        timeout=20_000,
    )
    nb.screenshot_of("gallery-audio-loudest", GALLERY)
    play.click()  # stops
