// Lasso and box hit-testing over many points, in data coordinates.
//
// A plain even-odd loop over 1M points and a 100-vertex lasso costs 100+ ms;
// here a uniform grid over the lasso's bounding box answers most points with
// one lookup. Cells near an edge are "boundary" and fall back to the exact
// test, so the result equals the plain loop exactly (see pointInPolygon).

import { positionsOf } from "./selection";

export type Point = readonly [number, number];

/** Coordinates of many points: plain arrays work, typed arrays are what views pass. */
export type Coordinates = ArrayLike<number>;

export interface LassoOptions {
  /** Cells per side of the grid; by default it grows with the point count up to 256. */
  gridSize?: number;
}

const OUTSIDE = 0;
const INSIDE = 1;
const BOUNDARY = 2;

// Margins are this many cells wide, and never thinner than the rounding error of
// the crossing test at these coordinates (about 2^-48 of their magnitude), so a
// point in a cell that no edge comes near is always classified as its cell is.
const MARGIN_CELLS = 1e-3;
const MARGIN_RELATIVE = 2 ** -40;

/**
 * Even-odd test of one point, the definition every lasso result agrees with.
 *
 * Edge k runs from vertex k-1 to vertex k (the polygon closes itself); a point
 * on an edge may land either side, as with any even-odd rule.
 */
export function pointInPolygon(x: number, y: number, polygon: ArrayLike<Point>): boolean {
  let inside = false;
  const m = polygon.length;
  for (let i = 0, j = m - 1; i < m; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function checkLengths(xs: Coordinates, ys: Coordinates): number {
  if (xs.length !== ys.length) {
    throw new RangeError(`xs has ${xs.length} values but ys has ${ys.length}`);
  }
  return xs.length;
}

function defaultGridSize(n: number): number {
  return Math.min(256, Math.max(16, Math.round(Math.sqrt(n) / 4)));
}

/** A lasso's vertices as coordinate arrays, with their bounding box. */
export interface Polygon {
  vx: Float64Array;
  vy: Float64Array;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/**
 * The polygon's vertices, checked; null when it has fewer than 3 vertices or
 * no area (it selects nothing: every crossing of a flat polygon cancels out).
 */
export function polygonOf(polygon: ArrayLike<Point>): Polygon | null {
  const m = polygon.length;
  if (m < 3) return null;
  const vx = new Float64Array(m);
  const vy = new Float64Array(m);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < m; i++) {
    const [x, y] = polygon[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new RangeError(`lasso vertex ${i} is not finite: [${x}, ${y}]`);
    }
    vx[i] = x;
    vy[i] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX === maxX || minY === maxY) return null;
  return { vx, vy, minX, maxX, minY, maxY };
}

/**
 * How far a cell boundary must stay from every edge for the cell to count as
 * inside or outside: this many cells, and never less than the rounding error
 * of the crossing test at these coordinates.
 */
export function lassoMargin(lo: number, hi: number, cellSize: number): number {
  return Math.max(cellSize * MARGIN_CELLS, Math.max(-lo, hi) * MARGIN_RELATIVE);
}

/**
 * A uniform grid of cells, `cols` × `rows`, whose cell (r, c) holds the
 * points with floor((x − x0)·invW) = c and floor((y − y0)·invH) = r.
 */
export interface UniformGrid {
  x0: number;
  y0: number;
  invW: number;
  invH: number;
  cols: number;
  rows: number;
}

/** The column of `x` on grid `g`, clamped to the grid (the formula of {@link UniformGrid}). */
export function gridCol(g: UniformGrid, x: number): number {
  const c = Math.floor((x - g.x0) * g.invW);
  return c < 0 ? 0 : c >= g.cols ? g.cols - 1 : c;
}

/** The row of `y` on grid `g`, clamped to the grid. */
export function gridRow(g: UniformGrid, y: number): number {
  const r = Math.floor((y - g.y0) * g.invH);
  return r < 0 ? 0 : r >= g.rows ? g.rows - 1 : r;
}

/** A grid for a lasso's cells (see {@link LassoCells}). */
export interface CellGrid extends UniformGrid {
  /** At least {@link lassoMargin} of the polygon, in x and in y. */
  epsX: number;
  epsY: number;
}

/**
 * A polygon's cells on a grid: each inside, outside, or near an edge
 * ("boundary", where points need the exact test), and per cell row the edges
 * that row's exact tests need.
 */
export class LassoCells {
  readonly grid: CellGrid;
  /** OUTSIDE, INSIDE or BOUNDARY per cell, row-major. */
  readonly cells: Uint8Array;
  private readonly vx: Float64Array;
  private readonly vy: Float64Array;
  private readonly rowCounts: Int32Array;
  private readonly rowEdges: Int32Array;

  constructor(p: Polygon, grid: CellGrid) {
    this.grid = grid;
    const { vx, vy } = p;
    this.vx = vx;
    this.vy = vy;
    const m = vx.length;
    const { x0, y0, invW, invH, cols, rows } = grid;
    const cellH = 1 / invH;
    const rowOf = (y: number) => gridRow(grid, y);
    const colOf = (x: number) => gridCol(grid, x);

    // Edges are marked with twice the margin the argument above needs, which
    // absorbs the rounding of the cell arithmetic itself.
    const padX = 2 * grid.epsX;
    const padY = 2 * grid.epsY;

    // Per cell row, the edges whose y-range meets the row (compressed rows):
    // a point's exact test only needs those, and so does the row's scanline.
    const rowCounts = new Int32Array(rows + 1);
    const edgeRow0 = new Int32Array(m);
    const edgeRow1 = new Int32Array(m);
    for (let i = 0, j = m - 1; i < m; j = i++) {
      edgeRow0[i] = rowOf(Math.min(vy[i], vy[j]) - padY);
      edgeRow1[i] = rowOf(Math.max(vy[i], vy[j]) + padY);
      for (let r = edgeRow0[i]; r <= edgeRow1[i]; r++) rowCounts[r + 1]++;
    }
    for (let r = 0; r < rows; r++) rowCounts[r + 1] += rowCounts[r];
    const rowEdges = new Int32Array(rowCounts[rows]);
    const fill = rowCounts.slice(0, rows);
    for (let i = 0; i < m; i++) {
      for (let r = edgeRow0[i]; r <= edgeRow1[i]; r++) rowEdges[fill[r]++] = i;
    }
    this.rowCounts = rowCounts;
    this.rowEdges = rowEdges;

    const cells = new Uint8Array(rows * cols);
    const toggles = new Uint8Array(cols + 1);
    for (let r = 0; r < rows; r++) {
      const bandLo = y0 + r * cellH - padY;
      const bandHi = y0 + (r + 1) * cellH + padY;
      const centreY = y0 + (r + 0.5) * cellH;
      const rowBase = r * cols;
      toggles.fill(0);
      for (let k = rowCounts[r]; k < rowCounts[r + 1]; k++) {
        const i = rowEdges[k];
        const j = i === 0 ? m - 1 : i - 1;
        const xi = vx[i];
        const yi = vy[i];
        const xj = vx[j];
        const yj = vy[j];
        // Boundary: every cell the edge, clipped to this row's padded band, passes near.
        let xa = xi;
        let xb = xj;
        if (yi !== yj) {
          const ta = (bandLo - yi) / (yj - yi);
          const tb = (bandHi - yi) / (yj - yi);
          const t0 = Math.max(0, Math.min(ta, tb));
          const t1 = Math.min(1, Math.max(ta, tb));
          xa = xi + (xj - xi) * t0;
          xb = xi + (xj - xi) * t1;
        }
        const c0 = colOf(Math.min(xa, xb) - padX);
        const c1 = colOf(Math.max(xa, xb) + padX);
        cells.fill(BOUNDARY, rowBase + c0, rowBase + c1 + 1);
        // Scanline at the row's centre: the crossing flips every cell centre left of it.
        if (yi > centreY !== yj > centreY) {
          const xCross = ((xj - xi) * (centreY - yi)) / (yj - yi) + xi;
          const left = Math.ceil((xCross - x0) * invW - 0.5);
          const k1 = Math.min(Math.max(left, 0), cols);
          toggles[0] ^= 1;
          toggles[k1] ^= 1;
        }
      }
      let parity = 0;
      for (let c = 0; c < cols; c++) {
        parity ^= toggles[c];
        if (cells[rowBase + c] !== BOUNDARY) cells[rowBase + c] = parity ? INSIDE : OUTSIDE;
      }
    }
    this.cells = cells;
  }

  /**
   * The exact even-odd test of a point in cell row `r`: the same expression
   * and edge orientation as {@link pointInPolygon}, so results agree bit for bit.
   */
  inside(x: number, y: number, r: number): number {
    const { vx, vy, rowEdges } = this;
    const m = vx.length;
    let inside = 0;
    for (let k = this.rowCounts[r]; k < this.rowCounts[r + 1]; k++) {
      const i = rowEdges[k];
      const j = i === 0 ? m - 1 : i - 1;
      const yi = vy[i];
      const yj = vy[j];
      if (yi > y !== yj > y && x < ((vx[j] - vx[i]) * (y - yi)) / (yj - yi) + vx[i]) inside ^= 1;
    }
    return inside;
  }
}

/** Cell states of {@link LassoCells} (0 is outside): INSIDE & 1 = 1, BOUNDARY & 1 = 0. */
export const CELL_INSIDE = INSIDE;
export const CELL_BOUNDARY = BOUNDARY;

/**
 * Mask of the points inside a lasso polygon (even-odd rule, so a
 * self-crossing lasso leaves its doubly wound loops out).
 *
 * Fewer than 3 vertices, or a polygon with no area, selects nothing. NaN
 * coordinates are never inside.
 *
 * @example lassoMask(xs, ys, [[0, 0], [1, 0], [0, 1]]) // Uint8Array, 1 = inside
 */
export function lassoMask(
  xs: Coordinates,
  ys: Coordinates,
  polygon: ArrayLike<Point>,
  options: LassoOptions = {},
): Uint8Array {
  const n = checkLengths(xs, ys);
  const mask = new Uint8Array(n);
  const p = n === 0 ? null : polygonOf(polygon);
  if (p === null) return mask;
  const { minX, maxX, minY, maxY } = p;

  const size = Math.max(1, Math.floor(options.gridSize ?? defaultGridSize(n)));
  const cols = size;
  const rows = size;
  const epsX = lassoMargin(minX, maxX, (maxX - minX) / cols);
  const epsY = lassoMargin(minY, maxY, (maxY - minY) / rows);
  const gx0 = minX - epsX;
  const gx1 = maxX + epsX;
  const gy0 = minY - epsY;
  const gy1 = maxY + epsY;
  const invW = cols / (gx1 - gx0);
  const invH = rows / (gy1 - gy0);
  const lasso = new LassoCells(p, { x0: gx0, y0: gy0, invW, invH, cols, rows, epsX, epsY });
  const cells = lasso.cells;

  for (let q = 0; q < n; q++) {
    const x = xs[q];
    const y = ys[q];
    // Written so NaN fails the test and is skipped.
    if (!(x >= gx0 && x <= gx1 && y >= gy0 && y <= gy1)) continue;
    let c = ((x - gx0) * invW) | 0;
    if (c >= cols) c = cols - 1;
    let r = ((y - gy0) * invH) | 0;
    if (r >= rows) r = rows - 1;
    const state = cells[r * cols + c];
    // Branch-free for inside/outside: those two come in random order, boundary cells are rare.
    mask[q] = state & 1;
    if (state === BOUNDARY) mask[q] = lasso.inside(x, y, r);
  }
  return mask;
}

/** Sorted positions of the points inside a lasso polygon (see {@link lassoMask}). */
export function lassoPositions(
  xs: Coordinates,
  ys: Coordinates,
  polygon: ArrayLike<Point>,
  options: LassoOptions = {},
): Uint32Array {
  return positionsOf(lassoMask(xs, ys, polygon, options));
}

/**
 * Mask of the points inside an axis-aligned box, edges included; the corners
 * may come in any order (as a drag gives them).
 */
export function boxSelect(
  xs: Coordinates,
  ys: Coordinates,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): Uint8Array {
  const n = checkLengths(xs, ys);
  const mask = new Uint8Array(n);
  const left = Math.min(x0, x1);
  const right = Math.max(x0, x1);
  const bottom = Math.min(y0, y1);
  const top = Math.max(y0, y1);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x >= left && x <= right && y >= bottom && y <= top) mask[i] = 1;
  }
  return mask;
}

/**
 * Drop lasso points closer than `minDist` (pixels) to the last kept point, so a
 * slow drag does not turn into thousands of tiny edges. The first point is
 * always kept.
 */
export function simplifyPath(points: ArrayLike<Point>, minDist: number): Point[] {
  const kept: Point[] = [];
  if (points.length === 0) return kept;
  let last = points[0];
  kept.push(last);
  const minSq = minDist * minDist;
  for (let i = 1; i < points.length; i++) {
    const point = points[i];
    const dx = point[0] - last[0];
    const dy = point[1] - last[1];
    if (dx * dx + dy * dy >= minSq) {
      kept.push(point);
      last = point;
    }
  }
  return kept;
}
