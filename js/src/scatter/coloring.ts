// Colour-by: turns one column into a palette index per point plus the small
// palettes the renderers read (full colour in front, dimmed behind).
//
// An index per point (not an RGBA per point) keeps dimming free: the dimmed
// palette is precomputed, so a redraw after a selection change touches no
// colour maths at all, and a legend hover only swaps which points are in front.

import { categoricalColor, colormapColor, finiteRange, MISSING_RGB, type RGB } from "../lib/colors";
import { mixRGB, packRGBA } from "./raster";

/** How far dimmed points are blended toward the background (1 = invisible). */
export const DIM_AMOUNT = 0.78;

/** Columns whose scale is fixed by definition rather than by the data's range. */
const FIXED_RANGES: Record<string, [number, number]> = {
  correctness: [0, 1],
  confidence: [0, 1],
};

/** Steps of a numeric colour scale (one per colormap entry). */
export const NUMERIC_STEPS = 256;

export interface LegendEntry {
  /** Palette index (the category's code; the last index is "missing"). */
  index: number;
  name: string;
  count: number;
}

export interface Coloring {
  kind: "categorical" | "numeric";
  column: string;
  /** Palette index per point. */
  colorIndex: Uint16Array;
  /** RGB per palette index; the last entry is the colour of missing values. */
  colors: RGB[];
  /** Categorical only: one entry per category present, in code order. */
  legend: LegendEntry[];
  /** Numeric only: the value range the colormap spans. */
  min: number;
  max: number;
}

/**
 * Colour points by a coded column: code c of `names` gets palette index c,
 * anything else (negative, out of range, NaN, the 255 "unknown" of region)
 * the missing colour at index `names.length`.
 *
 * @example categoricalColoring("label", Uint8Array.of(0, 1, 1), ["cat", "dog"]).legend
 *          // [{index: 0, name: "cat", count: 1}, {index: 1, name: "dog", count: 2}]
 */
export function categoricalColoring(
  column: string,
  codes: ArrayLike<number>,
  names: readonly string[],
): Coloring {
  // Past 65535 categories the index type runs out; such a column is not one to colour by anyway.
  const k = Math.min(names.length, 65535);
  const n = codes.length;
  const colorIndex = new Uint16Array(n);
  const counts = new Float64Array(k + 1);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    const idx = c >= 0 && c < k && c === Math.floor(c) ? c : k;
    colorIndex[i] = idx;
    counts[idx]++;
  }
  const colors: RGB[] = [];
  for (let c = 0; c < k; c++) colors.push(categoricalColor(c));
  colors.push(MISSING_RGB);
  const legend: LegendEntry[] = [];
  for (let c = 0; c <= k; c++) {
    if (counts[c] === 0) continue;
    legend.push({ index: c, name: c < k ? names[c] : "missing", count: counts[c] });
  }
  return { kind: "categorical", column, colorIndex, colors, legend, min: 0, max: 0 };
}

/**
 * Colour points by a numeric column with viridis over [min, max] (the finite
 * range of the values — `extent` when the kernel sent it — or the column's fixed range); NaN gets the missing
 * colour at index {@link NUMERIC_STEPS}.
 */
export function numericColoring(
  column: string,
  values: ArrayLike<number>,
  extent?: readonly [number, number],
): Coloring {
  const [min, max] = FIXED_RANGES[column] ?? extent ?? finiteRange(values);
  const n = values.length;
  const colorIndex = new Uint16Array(n);
  const span = max - min;
  const scale = span > 0 ? (NUMERIC_STEPS - 1) / span : 0;
  const middle = (NUMERIC_STEPS - 1) >> 1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v - v === 0)) {
      // NaN and ±Infinity: Infinity has no place on a finite scale either.
      colorIndex[i] = v === Infinity ? NUMERIC_STEPS - 1 : v === -Infinity ? 0 : NUMERIC_STEPS;
      continue;
    }
    let t = scale > 0 ? Math.round((v - min) * scale) : middle;
    if (t < 0) t = 0;
    else if (t > NUMERIC_STEPS - 1) t = NUMERIC_STEPS - 1;
    colorIndex[i] = t;
  }
  const colors: RGB[] = [];
  for (let t = 0; t < NUMERIC_STEPS; t++) colors.push(colormapColor(t / (NUMERIC_STEPS - 1)));
  colors.push(MISSING_RGB);
  return { kind: "numeric", column, colorIndex, colors, legend: [], min, max };
}

/** Packed pixels of a coloring's palette: full colour, and dimmed toward `background`. */
export function packedPalettes(
  colors: readonly RGB[],
  background: readonly number[],
): { front: Uint32Array; back: Uint32Array; frontCss: string[]; backCss: string[] } {
  const front = new Uint32Array(colors.length);
  const back = new Uint32Array(colors.length);
  const frontCss: string[] = [];
  const backCss: string[] = [];
  colors.forEach((rgb, i) => {
    const dim = mixRGB(rgb, background, DIM_AMOUNT);
    front[i] = packRGBA(rgb[0], rgb[1], rgb[2]);
    back[i] = packRGBA(dim[0], dim[1], dim[2]);
    frontCss.push(`rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`);
    backCss.push(`rgb(${dim[0]}, ${dim[1]}, ${dim[2]})`);
  });
  return { front, back, frontCss, backCss };
}

/** Mask of the points whose palette index is `index` (a hovered legend entry). */
export function maskOfIndex(colorIndex: Uint16Array, index: number): Uint8Array {
  const mask = new Uint8Array(colorIndex.length);
  for (let i = 0; i < colorIndex.length; i++) if (colorIndex[i] === index) mask[i] = 1;
  return mask;
}
