// The notebook's theme, read from the CSS variables JupyterLab sets (VS Code's
// as a fallback), so views look native in light and dark themes alike.

export type RGBA = [number, number, number, number];

export interface Theme {
  background: string;
  foreground: string;
  /** Secondary text: axis ticks, counts. */
  muted: string;
  border: string;
  /** Interactive elements: focus rings, active buttons. */
  accent: string;
  /** Selection outlines and the lasso stroke. */
  selection: string;
  /** Errors: the confusion matrix's off-diagonal cells. */
  error: string;
  fontFamily: string;
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

// Below this luminance white text has more contrast than black (WCAG ratios are equal at ~0.179).
const DARK_LUMINANCE = 0.179;

const SYSTEM_FONT =
  'system-ui, -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif';

type Palette = Omit<Theme, "fontFamily" | "isDark">;

/** The light defaults: lib/theme.css's fallbacks. */
export const LIGHT: Palette = {
  background: "rgb(255, 255, 255)",
  foreground: "rgba(0, 0, 0, 0.87)",
  muted: "rgba(0, 0, 0, 0.54)",
  border: "rgb(224, 224, 224)",
  accent: "rgb(25, 118, 210)",
  selection: "rgb(245, 124, 0)",
  error: "rgb(211, 47, 47)",
};

const DARK: Palette = {
  background: "rgb(17, 17, 17)",
  foreground: "rgba(255, 255, 255, 0.87)",
  muted: "rgba(255, 255, 255, 0.54)",
  border: "rgb(97, 97, 97)",
  accent: "rgb(66, 165, 245)",
  selection: "rgb(255, 167, 38)",
  error: "rgb(239, 83, 80)",
};

/** A colour of lib/theme.css: its `--nbdl-*` name and the host variables it maps, first set wins. */
export interface ThemeVariable {
  name: string;
  sources: readonly string[];
}

/**
 * The theme colours the canvases read, as lib/theme.css maps them for the DOM
 * (tests/theme.test.ts checks the sheet declares each one with these sources
 * and the {@link LIGHT} value as its fallback). The host variables are read
 * directly, not the `--nbdl-*` result, so that a dark page with a variable
 * missing gets the dark default, not the sheet's light fallback.
 */
export const THEME_VARIABLES: Record<Exclude<keyof Palette, "selection">, ThemeVariable> = {
  background: { name: "--nbdl-bg", sources: ["--jp-layout-color0", "--vscode-editor-background"] },
  foreground: { name: "--nbdl-fg", sources: ["--jp-ui-font-color1", "--vscode-editor-foreground"] },
  muted: {
    name: "--nbdl-muted",
    sources: ["--jp-ui-font-color2", "--vscode-descriptionForeground"],
  },
  border: { name: "--nbdl-border", sources: ["--jp-border-color1", "--vscode-panel-border"] },
  accent: { name: "--nbdl-accent", sources: ["--jp-brand-color1", "--vscode-focusBorder"] },
  error: { name: "--nbdl-error", sources: ["--jp-error-color1"] },
};

// Fonts are not part of lib/theme.css (each view's sheet sets its own stack).
const FONT_VARIABLES = ["--jp-ui-font-family", "--vscode-font-family"];

/** The colours used where the theme leaves one unset or unreadable. */
export function themeDefaults(isDark: boolean): Readonly<Palette> {
  return isDark ? DARK : LIGHT;
}

/**
 * The theme in effect for `el`, from the CSS variables it inherits. Missing or
 * unparseable colours fall back to light defaults, or dark ones when the
 * background is dark; colours come back as `rgb()` / `rgba()` strings, so
 * {@link parseCssColor} can turn any of them into numbers (e.g. for WebGL).
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
  const color = (key: keyof typeof THEME_VARIABLES, fallback: Palette): string => {
    const parsed = parseCssColor(raw(THEME_VARIABLES[key].sources));
    return parsed ? rgbaToCss(parsed) : fallback[key];
  };

  const background = parseCssColor(raw(THEME_VARIABLES.background.sources));
  // A see-through background shows the page behind it, which we cannot read; assume light.
  const isDark =
    background !== null && background[3] > 0.5 && relativeLuminance(background) < DARK_LUMINANCE;
  const defaults = themeDefaults(isDark);
  return {
    background: color("background", defaults),
    foreground: color("foreground", defaults),
    muted: color("muted", defaults),
    border: color("border", defaults),
    accent: color("accent", defaults),
    selection: defaults.selection,
    error: color("error", defaults),
    fontFamily: raw(FONT_VARIABLES) || SYSTEM_FONT,
    isDark,
  };
}
