// The mapping between data coordinates and the plot area's CSS pixels.
//
// A viewport is a centre and a scale (data units per CSS pixel) per axis,
// not a domain: resizing the plot then keeps what is under the centre and
// the zoom level, and zooming around the cursor is a single formula. Screen
// y grows downwards, data y upwards.

export interface Viewport {
  /** Data coordinates at the centre of the plot area. */
  cx: number;
  cy: number;
  /** Data units per CSS pixel (> 0). */
  sx: number;
  sy: number;
  /** Size of the plot area in CSS pixels. */
  width: number;
  height: number;
}

/** The data coordinates of the plot area's edges. */
export interface Domain {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Smallest plot size used in the maths, so a hidden (0 px) widget never divides by zero. */
const MIN_SIDE = 1;

/** Data → CSS pixel x, relative to the plot area's left edge. */
export function toScreenX(v: Viewport, x: number): number {
  return (x - v.cx) / v.sx + v.width / 2;
}

/** Data → CSS pixel y, relative to the plot area's top edge. */
export function toScreenY(v: Viewport, y: number): number {
  return v.height / 2 - (y - v.cy) / v.sy;
}

/** CSS pixel x (relative to the plot's left edge) → data x. */
export function toDataX(v: Viewport, px: number): number {
  return v.cx + (px - v.width / 2) * v.sx;
}

/** CSS pixel y (relative to the plot's top edge) → data y. */
export function toDataY(v: Viewport, py: number): number {
  return v.cy - (py - v.height / 2) * v.sy;
}

/** The data rectangle the plot area shows. */
export function domainOf(v: Viewport): Domain {
  return {
    x0: toDataX(v, 0),
    x1: toDataX(v, v.width),
    y0: toDataY(v, v.height),
    y1: toDataY(v, 0),
  };
}

/**
 * The viewport that shows `domain` exactly in a plot of `width` × `height`.
 *
 * With `equalAspect` one data unit has the same length on both axes (a
 * projection's geometry is then undistorted) and the tighter axis gets slack.
 *
 * @example fitDomain({x0: 0, x1: 0.5, y0: 0, y1: 1}, 500, 400, false) // sx = 0.001
 */
export function fitDomain(
  domain: Domain,
  width: number,
  height: number,
  equalAspect: boolean,
): Viewport {
  const w = Math.max(MIN_SIDE, width);
  const h = Math.max(MIN_SIDE, height);
  const spanX = domain.x1 - domain.x0;
  const spanY = domain.y1 - domain.y0;
  let sx = spanX > 0 ? spanX / w : 1 / w;
  let sy = spanY > 0 ? spanY / h : 1 / h;
  if (equalAspect) {
    const s = Math.max(sx, sy);
    sx = s;
    sy = s;
  }
  return {
    cx: (domain.x0 + domain.x1) / 2,
    cy: (domain.y0 + domain.y1) / 2,
    sx,
    sy,
    width: w,
    height: h,
  };
}

/**
 * Bounds of finite points, padded by `pad` of the span on each side.
 * A single point (or none) gets a unit box around it so the plot has a size.
 */
export function dataBounds(xs: ArrayLike<number>, ys: ArrayLike<number>, pad = 0.05): Domain {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    // NaN fails both comparisons, so unknown points never widen the bounds.
    if (!(x - x === 0 && y - y === 0)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x0 > x1) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  const spanX = x1 - x0 || Math.max(1, Math.abs(x0));
  const spanY = y1 - y0 || Math.max(1, Math.abs(y0));
  const midX = (x0 + x1) / 2;
  const midY = (y0 + y1) / 2;
  const halfX = (spanX / 2) * (1 + 2 * pad);
  const halfY = (spanY / 2) * (1 + 2 * pad);
  return { x0: midX - halfX, x1: midX + halfX, y0: midY - halfY, y1: midY + halfY };
}

/**
 * Zoom by `factor` (> 1 magnifies) keeping the data point under the screen
 * position (`px`, `py`) where it is.
 */
export function zoomAt(v: Viewport, px: number, py: number, factor: number): Viewport {
  const f = factor > 0 && Number.isFinite(factor) ? factor : 1;
  const dx = toDataX(v, px);
  const dy = toDataY(v, py);
  const sx = v.sx / f;
  const sy = v.sy / f;
  // Solve toDataX(new, px) = dx for the new centre.
  return {
    ...v,
    sx,
    sy,
    cx: dx - (px - v.width / 2) * sx,
    cy: dy + (py - v.height / 2) * sy,
  };
}

/** Move the content by (`dxPx`, `dyPx`) CSS pixels, as a drag does. */
export function panBy(v: Viewport, dxPx: number, dyPx: number): Viewport {
  return { ...v, cx: v.cx - dxPx * v.sx, cy: v.cy + dyPx * v.sy };
}

/** Same centre and scale in a plot of a new size (what a resize should do). */
export function resized(v: Viewport, width: number, height: number): Viewport {
  return { ...v, width: Math.max(MIN_SIDE, width), height: Math.max(MIN_SIDE, height) };
}

/**
 * The affine map from `from`'s screen to `to`'s screen: `to = from · scale + offset`
 * per axis. Used to draw a cached frame while a drag is in progress.
 */
export function screenTransform(
  from: Viewport,
  to: Viewport,
): { scaleX: number; scaleY: number; offsetX: number; offsetY: number } {
  const scaleX = from.sx / to.sx;
  const scaleY = from.sy / to.sy;
  return {
    scaleX,
    scaleY,
    offsetX: toScreenX(to, toDataX(from, 0)),
    offsetY: toScreenY(to, toDataY(from, 0)),
  };
}

/** How far the viewport is zoomed in relative to `base` (1 = same, 2 = twice as close). */
export function zoomLevel(v: Viewport, base: Viewport): number {
  return Math.sqrt((base.sx / v.sx) * (base.sy / v.sy));
}

/**
 * "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about
 * `target` of them.
 *
 * @example niceTicks(0, 0.5, 5) // [0, 0.1, 0.2, 0.3, 0.4, 0.5]
 */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi) || target < 1) return [];
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  const step = (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  // Multiplying the integer index (rather than adding steps) keeps 0.3 from becoming 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let k = first; k <= last; k++)
    ticks.push(Number((k * step).toFixed(Math.min(20, decimals))));
  return ticks;
}
