"""Every text of `lens.show()` stays readable (WCAG AA, 4.5:1) in each host's theme.

One notebook, five pages a user may see it on, applied one after another to the
same running widgets (so each switch also checks that the views follow a theme
change live, without a re-render):

1. JupyterLab Light, 2. JupyterLab Dark (Lab's own theme command),
3. a host that says nothing (no ``--jp-*`` variables, transparent page) with the
   system in light mode, 4. the same with ``prefers-color-scheme: dark``,
5. a VS Code dark page: no ``--jp-*`` variables, VS Code's Dark Modern
   variables on ``<html>``, ``vscode-dark`` on ``<body>`` and vscode-jupyter's
   white ``.cell-output-ipywidget-background`` panel round the output.

For each, every visible text node inside the views is checked against its
effective background (the first ancestors' backgrounds composited until one is
opaque), and so is the text the canvases draw (the colours each view reports in
``data-nbdl-canvas-text``; the confusion matrix's cells as fill/text pairs).
"""

from __future__ import annotations

import json

from conftest import SCREENSHOT_DIR

ALL_VIEWS = ["nbdl-confusion", "nbdl-gallery", "nbdl-issues", "nbdl-scatter", "nbdl-toolbar"]
VIEWS = ", ".join("." + name for name in ALL_VIEWS)

SETUP = """
from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
lens = DataLens(load_digits_demo(), projection="pca")
lens.show()
"""

SELECT = "lens.select(lens.df.index[lens.derived['correct'].to_numpy() == 0][:40])"

# Contrast of every visible text inside the views; canvas text from the colours the
# renderers report. Returns [{view, text, fg, bg, ratio}] of the failures, worst first.
CHECK_CONTRAST = """(args) => {
const [selector, minimum] = args;
function parse(c) {
  const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
  if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
const over = (top, under) => {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
};
function lum(c) {
  const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function ratio(fg, bg) {
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
function parentOf(el) {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode();
  return root && root.host ? root.host : null;
}
// Backgrounds from el up, composited until one is opaque (the page canvas is white).
function backdrop(el) {
  const layers = [];
  for (let e = el; e; e = parentOf(e)) {
    const bg = parse(getComputedStyle(e).backgroundColor);
    if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
  }
  let color = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) color = over(layers[i], color);
  return color;
}
function opacity(el) {
  let o = 1;
  for (let e = el; e; e = parentOf(e)) o *= Number(getComputedStyle(e).opacity);
  return o;
}
const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
const failures = [];
const checked = { dom: 0, canvas: 0, lowest: 21 };
const schemes = {};
function check(view, text, fgText, bg, el) {
  const fg = parse(fgText);
  if (!fg) return;
  const solid = over([fg[0], fg[1], fg[2], fg[3] * (el ? opacity(el) : 1)], bg);
  const r = ratio(solid, bg);
  checked.lowest = Math.min(checked.lowest, Math.round(r * 100) / 100);
  if (r < minimum) failures.push({ view, text: text.slice(0, 40), fg: css(solid), bg: css(bg),
    ratio: Math.round(r * 100) / 100, where: el ? String(el.className).slice(0, 40) : '' });
}
for (const view of document.querySelectorAll(selector)) {
  const name = view.className.split(' ')[0];
  schemes[name] = lum(backdrop(view)) < 0.179 ? 'dark' : 'light';
  const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('option, [hidden], :disabled')) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || el.getClientRects().length === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    checked.dom += 1;
    check(name, text, style.color, backdrop(el), el);
  }
  // Form controls show their value, not a text node.
  for (const el of view.querySelectorAll('select, input[type=text], input[type=search]')) {
    if (el.getClientRects().length === 0 || el.disabled) continue;
    const style = getComputedStyle(el);
    const shown = el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent : el.value;
    if (shown) { checked.dom += 1; check(name, shown, style.color, backdrop(el), el); }
  }
  for (const canvas of view.querySelectorAll('[data-nbdl-canvas-text]')) {
    if (canvas.getClientRects().length === 0) continue;
    const bg = backdrop(canvas);
    for (const c of JSON.parse(canvas.dataset.nbdlCanvasText)) {
      checked.canvas += 1;
      check(name, 'canvas text', c, bg, null);
    }
  }
  for (const canvas of view.querySelectorAll('[data-nbdl-cell-text]')) {
    for (const [fill, text] of JSON.parse(canvas.dataset.nbdlCellText)) {
      checked.canvas += 1;
      check(name, 'cell count', text, parse(fill), null);
    }
  }
}
// What the confusion matrices' canvases painted: the pixel in the bottom right corner
// is the canvas background (beside the overall accuracy).
const canvasSchemes = [...document.querySelectorAll('.nbdl-cm-canvas')].map((c) => {
  const p = c.getContext('2d').getImageData(c.width - 1, c.height - 1, 1, 1).data;
  return lum([p[0], p[1], p[2]]) < 0.179 ? 'dark' : 'light';
});
failures.sort((a, b) => a.ratio - b.ratio);
return { failures, checked, schemes, canvasSchemes };
}"""

# Removes JupyterLab's variables below the notebook and every background above the
# outputs: a page that says nothing about its theme.
NO_HOST = """() => {
const names = new Set();
for (const sheet of document.styleSheets) {
  let rules;
  try { rules = sheet.cssRules; } catch (e) { continue; }
  for (const rule of rules) {
    if (!rule.style) continue;
    for (const prop of rule.style) if (prop.startsWith('--jp-')) names.add(prop);
  }
}
const style = document.createElement('style');
style.id = 'nbdl-no-host';
style.textContent = '.jp-Notebook {' + [...names].map((n) => n + ': initial;').join('') + '}';
document.head.append(style);
for (const output of document.querySelectorAll('.jp-OutputArea-output')) {
  for (let e = output; e; e = e.parentElement) {
    e.style.setProperty('background', 'transparent', 'important');
  }
}
delete document.body.dataset.jpThemeLight;
delete document.body.dataset.jpThemeName;
return names.size;
}"""

# VS Code's Dark Modern colours as a notebook webview sets them, its markers, and
# vscode-jupyter's white panel round a widget output (its renderer's styles.css).
VSCODE_DARK = """() => {
const vars = {
  '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc',
  '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b', '--vscode-focusBorder': '#0078d4',
  '--vscode-textLink-foreground': '#4daafc', '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#313131',
  '--vscode-errorForeground': '#f85149', '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-font-family': 'system-ui, sans-serif',
};
for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
document.body.classList.add('vscode-dark');
document.body.dataset.vscodeThemeKind = 'vscode-dark';
const style = document.createElement('style');
style.textContent = '.cell-output-ipywidget-background { background: white !important; }'
  + 'body { background: #1f1f1f !important; color: #cccccc; }';
document.head.append(style);
for (const view of document.querySelectorAll('.nbdl-toolbar')) {
  view.closest('.jp-OutputArea-output').classList.add('cell-output-ipywidget-background');
}
}"""


def _check(nb) -> dict:
    nb.page.wait_for_timeout(700)  # observers fire, canvases repaint on the next frames
    return nb.page.evaluate(CHECK_CONTRAST, [VIEWS, 4.5])


def test_every_text_meets_wcag_aa_in_light_dark_and_vscode(notebook):
    # A matrix alone is wide enough to write its counts in the cells.
    nb = notebook([SETUP, SELECT, "lens.confusion_matrix()"])
    nb.run_all()
    page = nb.page
    page.set_viewport_size({"width": 1400, "height": 2400})  # the whole dashboard in each shot
    nb.wait_for(".nbdl-gallery[data-ready='1']")
    nb.wait_for(".nbdl-gallery .nbdl-tile")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.nbdl-gallery .nbdl-tile')]"
        ".every((t) => t.dataset.state === 'ok')",
        timeout=20_000,
    )
    page.wait_for_function("() => document.querySelectorAll('.nbdl-scatter canvas').length > 0")
    output = ".jp-OutputArea-output:has(.nbdl-toolbar)"
    results: dict[str, dict] = {}

    def case(name: str) -> None:
        results[name] = _check(nb)
        nb.screenshot_of(f"theme-{name}", output)

    try:
        case("lab-light")
        nb.set_theme("JupyterLab Dark")
        case("lab-dark")
    finally:
        nb.set_theme("JupyterLab Light")
    assert page.evaluate(NO_HOST) > 50
    page.emulate_media(color_scheme="light")
    case("no-host-light")
    page.emulate_media(color_scheme="dark")
    case("no-host-dark")
    page.emulate_media(color_scheme="light")  # VS Code's classes must win over the system
    page.evaluate(VSCODE_DARK)
    case("vscode-dark")

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "theme-contrast.json").write_text(json.dumps(results, indent=1))
    expected = {
        "lab-light": "light",
        "lab-dark": "dark",
        "no-host-light": "light",
        "no-host-dark": "dark",
        "vscode-dark": "dark",
    }
    # One report over all five pages: the scheme each view paints, then every text below AA.
    report: dict[str, object] = {}
    for name, scheme in expected.items():
        if results[name]["schemes"] != dict.fromkeys(ALL_VIEWS, scheme):
            report[f"{name}: views not {scheme}"] = results[name]["schemes"]
        if results[name]["canvasSchemes"] != [scheme, scheme]:
            report[f"{name}: confusion canvases not {scheme}"] = results[name]["canvasSchemes"]
        if results[name]["failures"]:
            report[f"{name}: texts below 4.5:1"] = results[name]["failures"][:8]
    assert not report, json.dumps(report, indent=1)
    for name, result in results.items():
        # Every view was read: the DOM texts and each canvas's text colours.
        assert result["checked"]["dom"] > 100, (name, result["checked"])
        assert result["checked"]["canvas"] >= 4, (name, result["checked"])
