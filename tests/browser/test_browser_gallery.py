"""The gallery in a real JupyterLab: tiles, sort, virtual scroll, detail panel, bad input."""

from __future__ import annotations

import json

import pytest

GALLERY = ".nbdl-gallery"

SETUP = """
import numpy as np
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
df = load_digits_demo()
lens = DataLens(df, projection="pca")
loss32 = lens.derived["loss"].to_numpy(dtype=np.float32)
conf32 = lens.derived["confidence"].to_numpy(dtype=np.float32)

def expected_ids(positions, values, descending):
    # The gallery's order: stable on table order, NaN last.
    positions = np.sort(np.asarray(positions))
    key = values[positions].astype(np.float64)
    key = np.where(np.isnan(key), np.inf, -key if descending else key)
    return [str(lens.df.index[p]) for p in positions[np.argsort(key, kind="stable")]]
"""

# Tiles in display order, with the facts the tests check.
READ_TILES = """(root) => [...root.querySelectorAll('.nbdl-tile')]
  .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
  .map((t) => {
    const img = t.querySelector('img');
    return {
      index: Number(t.dataset.index),
      pos: Number(t.dataset.pos),
      id: t.dataset.id ?? null,
      state: t.dataset.state,
      wrong: t.dataset.wrong === '1',
      loaded: !!img && img.complete && img.naturalWidth > 0,
      title: t.querySelector('.nbdl-tile-media')?.title ?? '',
      text: t.innerText,
    };
  })"""

# True when every tile in the DOM has its id and its media settled.
ALL_SETTLED = """() => {
  const tiles = [...document.querySelectorAll('.nbdl-gallery .nbdl-tile')];
  return tiles.length > 0 && tiles.every((t) => t.dataset.id !== undefined
    && (t.dataset.state === 'error'
        || (t.dataset.state === 'ok' && t.querySelector('img')?.complete
            && t.querySelector('img').naturalWidth > 0)));
}"""


def open_gallery(notebook, setup: str = SETUP, view: str = "g = lens.gallery()\ng"):
    nb = notebook([setup, view])
    nb.run_all()
    nb.wait_for(f"{GALLERY}[data-ready='1']")
    return nb


def tiles(nb) -> list[dict]:
    return nb.page.locator(GALLERY).first.evaluate(READ_TILES)


def wait_settled(nb) -> None:
    nb.page.wait_for_function(ALL_SETTLED, timeout=20_000)


def test_random_sample_shows_decoded_thumbnails_in_light_and_dark(notebook):
    nb = open_gallery(notebook)
    root = nb.page.locator(GALLERY).first
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.mode === 'sample'"
    )
    assert root.get_attribute("data-count") == "60"
    assert "random sample of 60 — look at your data" in root.inner_text()
    wait_settled(nb)
    shown = tiles(nb)
    assert shown and all(t["loaded"] for t in shown)
    # Stable: the kernel draws the same sample when asked twice (same seed).
    first_ids = [t["id"] for t in shown]
    nb.screenshot_of("gallery-sample-light", GALLERY)
    nb.set_theme("JupyterLab Dark")
    nb.screenshot_of("gallery-sample-dark", GALLERY)
    nb.set_theme("JupyterLab Light")

    nb.page.locator(f"{GALLERY} .nbdl-gallery-shuffle").click()
    nb.page.wait_for_function(
        "(ids) => { const t = [...document.querySelectorAll('.nbdl-tile')]"
        ".filter((e) => e.dataset.id !== undefined).map((e) => e.dataset.id);"
        " return t.length > 0 && t.join() !== ids.join(); }",
        arg=first_ids,
    )
    assert nb.kernel_json("g.sample_seed") == 1


def test_kernel_selection_shows_exactly_those_ids_sorted_then_resorted(notebook):
    nb = open_gallery(notebook)
    nb.run_code(
        "rng = np.random.default_rng(3)\n"
        "picked = np.sort(rng.choice(len(df), 24, replace=False))\n"
        "lens.select(lens.df.index[picked])"
    )
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '24'"
    )
    wait_settled(nb)
    shown = tiles(nb)
    expected = nb.kernel_json("expected_ids(picked, loss32, True)")
    assert [t["id"] for t in shown] == expected
    header = nb.page.locator(f"{GALLERY} .nbdl-gallery-summary").inner_text()
    assert header == "24 selected · sorted by loss ↓"
    # The wrong-prediction mark follows the kernel's own verdict.
    wrong = nb.kernel_json(
        "[str(i) for i in lens.df.index[picked][~lens.derived['correct'].to_numpy(bool)[picked]]]"
    )
    assert sorted(t["id"] for t in shown if t["wrong"]) == sorted(wrong)
    assert all("✗ pred" in t["text"] for t in shown if t["wrong"])

    nb.page.locator(f"{GALLERY} select[aria-label='sort by']").select_option("confidence")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.sort === 'confidence'"
    )
    wait_settled(nb)
    expected = nb.kernel_json("expected_ids(picked, conf32, False)")
    assert [t["id"] for t in tiles(nb)] == expected
    assert nb.kernel_json("[g.sort_by, g.descending]") == ["confidence", False]
    nb.screenshot_of("gallery-selection-by-confidence", GALLERY)


def test_scrolling_a_large_selection_loads_the_last_thumbnails(notebook):
    nb = open_gallery(notebook)
    nb.run_code("lens.select(lens.df.index)")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '1797'"
    )
    wait_settled(nb)
    in_dom = nb.page.locator(f"{GALLERY} .nbdl-tile").count()
    assert 0 < in_dom < 300, f"{in_dom} tiles in the DOM: the grid is not virtual"
    scroller = nb.page.locator(f"{GALLERY} .nbdl-gallery-scroller")
    scroller.evaluate("(s) => { s.scrollTop = s.scrollHeight; }")
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-tile[data-index='1796'][data-state='ok']")
    wait_settled(nb)
    last = next(t for t in tiles(nb) if t["index"] == 1796)
    assert last["loaded"]
    expected_last = nb.kernel_json("expected_ids(np.arange(len(df)), loss32, True)[-1]")
    assert last["id"] == expected_last
    assert nb.page.locator(f"{GALLERY} .nbdl-tile").count() < 300
    nb.screenshot_of("gallery-scrolled-to-bottom", GALLERY)


def test_clicking_a_tile_opens_its_row_and_arrows_move(notebook):
    nb = open_gallery(notebook)
    nb.run_code("lens.select(lens.df.index[:30])")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '30'"
    )
    wait_settled(nb)
    first = tiles(nb)[0]
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-index='0']").click()
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-detail[data-loaded='1']")
    panel = nb.page.locator(f"{GALLERY} .nbdl-detail")
    values = panel.evaluate(
        "(p) => Object.fromEntries([...p.querySelectorAll('tr')]"
        ".map((r) => [r.cells[0].textContent, r.cells[1].textContent]))"
    )
    kernel = nb.kernel_json(
        f"{{'label': str(lens.df.loc[{first['id']}, 'label']),"
        f" 'true_label': str(lens.df.loc[{first['id']}, 'true_label']),"
        f" 'loss': format(float(lens.derived.loss.loc[{first['id']}]), '.4g')}}"
    )
    for name, text in kernel.items():
        assert values[name] == text
    assert panel.locator(".nbdl-detail-title").inner_text() == first["id"]
    nb.page.wait_for_function(
        "() => { const i = document.querySelector('.nbdl-detail img');"
        " return i && i.complete && i.naturalWidth >= 192; }"
    )
    nb.screenshot_of("gallery-detail", GALLERY)

    nb.set_theme("JupyterLab Dark")
    nb.screenshot_of("gallery-detail-dark", GALLERY)
    nb.set_theme("JupyterLab Light")

    second = tiles(nb)[1]["id"]
    # Running the kernel cell moved the keyboard focus into the notebook: come back.
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-index='0']").click()
    nb.page.keyboard.press("ArrowRight")
    nb.page.wait_for_function(
        "(id) => document.querySelector('.nbdl-detail-title').textContent === id", arg=second
    )
    nb.page.keyboard.press("Escape")
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-detail", state="hidden")
    assert nb.kernel_json("len(lens.selected)") == 30  # Escape closed the panel, kept the selection


CORRUPT = (
    SETUP
    + """
import io
from PIL import Image

def png(a):
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()

bad = df.copy()
bad["image"] = [png(a) for a in df["image"]]
bad.iloc[7, bad.columns.get_loc("image")] = b"not an image"
lens = DataLens(bad, projection="pca")
lens.select(lens.df.index[:20])
"""
)


def test_one_corrupt_image_is_one_flagged_tile(notebook):
    nb = open_gallery(notebook, CORRUPT)
    wait_settled(nb)
    shown = tiles(nb)
    assert len(shown) == 20
    broken = [t for t in shown if t["state"] == "error"]
    assert [t["id"] for t in broken] == ["7"]
    assert "cannot decode image" in broken[0]["title"]
    assert all(t["loaded"] for t in shown if t["state"] == "ok")
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-state='error']").scroll_into_view_if_needed()
    nb.screenshot_of("gallery-corrupt-image", GALLERY)


XSS = '<img src=x onerror="window.__xss=1">'
HOSTILE = (
    SETUP
    + f"""
XSS = {XSS!r}
hostile = df.drop(columns=["prediction"]).copy()
hostile["label"] = hostile["label"].astype(str).replace("3", XSS)
hostile.index = [XSS if i == 3 else f"s{{i}}" for i in range(len(hostile))]
classes = [XSS if c == 3 else str(c) for c in range(10)]
lens = DataLens(hostile, projection="pca", classes=classes)
lens.select(lens.df.index[:12])
"""
)


def test_hostile_ids_and_labels_stay_text(notebook):
    nb = open_gallery(notebook, HOSTILE)
    wait_settled(nb)
    shown = tiles(nb)
    assert XSS in [t["id"] for t in shown]
    assert any(XSS in t["text"] for t in shown)
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-id='{json.dumps(XSS)[1:-1]}']").click()
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-detail[data-loaded='1']")
    assert nb.page.locator(".nbdl-detail-title").inner_text() == XSS
    nb.screenshot_of("gallery-hostile-text", GALLERY)
    assert nb.page.evaluate("() => window.__xss") is None
    assert nb.page.locator(f"{GALLERY} img[src='x']").count() == 0


@pytest.mark.slow
def test_selection_to_first_thumbnails_at_100k_rows(notebook):
    setup = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
rng = np.random.default_rng(0)
n = 100_000
probs = rng.dirichlet(np.ones(10), n).astype(np.float32)
df = pd.DataFrame({"label": rng.integers(0, 10, n), "probs": list(probs),
                   "image": list(rng.integers(0, 256, (n, 8, 8), dtype=np.uint8))})
lens = DataLens(df, projection="pca")
"""
    nb = open_gallery(notebook, setup)
    wait_settled(nb)
    # Time from the selection reaching the gallery to its first thumbnails on screen.
    nb.page.evaluate(
        """() => {
      const root = document.querySelector('.nbdl-gallery');
      window.__timing = {};
      new MutationObserver(() => {
        const t = window.__timing;
        if (t.start === undefined && root.dataset.selectedCount !== '0') {
          t.start = performance.now();
        }
        if (t.start !== undefined && t.first === undefined
            && root.querySelector(".nbdl-tile[data-index='0'][data-state='ok']")) {
          t.first = performance.now();
        }
      }).observe(root, {attributes: true, subtree: true, childList: true});
    }"""
    )
    nb.run_code("lens.select(lens.df.index[lens.derived.loss.to_numpy() > 2.5])")
    nb.page.wait_for_function("() => window.__timing.first !== undefined", timeout=20_000)
    timing = nb.page.evaluate("() => window.__timing")
    elapsed = timing["first"] - timing["start"]
    print(f"selection → first thumbnails at 100k rows: {elapsed:.0f} ms")
    assert elapsed < 300


def test_marked_tiles_become_the_selection_and_escape_clears_it(notebook):
    nb = open_gallery(notebook)
    nb.run_code("lens.select(lens.df.index[:10])")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '10'"
    )
    wait_settled(nb)
    shown = tiles(nb)
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-index='1']").click(modifiers=["Control"])
    nb.page.locator(f"{GALLERY} .nbdl-tile[data-index='4']").click(modifiers=["Shift"])
    assert nb.page.locator(f"{GALLERY} .nbdl-tile.nbdl-marked").count() == 2
    assert nb.page.locator(f"{GALLERY} .nbdl-gallery-marked").inner_text() == "2 marked"
    nb.page.locator(f"{GALLERY} button:has-text('keep only these')").click()
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '2'"
    )
    kept = sorted([shown[1]["id"], shown[4]["id"]], key=int)
    assert nb.kernel_json("[str(i) for i in lens.selected]") == kept

    nb.page.locator(f"{GALLERY} .nbdl-tile[data-index='0']").click(modifiers=["Control"])
    nb.page.locator(f"{GALLERY} button:has-text('remove from selection')").click()
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.selectedCount === '1'"
    )
    # Escape with nothing open and nothing marked clears the shared selection.
    nb.page.locator(f"{GALLERY} .nbdl-gallery-summary").click()
    nb.page.keyboard.press("Escape")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.mode === 'sample'"
    )
    assert nb.kernel_json("len(lens.selected)") == 0


def test_keyboard_moves_between_tiles_and_enter_opens_one(notebook):
    nb = open_gallery(notebook)
    wait_settled(nb)
    nb.page.locator(f"{GALLERY} .nbdl-gallery-summary").click()
    nb.page.keyboard.press("ArrowRight")  # focus starts on the first tile
    nb.page.keyboard.press("ArrowRight")
    nb.page.keyboard.press("ArrowDown")
    columns = nb.page.evaluate(
        "() => new Set([...document.querySelectorAll('.nbdl-tile')]"
        ".map((t) => t.getBoundingClientRect().left)).size"
    )
    focused = nb.page.locator(f"{GALLERY} .nbdl-tile.nbdl-focused")
    assert focused.get_attribute("data-index") == str(1 + columns)
    nb.page.keyboard.press("Enter")
    nb.page.wait_for_selector(f"{GALLERY} .nbdl-detail[data-loaded='1']")
    assert nb.page.locator(".nbdl-detail-title").inner_text() == focused.get_attribute("data-id")


AUDIO = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
n = 9
t = np.arange(4000) / 8000
clips = [0.4 * np.sin(2 * np.pi * (200 + 40 * i) * t) * np.exp(-3 * t) for i in range(n)]
clips[2] = np.zeros(4000)
clips[5] = np.clip(3 * np.sin(2 * np.pi * 300 * t), -1, 1)
rng = np.random.default_rng(0)
df = pd.DataFrame({"label": np.arange(n) % 3, "probs": list(rng.dirichlet(np.ones(3), n)),
                   "audio": clips, "sample_rate": 8000}, index=[f"clip{i}" for i in range(n)])
lens = DataLens(df)
"""


def test_audio_tiles_show_waveforms_flags_and_play(notebook):
    nb = open_gallery(notebook, AUDIO)
    wait_settled(nb)
    shown = {t["id"]: t for t in tiles(nb)}
    assert len(shown) == 9 and all(t["loaded"] for t in shown.values())
    badges = nb.page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.nbdl-tile')].map((t) =>"
        " [t.dataset.id, [...t.querySelectorAll('.nbdl-tile-badge')].map((b) => b.textContent)]))"
    )
    assert badges["clip2"] == ["silent"] and badges["clip5"] == ["clipped"]
    assert badges["clip0"] == []
    play = nb.page.locator(f"{GALLERY} .nbdl-tile[data-id='clip0'] .nbdl-tile-play")
    play.click()
    nb.page.wait_for_function(
        "() => document.querySelector(\".nbdl-tile[data-id='clip0'] .nbdl-tile-play\")"
        ".textContent === '■'"
    )
    assert nb.page.locator(f"{GALLERY} .nbdl-gallery-status.nbdl-error").count() == 0
    nb.screenshot_of("gallery-audio", GALLERY)
    play.click()  # stops
    assert play.inner_text() == "▶"


TEXT = f"""
import numpy as np, pandas as pd
from nbdatalens import DataLens
n = 8
rng = np.random.default_rng(0)
texts = [f"review {{i}}: the plot was fine but the ending dragged on" for i in range(n)]
texts[3] = {XSS!r}
df = pd.DataFrame({{"label": np.arange(n) % 2, "probs": list(rng.dirichlet(np.ones(2), n)),
                   "text": texts}})
lens = DataLens(df)
"""


def test_text_tiles_show_snippets_as_text(notebook):
    nb = open_gallery(notebook, TEXT)
    # Read the snippets in the same poll that sees every tile loaded: the tiles are drawn
    # again once the gallery's columns arrive, and a tile between the two has no text yet.
    snippets = nb.page.wait_for_function(
        "() => { const tiles = [...document.querySelectorAll('.nbdl-tile')];"
        " const text = tiles.map((t) => [t.dataset.id, t.querySelector('.nbdl-tile-text')]);"
        " if (!tiles.length || tiles.some((t) => t.dataset.state !== 'ok')"
        " || text.some(([, el]) => !el)) return null;"
        " return Object.fromEntries(text.map(([id, el]) => [id, el.textContent])); }"
    ).json_value()
    assert snippets["0"] == "review 0: the plot was fine but the ending dragged on"
    assert snippets["3"] == XSS
    assert nb.page.evaluate("() => window.__xss") is None
    nb.screenshot_of("gallery-text", GALLERY)


def test_tables_without_media_show_ids_labels_and_metrics(notebook):
    setup = """
import numpy as np, pandas as pd
from nbdatalens import DataLens
rng = np.random.default_rng(0)
df = pd.DataFrame({"label": np.arange(30) % 3, "probs": list(rng.dirichlet(np.ones(3), 30))},
                  index=[f"row-{i}" for i in range(30)])
lens = DataLens(df)
"""
    nb = open_gallery(notebook, setup)
    nb.page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('.nbdl-tile')];"
        " return t.length === 30 && t.every((e) => e.dataset.id); }"
    )
    shown = tiles(nb)
    assert len(shown) == 30
    assert nb.page.locator(f"{GALLERY} .nbdl-tile-media").count() == 0
    assert all(t["text"].startswith("row-") and "loss" in t["text"] for t in shown)
    # No dynamics: confidence is not offered as a sort key.
    options = nb.page.locator(f"{GALLERY} select[aria-label='sort by'] option").all_inner_texts()
    assert options == ["loss", "margin", "label", "table order"]
    nb.screenshot_of("gallery-no-media", GALLERY)


def test_size_control_and_kernel_side_traits_reach_the_page(notebook):
    nb = open_gallery(notebook)
    wait_settled(nb)
    width = nb.page.locator(f"{GALLERY} .nbdl-tile").first.bounding_box()["width"]
    nb.page.locator(f"{GALLERY} select[aria-label='thumbnail size']").select_option(label="large")
    nb.page.wait_for_function(
        "(w) => document.querySelector('.nbdl-tile').getBoundingClientRect().width > w + 40",
        arg=width,
    )
    wait_settled(nb)  # thumbnails come again, at the new size
    natural = nb.page.evaluate("() => document.querySelector('.nbdl-tile img').naturalWidth")
    assert natural >= 160
    assert nb.kernel_json("g.tile_size") == 160
    nb.screenshot_of("gallery-large-tiles", GALLERY)

    nb.run_code("g.tile_size = 40; g.sort_by = 'margin'; g.descending = False")
    nb.page.wait_for_function(
        "() => document.querySelector('.nbdl-gallery').dataset.sort === 'margin'"
    )
    select = nb.page.locator(f"{GALLERY} select[aria-label='thumbnail size']")
    assert select.evaluate("(s) => s.options[s.selectedIndex].textContent") == "40 px"
    wait_settled(nb)
    shown = tiles(nb)
    margins = nb.kernel_json(
        f"[float(lens.derived.margin.loc[int(i)]) for i in {json.dumps([t['id'] for t in shown])}]"
    )
    assert len(margins) >= 20 and margins == sorted(margins)  # lowest margin first
    nb.screenshot_of("gallery-small-tiles", GALLERY)
