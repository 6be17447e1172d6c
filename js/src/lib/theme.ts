// The notebook's theme: which scheme the host is in (light or dark), and the
// colours of every view, read from the host's CSS variables (JupyterLab's, then
// VS Code's, then our own defaults for the scheme), with every text colour kept
// at WCAG AA contrast. lib/theme.css maps the same variables for the first paint;
// applyTheme() then writes the resolved --nbdl-* tokens on each view's root, and
// watchTheme() re-applies them when the host switches theme.

export type RGBA = [number, number, number, number];

export type Scheme = "light" | "dark";

export interface Theme {
  background: string;
  /** Raised surfaces: menus, tooltips, panels, tiles. */
  panel: string;
  /** A faint fill: hovered items, placeholders. */
  fill: string;
  foreground: string;
  /** Secondary text: axis ticks, counts. */
  muted: string;
  border: string;
  /** Interactive elements: focus rings, active buttons. */
  accent: string;
  /** Faint accent fill behind text (selected rows). */
  accentSoft: string;
  /** The accent as a text colour (links, primary buttons): the accent, made legible. */
  accentText: string;
  /** Text on an accent fill. */
  onAccent: string;
  /** Selection outlines and the lasso stroke. */
  selection: string;
  /** Errors: the confusion matrix's off-diagonal cells. */
  error: string;
  /** Warnings: issue bars and badges (a fill; text on it is black). */
  warn: string;
  /** Success text. */
  ok: string;
  fontFamily: string;
  scheme: Scheme;
  isDark: boolean;
}

const NAMED: Record<string, RGBA> = {
  transparent: [0, 0, 0, 0],
  black: [0, 0, 0, 1],
  white: [255, 255, 255, 1],
  gray: [128, 128, 128, 1],
  grey: [128, 128, 128, 1],
};

function clampByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** A colour channel: a number 0..255 or a percentage. */
function channel(token: string): number {
  const value = token.endsWith("%") ? (Number.parseFloat(token) / 100) * 255 : Number(token);
  return Number.isFinite(value) ? clampByte(value) : Number.NaN;
}

/** An alpha: a number 0..1 or a percentage. */
function alphaOf(token: string): number {
  const value = token.endsWith("%") ? Number.parseFloat(token) / 100 : Number(token);
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : Number.NaN;
}

function parseHex(hex: string): RGBA | null {
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  if (hex.length === 3 || hex.length === 4) {
    const d = [...hex].map((c) => Number.parseInt(c + c, 16));
    return [d[0], d[1], d[2], hex.length === 4 ? d[3] / 255 : 1];
  }
  if (hex.length === 6 || hex.length === 8) {
    const d = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    return [d[0], d[1], d[2], hex.length === 8 ? d[3] / 255 : 1];
  }
  return null;
}

function parseRgbFunction(body: string): RGBA | null {
  // Both rgb(1, 2, 3, 0.5) and rgb(1 2 3 / 50%).
  const parts = body.includes(",")
    ? body.split(",").map((p) => p.trim())
    : body
        .replace("/", " / ")
        .split(/\s+/)
        .filter((p) => p !== "" && p !== "/");
  if (parts.length !== 3 && parts.length !== 4) return null;
  const rgba: RGBA = [channel(parts[0]), channel(parts[1]), channel(parts[2]), 1];
  if (parts.length === 4) rgba[3] = alphaOf(parts[3]);
  return rgba.some(Number.isNaN) ? null : rgba;
}

/**
 * Parse a CSS colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`, `rgba()`
 * or a few names, into [r, g, b, a] with r, g, b in 0..255 and a in 0..1.
 * Returns null for anything else (the caller picks a default).
 *
 * @example parseCssColor("#f80") // [255, 136, 0, 1]
 */
export function parseCssColor(text: string): RGBA | null {
  const s = text.trim().toLowerCase();
  if (s.startsWith("#")) return parseHex(s.slice(1));
  const fn = /^rgba?\((.*)\)$/.exec(s);
  if (fn) return parseRgbFunction(fn[1]);
  const named = NAMED[s];
  return named ? [...named] : null;
}

/** `rgb(r, g, b)` when opaque, else `rgba(r, g, b, a)`: a form every browser and canvas accepts. */
export function rgbaToCss(rgba: readonly number[]): string {
  const [r, g, b, a = 1] = rgba;
  if (a >= 1) return `rgb(${r}, ${g}, ${b})`;
  return `rgba(${r}, ${g}, ${b}, ${Number(a.toFixed(3))})`;
}

/** WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
export function relativeLuminance(rgb: readonly number[]): number {
  const linear = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
}

/** WCAG contrast ratio of `fg` over `bg` (1 to 21); a see-through `fg` is composited over `bg`. */
export function contrastRatio(fg: readonly number[], bg: readonly number[]): number {
  const solid = over(fg, bg);
  const a = relativeLuminance(solid);
  const b = relativeLuminance(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** `top` composited over the opaque `under` (alpha 1 when omitted). */
export function over(top: readonly number[], under: readonly number[]): RGBA {
  const a = top[3] ?? 1;
  if (a >= 1) return [top[0], top[1], top[2], 1];
  const mixc = (i: number) => Math.round(top[i] * a + under[i] * (1 - a));
  return [mixc(0), mixc(1), mixc(2), 1];
}

// Below this luminance white text has more contrast than black (WCAG ratios are equal at ~0.179).
export const DARK_LUMINANCE = 0.179;

/** AA for normal text. */
export const TEXT_CONTRAST = 4.5;

/**
 * `color` unchanged when it reaches `minimum` contrast over every one of
 * `backgrounds`; otherwise the least step toward white (dark backgrounds) or
 * black (light ones) that does, as an opaque colour.
 */
export function legible(
  color: readonly number[],
  backgrounds: readonly (readonly number[])[],
  minimum = TEXT_CONTRAST,
): RGBA {
  const ok = (c: readonly number[]) => backgrounds.every((bg) => contrastRatio(c, bg) >= minimum);
  if (ok(color)) return [color[0], color[1], color[2], color[3] ?? 1];
  const base = backgrounds[0];
  const solid = over(color, base);
  const target = relativeLuminance(base) < DARK_LUMINANCE ? 255 : 0;
  for (let step = 1; step <= 20; step++) {
    const t = step / 20;
    const c: RGBA = [0, 1, 2].map((i) => Math.round(solid[i] + (target - solid[i]) * t)) as RGBA;
    c[3] = 1;
    if (ok(c)) return c;
  }
  return [target, target, target, 1];
}

const SYSTEM_FONT =
  'system-ui, -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif';

/** The colours of one scheme where the host sets none: lib/theme.css's defaults. */
export interface Palette {
  background: string;
  panel: string;
  fill: string;
  foreground: string;
  muted: string;
  border: string;
  accent: string;
  accentSoft: string;
  onAccent: string;
  selection: string;
  error: string;
  warn: string;
  ok: string;
}

/** The light defaults: lib/theme.css's fallbacks (and what views looked like before themes). */
export const LIGHT: Palette = {
  background: "rgb(255, 255, 255)",
  panel: "rgb(255, 255, 255)",
  fill: "rgb(238, 238, 238)",
  foreground: "rgba(0, 0, 0, 0.87)",
  muted: "rgba(0, 0, 0, 0.54)",
  border: "rgb(224, 224, 224)",
  accent: "rgb(25, 118, 210)",
  accentSoft: "rgba(25, 118, 210, 0.15)",
  onAccent: "rgb(255, 255, 255)",
  selection: "rgb(245, 124, 0)",
  error: "rgb(211, 47, 47)",
  warn: "rgb(245, 124, 0)",
  ok: "rgb(46, 125, 50)",
};

/** The dark defaults, for a dark page that sets no variable we know. */
export const DARK: Palette = {
  background: "rgb(30, 30, 30)",
  panel: "rgb(37, 37, 38)",
  fill: "rgb(51, 51, 51)",
  foreground: "rgba(255, 255, 255, 0.87)",
  muted: "rgba(255, 255, 255, 0.62)",
  border: "rgb(85, 85, 85)",
  accent: "rgb(66, 165, 245)",
  accentSoft: "rgba(66, 165, 245, 0.2)",
  onAccent: "rgb(0, 0, 0)",
  selection: "rgb(255, 167, 38)",
  error: "rgb(239, 83, 80)",
  warn: "rgb(255, 167, 38)",
  ok: "rgb(102, 187, 106)",
};

/** A colour of lib/theme.css: its `--nbdl-*` name and the host variables it maps, first set wins. */
export interface ThemeVariable {
  name: string;
  sources: readonly string[];
}

/**
 * The one map from host variables to the library's tokens: JupyterLab's
 * `--jp-*` first, then VS Code's `--vscode-*`, then {@link LIGHT} / {@link DARK}
 * by the detected scheme. lib/theme.css declares the same chains (checked by
 * tests/theme_sheet.test.ts) for the first paint; {@link applyTheme} writes the
 * resolved values over them.
 */
export const THEME_VARIABLES: Record<keyof Palette, ThemeVariable> = {
  background: { name: "--nbdl-bg", sources: ["--jp-layout-color0", "--vscode-editor-background"] },
  panel: { name: "--nbdl-panel", sources: ["--jp-layout-color1", "--vscode-editor-background"] },
  fill: {
    name: "--nbdl-fill",
    sources: ["--jp-layout-color2", "--vscode-editorWidget-background"],
  },
  foreground: { name: "--nbdl-fg", sources: ["--jp-ui-font-color1", "--vscode-editor-foreground"] },
  muted: {
    name: "--nbdl-muted",
    sources: ["--jp-ui-font-color2", "--vscode-descriptionForeground"],
  },
  border: { name: "--nbdl-border", sources: ["--jp-border-color1", "--vscode-panel-border"] },
  accent: { name: "--nbdl-accent", sources: ["--jp-brand-color1", "--vscode-focusBorder"] },
  accentSoft: { name: "--nbdl-accent-soft", sources: ["--jp-brand-color3"] },
  onAccent: {
    name: "--nbdl-on-accent",
    sources: ["--jp-ui-inverse-font-color1", "--vscode-button-foreground"],
  },
  selection: { name: "--nbdl-selection", sources: [] },
  error: { name: "--nbdl-error", sources: ["--jp-error-color1", "--vscode-errorForeground"] },
  warn: {
    name: "--nbdl-warn",
    sources: ["--jp-warn-color1", "--vscode-editorWarning-foreground"],
  },
  ok: { name: "--nbdl-ok", sources: ["--jp-success-color1"] },
};

/** Tokens only the resolved theme has (made from the others, never from a host variable). */
const DERIVED_TOKENS = { accentText: "--nbdl-accent-text" } as const;

// Fonts are not part of lib/theme.css (each view's sheet sets its own stack).
const FONT_VARIABLES = ["--jp-ui-font-family", "--vscode-font-family"];

/** The colours used where the theme leaves one unset or unreadable. */
export function themeDefaults(isDark: boolean): Readonly<Palette> {
  return isDark ? DARK : LIGHT;
}

/** What the page's `<html>` and `<body>` say about the theme: their classes and attributes. */
export interface HostMarkers {
  html: { classes: readonly string[]; attrs: Readonly<Record<string, string>> };
  body: { classes: readonly string[]; attrs: Readonly<Record<string, string>> };
}

/**
 * The scheme a host declares, or null when it says nothing:
 * JupyterLab (`data-jp-theme-light` on body), VS Code (`vscode-dark`,
 * `vscode-high-contrast`, `vscode-light`, `vscode-high-contrast-light` body
 * classes or `data-vscode-theme-kind`), marimo (`dark` / `dark-theme` class and
 * `data-theme` on body), and the common `dark` class / `data-theme` /
 * `data-color-scheme` on `<html>`.
 */
export function schemeFromMarkers(m: HostMarkers): Scheme | null {
  const jp = m.body.attrs["data-jp-theme-light"];
  if (jp === "true") return "light";
  if (jp === "false") return "dark";
  const kind = m.body.attrs["data-vscode-theme-kind"] ?? "";
  const vscode = [kind, ...m.body.classes].find((c) => c.startsWith("vscode-"));
  if (vscode === "vscode-light" || vscode === "vscode-high-contrast-light") return "light";
  if (vscode === "vscode-dark" || vscode === "vscode-high-contrast") return "dark";
  for (const el of [m.body, m.html]) {
    for (const attr of ["data-theme", "data-color-scheme", "data-mode"]) {
      const value = (el.attrs[attr] ?? "").toLowerCase();
      if (value === "dark" || value === "light") return value;
    }
    if (el.classes.includes("dark") || el.classes.includes("dark-theme")) return "dark";
    if (el.classes.includes("light") || el.classes.includes("light-theme")) return "light";
  }
  return null;
}

/** The scheme of an opaque background colour (null when it is see-through or unreadable). */
export function schemeFromBackground(bg: readonly number[] | null): Scheme | null {
  if (bg === null || (bg[3] ?? 1) < 0.5) return null;
  return relativeLuminance(bg) < DARK_LUMINANCE ? "dark" : "light";
}

function markersOf(el: Element | null): HostMarkers["html"] {
  if (el === null) return { classes: [], attrs: {} };
  const attrs: Record<string, string> = {};
  for (const a of Array.from(el.attributes))
    if (a.name.startsWith("data-")) attrs[a.name] = a.value;
  return { classes: Array.from(el.classList), attrs };
}

/** The page's markers now. */
export function readMarkers(doc: Document = document): HostMarkers {
  return { html: markersOf(doc.documentElement), body: markersOf(doc.body) };
}

function parentOf(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode() as ShadowRoot | Document;
  return "host" in root && root.host ? root.host : null;
}

/** Background of the nearest ancestor of `el` (not `el` itself) that paints one, or null. */
export function ancestorBackground(el: Element): RGBA | null {
  for (let e = parentOf(el); e; e = parentOf(e)) {
    const bg = parseCssColor(getComputedStyle(e).backgroundColor);
    if (bg && bg[3] >= 0.5) return bg;
  }
  return null;
}

function prefersDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

/**
 * The scheme for `el`: what the host's markers say; else the luminance of the
 * host's background variable; else of the nearest opaque ancestor's
 * background; else `prefers-color-scheme`.
 */
export function detectScheme(el: HTMLElement, hostBackground: RGBA | null = null): Scheme {
  return (
    schemeFromMarkers(readMarkers(el.ownerDocument)) ??
    schemeFromBackground(hostBackground) ??
    (el.isConnected ? schemeFromBackground(ancestorBackground(el)) : null) ??
    (prefersDark() ? "dark" : "light")
  );
}

// One hidden element per document turns any CSS colour (hsl(), color-mix(), names) into rgb().
let probe: HTMLElement | null = null;

function resolveColor(value: string, el: HTMLElement): RGBA | null {
  if (value === "") return null;
  const parsed = parseCssColor(value);
  if (parsed || !el.isConnected) return parsed;
  if (probe === null || !probe.isConnected) {
    probe = el.ownerDocument.createElement("span");
    probe.style.display = "none";
    el.ownerDocument.body.append(probe);
  }
  probe.style.color = "";
  probe.style.color = value;
  return probe.style.color === "" ? null : parseCssColor(getComputedStyle(probe).color);
}

/**
 * The theme in effect for `el`: the scheme ({@link detectScheme}), each colour
 * from the first host variable set ({@link THEME_VARIABLES}) or the scheme's
 * default, and the text colours (foreground, muted, accent text, error, ok,
 * text on the accent) moved just far enough to reach 4.5:1 on the surfaces they
 * sit on. Colours come back as `rgb()` / `rgba()` strings.
 */
export function readTheme(el: HTMLElement): Theme {
  const style = getComputedStyle(el);
  const raw = (names: readonly string[]): string => {
    for (const name of names) {
      const value = style.getPropertyValue(name).trim();
      if (value !== "") return value;
    }
    return "";
  };
  const host = (key: keyof Palette): RGBA | null => {
    const c = resolveColor(raw(THEME_VARIABLES[key].sources), el);
    // A see-through surface shows whatever is behind it, which we cannot know: use the default.
    if (c && ["background", "panel"].includes(key) && c[3] < 0.5) return null;
    return c;
  };
  const hostBackground = host("background");
  const scheme = detectScheme(el, hostBackground);
  const defaults = themeDefaults(scheme === "dark");
  const pick = (key: keyof Palette): RGBA => host(key) ?? (parseCssColor(defaults[key]) as RGBA);

  const background = over(pick("background"), scheme === "dark" ? [0, 0, 0] : [255, 255, 255]);
  const panel = over(pick("panel"), background);
  const fill = pick("fill");
  const surfaces = [background, panel];
  const accent = pick("accent");
  const accentSolid = over(accent, background);
  const onAccentHost = pick("onAccent");
  const onAccent =
    contrastRatio(onAccentHost, accentSolid) >= TEXT_CONTRAST
      ? onAccentHost
      : ((contrastRatio([255, 255, 255], accentSolid) >= contrastRatio([0, 0, 0], accentSolid)
          ? [255, 255, 255, 1]
          : [0, 0, 0, 1]) as RGBA);
  return {
    background: rgbaToCss(background),
    panel: rgbaToCss(panel),
    fill: rgbaToCss(fill),
    foreground: rgbaToCss(legible(pick("foreground"), [...surfaces, over(fill, panel)])),
    muted: rgbaToCss(legible(pick("muted"), surfaces)),
    border: rgbaToCss(pick("border")),
    accent: rgbaToCss(accent),
    accentSoft: rgbaToCss(pick("accentSoft")),
    accentText: rgbaToCss(legible(accent, surfaces)),
    onAccent: rgbaToCss(onAccent),
    selection: defaults.selection,
    error: rgbaToCss(legible(pick("error"), surfaces)),
    warn: rgbaToCss(pick("warn")),
    ok: rgbaToCss(legible(pick("ok"), surfaces)),
    fontFamily: raw(FONT_VARIABLES) || SYSTEM_FONT,
    scheme,
    isDark: scheme === "dark",
  };
}

/**
 * Mark `root` with the scheme (`data-nbdl-scheme`, which picks lib/theme.css's
 * defaults) and, once it is in the page, write the resolved tokens on it, so
 * the DOM shows exactly the colours the canvases draw with.
 */
export function applyTheme(root: HTMLElement): Theme {
  // Read with our own tokens removed, so the host's variables are what counts.
  const theme = readTheme(root);
  root.dataset.nbdlScheme = theme.scheme;
  if (!root.isConnected) return theme;
  for (const [key, variable] of Object.entries(THEME_VARIABLES)) {
    root.style.setProperty(variable.name, theme[key as keyof Palette]);
  }
  root.style.setProperty(DERIVED_TOKENS.accentText, theme.accentText);
  paintHostPanel(root, theme);
  return theme;
}

// vscode-jupyter puts every widget output on a panel painted white (`background:
// white !important`), whatever the theme: a dark view would sit in a white frame.
const VSCODE_PANEL = ".cell-output-ipywidget-background";

/** In a dark theme, paint VS Code's white widget panel round `root` in the view's background. */
function paintHostPanel(root: HTMLElement, theme: Theme): void {
  const panel = root.closest<HTMLElement>(VSCODE_PANEL);
  if (panel === null) return;
  if (theme.isDark) panel.style.setProperty("background", theme.background, "important");
  else panel.style.removeProperty("background");
}

/**
 * Keep `root` themed: apply now, when it first gets a size (it may be rendered
 * before it is in the page), and whenever the host may have switched theme
 * (class, style or data attributes of `<html>` / `<body>`, the system's colour
 * scheme); `onChange` runs when the resolved theme changed (repaint canvases
 * there). Returns the function that stops watching.
 */
export function watchTheme(
  root: HTMLElement,
  onChange: (theme: Theme) => void = () => {},
): () => void {
  let last = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    const theme = applyTheme(root);
    const key = JSON.stringify(theme);
    if (key !== last) {
      last = key;
      onChange(theme);
    }
  };
  // Hosts switch their stylesheet and their markers in either order: look again a moment later.
  const soon = () => {
    update();
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  };
  update();
  const doc = root.ownerDocument;
  const observer = new MutationObserver(soon);
  for (const el of [doc.documentElement, doc.body]) {
    if (el) observer.observe(el, { attributes: true });
  }
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(soon) : null;
  resize?.observe(root);
  const media =
    typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  media?.addEventListener("change", soon);
  return () => {
    clearTimeout(timer);
    observer.disconnect();
    resize?.disconnect();
    media?.removeEventListener("change", soon);
  };
}
