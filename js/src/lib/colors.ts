// Point colours: a categorical palette for coded columns and the viridis
// colormap for numeric ones, written straight into RGBA buffers for drawing.
// Theme colours (from JupyterLab's CSS variables) live in theme.ts and are
// re-exported here so a view can take every colour from one module.

export {
  parseCssColor,
  readTheme,
  relativeLuminance,
  rgbaToCss,
  type Theme,
  themeDefaults,
} from "./theme";

export type RGB = readonly [number, number, number];

/** Tableau 10, then ten lighter companions: 20 colours that stay apart on white and dark. */
export const CATEGORICAL_PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#a0cbe8",
  "#ffbe7d",
  "#ff9d9a",
  "#86bcb6",
  "#8cd17d",
  "#f1ce63",
  "#d4a6c8",
  "#fabfd2",
  "#d7b5a6",
  "#79706e",
];

/** Colour of unknown values: NaN, negative codes. */
export const MISSING_RGB: RGB = [160, 160, 160];

// viridis sampled at 256 steps (matplotlib's table, rounded to bytes), 6 hex digits per entry.
const VIRIDIS_HEX = [
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164",
  "47136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173",
  "482374482475482576482677482878482979472a7a472c7a472d7b472e7c472f7d46307e",
  "46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85",
  "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a",
  "3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c",
  "375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e",
  "31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e",
  "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e",
  "277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e",
  "23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c",
  "1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88",
  "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa83",
  "25ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b",
  "32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf70",
  "46c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863",
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d153",
  "7ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d840",
  "98d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30b0dd2fb2dd2db5de2b",
  "b8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a",
  "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61e",
  "f6e620f8e621fbe723fde725",
].join("");

function hexTable(hex: string): Uint8Array {
  const table = new Uint8Array(hex.length / 2);
  for (let i = 0; i < table.length; i++)
    table[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return table;
}

/** viridis as 256 RGB triples (768 bytes), dark purple to yellow. */
export const VIRIDIS: Uint8Array = hexTable(VIRIDIS_HEX);

const PALETTE_RGB: Uint8Array = hexTable(CATEGORICAL_PALETTE.map((c) => c.slice(1)).join(""));

// Past 20 categories the palette repeats, each round darker or lighter than the
// last so that neighbouring codes still differ: 0 = as is, <0 darker, >0 lighter.
const ROUND_SHIFTS = [0, -0.35, 0.35, -0.6, 0.6];

/**
 * Colour of category `code`: the palette for the first 20, shaded variants
 * after that; negative or non-integer codes get {@link MISSING_RGB}.
 */
export function categoricalColor(code: number): RGB {
  if (!Number.isInteger(code) || code < 0) return MISSING_RGB;
  const size = CATEGORICAL_PALETTE.length;
  const base = (code % size) * 3;
  const shift = ROUND_SHIFTS[Math.floor(code / size) % ROUND_SHIFTS.length];
  const shade = (v: number) =>
    shift < 0 ? Math.round(v * (1 + shift)) : Math.round(v + (255 - v) * shift);
  return [shade(PALETTE_RGB[base]), shade(PALETTE_RGB[base + 1]), shade(PALETTE_RGB[base + 2])];
}

/** Colour at `t` in [0, 1] of a 256-entry colormap (t is clamped; NaN is missing). */
export function colormapColor(t: number, lut: Uint8Array = VIRIDIS): RGB {
  if (Number.isNaN(t)) return MISSING_RGB;
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return [lut[i], lut[i + 1], lut[i + 2]];
}

/** One RGBA pixel per point, as bytes or packed into 32-bit words (canvas ImageData order). */
export type ColorBuffer = Uint8Array | Uint8ClampedArray | Uint32Array;

function rgbaBytes(out: ColorBuffer, n: number): Uint8Array | Uint8ClampedArray {
  const bytes =
    out instanceof Uint32Array ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : out;
  if (bytes.length < 4 * n) {
    throw new RangeError(`colour buffer holds ${bytes.length / 4} points, need ${n}`);
  }
  return bytes;
}

/**
 * Fill `out` with the categorical colour of each code (alpha 0..255).
 *
 * @example fillCategoricalColors(labelCodes, new Uint8Array(4 * n))
 */
export function fillCategoricalColors(
  codes: ArrayLike<number>,
  out: ColorBuffer,
  alpha = 255,
): void {
  const n = codes.length;
  const bytes = rgbaBytes(out, n);
  // Codes repeat a lot (few classes, many points): colour each distinct code once.
  const cache = new Map<number, RGB>();
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    let rgb = cache.get(code);
    if (rgb === undefined) {
      rgb = categoricalColor(code);
      cache.set(code, rgb);
    }
    const o = 4 * i;
    bytes[o] = rgb[0];
    bytes[o + 1] = rgb[1];
    bytes[o + 2] = rgb[2];
    bytes[o + 3] = alpha;
  }
}

export interface ContinuousOptions {
  /** Opacity 0..255 of every point. */
  alpha?: number;
  /** A 256-entry RGB table; viridis by default. */
  lut?: Uint8Array;
  /** Colour of NaN values. */
  missing?: RGB;
}

/**
 * Fill `out` with colormap colours of `values` scaled from [min, max] (values
 * outside are clamped; NaN gets the missing colour; min == max maps to the middle).
 */
export function fillContinuousColors(
  values: ArrayLike<number>,
  min: number,
  max: number,
  out: ColorBuffer,
  options: ContinuousOptions = {},
): void {
  const { alpha = 255, lut = VIRIDIS, missing = MISSING_RGB } = options;
  if (lut.length !== 768)
    throw new RangeError(`colormap needs 256 RGB entries, got ${lut.length / 3}`);
  const n = values.length;
  const bytes = rgbaBytes(out, n);
  const span = max - min;
  const flat = !(span > 0);
  const scale = flat ? 0 : 255 / span;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const o = 4 * i;
    if (Number.isNaN(v)) {
      bytes[o] = missing[0];
      bytes[o + 1] = missing[1];
      bytes[o + 2] = missing[2];
    } else {
      let k = flat ? 128 : Math.round((v - min) * scale);
      if (k < 0) k = 0;
      else if (k > 255) k = 255;
      k *= 3;
      bytes[o] = lut[k];
      bytes[o + 1] = lut[k + 1];
      bytes[o + 2] = lut[k + 2];
    }
    bytes[o + 3] = alpha;
  }
}

/** [min, max] of the finite values of a column; [0, 1] when none is finite. */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 1];
}
