// The large-N renderer: points written as pixels straight into an ImageData.
//
// Each point is a small stencil (1–6 device pixels across) of one opaque
// colour looked up from a palette by the point's colour index. Points behind
// (unselected, dimmed) are written first and points in front (selected) last,
// so the selection is never hidden under the rest. No canvas calls happen per
// point: 1M points cost one pass over typed arrays and one putImageData.

import type { Viewport } from "./viewport";

/** Pack r, g, b, a bytes as one ImageData pixel (canvas memory order is RGBA bytes). */
export function packRGBA(r: number, g: number, b: number, a = 255): number {
  // ImageData bytes are R, G, B, A in memory; read as a little-endian uint32 that is A<<24 | B<<16 | G<<8 | R.
  return LITTLE_ENDIAN
    ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `rgb` mixed toward `toward` by `t` (0 = rgb, 1 = toward), rounded to bytes. */
export function mixRGB(
  rgb: readonly number[],
  toward: readonly number[],
  t: number,
): [number, number, number] {
  return [0, 1, 2].map((k) => Math.round(rgb[k] + (toward[k] - rgb[k]) * t)) as [
    number,
    number,
    number,
  ];
}

/**
 * Pixel offsets of a disc `size` device pixels across, relative to its
 * top-left pixel. Up to 3 px a disc is a full square (a 3 px plus reads as a
 * cross, not a dot); from 4 px the corners are cut: 4 px is a 4×4 square
 * without its corners, and so on.
 */
export function discStencil(size: number): Array<[number, number]> {
  const s = Math.max(1, Math.round(size));
  const out: Array<[number, number]> = [];
  const c = s / 2;
  // Pixel centres within 0.92 of the radius: the plain radius keeps too much of
  // the corners for a small disc to look round.
  const r2 = s <= 3 ? Infinity : 0.85 * c * c;
  for (let dy = 0; dy < s; dy++) {
    for (let dx = 0; dx < s; dx++) {
      const ex = dx + 0.5 - c;
      const ey = dy + 0.5 - c;
      if (ex * ex + ey * ey <= r2) out.push([dx, dy]);
    }
  }
  return out;
}

export interface RasterInput {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** Palette index per point. */
  colorIndex: ArrayLike<number>;
  /** Packed colours of points in front (or of every point when `front` is null). */
  frontPalette: Uint32Array;
  /** Packed colours of points behind (dimmed). */
  backPalette: Uint32Array;
  /** 1 = in front (drawn last, full colour); null = every point in front. */
  front: Uint8Array | null;
  /**
   * The sorted positions of the rows `front` marks, when the caller has them
   * (the table's selection): the front pass then reads only those rows.
   */
  frontRows?: Uint32Array | null;
  viewport: Viewport;
  /** Device pixels per CSS pixel. */
  dpr: number;
  /** Stencil size in device pixels. */
  size: number;
}

/**
 * Draw the points into `pixels` (`width` × `height` device pixels, row-major),
 * which the caller has cleared. Returns how many points have their centre on
 * the plot area.
 *
 * The centre of a point at data (x, y) is at device pixel
 * ((x − cx) / sx + W/2) · dpr, (H/2 − (y − cy) / sy) · dpr, with W, H the
 * viewport's CSS size; its stencil's top-left pixel is floor(centre − size/2 + ½).
 *
 * `frontOnly` draws only the points in front, over what `pixels` holds (see
 * layers.ts); it then counts only those.
 */
export function rasterize(
  pixels: Uint32Array,
  width: number,
  height: number,
  input: RasterInput,
  frontOnly = false,
): number {
  const { viewport: v, dpr, front } = input;
  const size = Math.max(1, Math.round(input.size));
  const kx = dpr / v.sx;
  const ky = dpr / v.sy;
  const shift = size / 2 - 0.5;
  const stencil = discStencil(size);
  const pass: Pass = {
    pixels,
    width,
    height,
    xs: input.xs,
    ys: input.ys,
    colorIndex: input.colorIndex,
    front,
    kx,
    ky,
    // Folding the stencil's shift into the offsets saves a subtraction per point.
    ox: (v.width / 2) * dpr - v.cx * kx - shift,
    oy: (v.height / 2) * dpr + v.cy * ky - shift,
    size,
    wDev: v.width * dpr,
    hDev: v.height * dpr,
    shift,
    offsets: Int32Array.from(stencil, ([dx, dy]) => dy * width + dx),
    sdx: Int32Array.from(stencil, ([dx]) => dx),
    sdy: Int32Array.from(stencil, ([, dy]) => dy),
  };
  if (front === null) return rasterPass(pass, -1, input.frontPalette, null);
  const back = frontOnly ? 0 : rasterPass(pass, 0, input.backPalette, null);
  return back + rasterPass(pass, 1, input.frontPalette, input.frontRows ?? null);
}

interface Pass {
  pixels: Uint32Array;
  width: number;
  height: number;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  colorIndex: ArrayLike<number>;
  front: Uint8Array | null;
  kx: number;
  ky: number;
  ox: number;
  oy: number;
  size: number;
  wDev: number;
  hDev: number;
  shift: number;
  offsets: Int32Array;
  sdx: Int32Array;
  sdy: Int32Array;
}

/**
 * One pass over every point, drawing those whose front flag equals `wanted`
 * (-1: all), or over the sorted positions `rows` (which are the wanted ones).
 * Kept as a plain function of locals: this loop is the frame time at 1M
 * points, and V8 optimises it best without closures or captured state.
 */
function rasterPass(
  p: Pass,
  wanted: number,
  palette: Uint32Array,
  rows: Uint32Array | null,
): number {
  const { pixels, width, height, xs, ys, colorIndex, front, kx, ky, ox, oy, size, offsets } = p;
  const n = Math.min(xs.length, ys.length);
  const m = offsets.length;
  // Stencil corners in [lo, hi) land on the plot; centres in [cLo, cHi) count as drawn.
  const maxX = width - size;
  const maxY = height - size;
  const cxHi = p.wDev - p.shift;
  const cyHi = p.hDev - p.shift;
  const cLo = -p.shift;
  let drawn = 0;
  const count = rows === null ? n : rows.length;
  const test = rows === null && wanted >= 0;
  for (let k = 0; k < count; k++) {
    const i = rows === null ? k : rows[k];
    if (test && (front as Uint8Array)[i] !== wanted) continue;
    const fx = xs[i] * kx + ox;
    const fy = oy - ys[i] * ky;
    // Written so NaN fails: unknown points are never drawn.
    if (!(fx > -size && fx < width && fy > -size && fy < height)) continue;
    if (fx >= cLo && fx < cxHi && fy >= cLo && fy < cyHi) drawn++;
    const color = palette[colorIndex[i]];
    const px = Math.floor(fx);
    const py = Math.floor(fy);
    if (px >= 0 && py >= 0 && px <= maxX && py <= maxY) {
      const base = py * width + px;
      if (m === 1) pixels[base] = color;
      else for (let k = 0; k < m; k++) pixels[base + offsets[k]] = color;
    } else {
      const { sdx, sdy } = p;
      for (let k = 0; k < m; k++) {
        const x = px + sdx[k];
        const y = py + sdy[k];
        if (x >= 0 && x < width && y >= 0 && y < height) pixels[y * width + x] = color;
      }
    }
  }
  return drawn;
}
