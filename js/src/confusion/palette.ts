// Colours of the confusion matrix: two sequential scales from the theme (the
// diagonal in the theme's accent hue, errors in its error hue), so correct and
// wrong cells never read as one family, plus contrast-aware text colours.

import {
  parseCssColor,
  type RGB,
  readTheme,
  relativeLuminance,
  rgbaToCss,
  themeDefaults,
} from "../lib/colors";
import { legible, type RGBA } from "../lib/theme";
import type { Margins } from "./counts";

export type Normalize = "none" | "row";

export interface CellPalette {
  background: RGB;
  /** Fill of an empty cell: a faint step off the background, so the grid reads. */
  empty: RGB;
  diagonal: RGB;
  offDiagonal: RGB;
  foreground: string;
  muted: string;
  border: string;
  selection: string;
  accent: string;
  fontFamily: string;
  isDark: boolean;
}

// A non-empty cell is never lighter than this step of its scale, so one
// stray sample is visible next to an empty cell.
const MIN_TINT = 0.14;
const EMPTY_STEP = 0.045;
// Share of the background mixed into a cell that holds none of the selection.
const DIM = 0.72;
const DARK_LUMINANCE = 0.179;

function rgbOf(css: string, fallback: RGB): RGB {
  const parsed = parseCssColor(css);
  return parsed && parsed[3] > 0 ? [parsed[0], parsed[1], parsed[2]] : fallback;
}

/** Mix `a` toward `b` by `t` (0 = a, 1 = b) in sRGB. */
export function mix(a: RGB, b: RGB, t: number): RGB {
  return [
    Math.round(a[0] + (b[0] - a[0]) * t),
    Math.round(a[1] + (b[1] - a[1]) * t),
    Math.round(a[2] + (b[2] - a[2]) * t),
  ];
}

/** The palette in effect for `el` (JupyterLab light or dark theme). */
export function readPalette(el: HTMLElement): CellPalette {
  const theme = readTheme(el);
  const background = rgbOf(theme.background, theme.isDark ? [17, 17, 17] : [255, 255, 255]);
  const foreground = rgbOf(theme.foreground, theme.isDark ? [230, 230, 230] : [30, 30, 30]);
  // A see-through error colour counts as unset: the theme's default for this background.
  const errorDefault = rgbOf(themeDefaults(theme.isDark).error, [211, 47, 47]);
  return {
    background,
    empty: mix(background, foreground, EMPTY_STEP),
    diagonal: rgbOf(theme.accent, [25, 118, 210]),
    offDiagonal: rgbOf(theme.error, errorDefault),
    foreground: theme.foreground,
    muted: theme.muted,
    border: theme.border,
    selection: theme.selection,
    accent: theme.accent,
    fontFamily: theme.fontFamily,
    isDark: theme.isDark,
  };
}

/**
 * Shade of every cell in [0, 1] (0 = empty).
 *
 * Raw counts use a log scale over the largest count, so a class with a few
 * confusions still shows them beside a diagonal of thousands; row shares use
 * a square root for the same reason. Any non-empty cell gets at least
 * MIN_TINT.
 */
export function cellIntensity(counts: Int32Array, m: Margins, normalize: Normalize): Float32Array {
  const c = m.nClasses;
  const out = new Float32Array(counts.length);
  const top = Math.log1p(Math.max(m.maxDiagonal, m.maxOffDiagonal));
  for (let g = 0; g < c; g++) {
    const support = m.support[g];
    for (let p = 0; p < c; p++) {
      const k = g * c + p;
      const v = counts[k];
      if (v <= 0) continue;
      const t = normalize === "row" ? Math.sqrt(v / support) : Math.log1p(v) / top;
      out[k] = MIN_TINT + (1 - MIN_TINT) * Math.min(1, t);
    }
  }
  return out;
}

/** Fill of one cell: its scale's hue at `intensity`, mixed back toward the background when dimmed. */
export function cellFill(
  palette: CellPalette,
  intensity: number,
  diagonal: boolean,
  dimmed: boolean,
): RGB {
  const base =
    intensity <= 0
      ? palette.empty
      : mix(palette.background, diagonal ? palette.diagonal : palette.offDiagonal, intensity);
  return dimmed ? mix(base, palette.background, DIM) : base;
}

/**
 * Text colour with the better contrast on `fill`: near-white on dark fills,
 * near-black on light; a dimmed cell's text is fainter, but never under 4.5:1.
 */
export function textOn(fill: RGB, dimmed: boolean): string {
  const alpha = dimmed ? 0.45 : 0.92;
  const text: RGBA =
    relativeLuminance(fill) < DARK_LUMINANCE ? [255, 255, 255, alpha] : [0, 0, 0, alpha * 0.95];
  return rgbaToCss(legible(text, [fill]));
}

export function css(rgb: RGB): string {
  return rgbaToCss(rgb);
}

// Shades per colour family: finer than the eye separates on a cell, coarse
// enough that 10k cells reuse a few hundred colour strings.
const LEVELS = 64;

/** A cell's fill and text colour as CSS strings. */
export interface CellStyle {
  fill: string;
  text: string;
}

/**
 * Cell fills and their text colours, precomputed per shade, so painting 10k
 * cells builds no colour strings.
 */
export class CellStyles {
  private readonly table: CellStyle[];

  constructor(palette: CellPalette) {
    this.table = [];
    for (const diagonal of [false, true]) {
      for (const dimmed of [false, true]) {
        for (let level = 0; level <= LEVELS; level++) {
          const fill = cellFill(palette, level / LEVELS, diagonal, dimmed);
          this.table.push({ fill: css(fill), text: textOn(fill, dimmed) });
        }
      }
    }
  }

  /** Style of a cell with shade `intensity` in [0, 1] (a non-zero shade never rounds to empty). */
  get(intensity: number, diagonal: boolean, dimmed: boolean): CellStyle {
    let level = Math.round(Math.min(1, Math.max(0, intensity)) * LEVELS);
    if (level === 0 && intensity > 0) level = 1;
    return this.table[((diagonal ? 2 : 0) + (dimmed ? 1 : 0)) * (LEVELS + 1) + level];
  }
}

/** The palette of the current theme with its per-shade styles (rebuilt on a theme change). */
export interface Colors {
  palette: CellPalette;
  styles: CellStyles;
}

export function readColors(el: HTMLElement): Colors {
  const palette = readPalette(el);
  return { palette, styles: new CellStyles(palette) };
}
