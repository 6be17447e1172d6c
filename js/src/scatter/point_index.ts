// Points bucketed by their data position, once per set of coordinates, for
// hover (nearest point) and the lasso.
//
// The index is a uniform grid over the points' bounding box (about four
// points per cell, at most 1024 × 1024 cells) in compressed rows: one offsets
// array and one items array, 4 bytes per point. It does not depend on the
// viewport, so a pan or zoom keeps it (a screen-space grid of 5M points was
// rebuilt after every one: ~300 ms of main thread each time). A lasso reads
// only the cells its polygon covers: cells inside take all their points
// without a test, cells near an edge test their points exactly
// (lib/lasso.ts), so the result is the plain even-odd test's, bit for bit.

import {
  CELL_BOUNDARY,
  CELL_INSIDE,
  type CellGrid,
  gridCol,
  gridRow,
  LassoCells,
  lassoMargin,
  type Point,
  polygonOf,
  type UniformGrid,
} from "../lib/lasso";
import { drain, type Steps } from "../lib/steps";
import { toDataX, toDataY, toScreenX, toScreenY, type Viewport } from "./viewport";

/** Cells per side at most, and the points a cell holds on average. */
const MAX_SIDE = 1024;
const POINTS_PER_CELL = 4;
/** Rows per step of a build: ~20 ms of work here, so no task of it is long. */
const STEP_ROWS = 1 << 20;

/** The index's grid (cell (r, c) holds the points with floor((x − x0)·invW) = c, …). */
type Grid = UniformGrid;

export class PointIndex {
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  private readonly grid: Grid;
  /** Items of cell k are items[offsets[k] .. offsets[k + 1]), in table order. */
  private readonly offsets: Uint32Array;
  private readonly items: Uint32Array;

  private constructor(
    xs: ArrayLike<number>,
    ys: ArrayLike<number>,
    grid: Grid,
    offsets: Uint32Array,
    items: Uint32Array,
  ) {
    this.xs = xs;
    this.ys = ys;
    this.grid = grid;
    this.offsets = offsets;
    this.items = items;
  }

  /**
   * Index the points with finite coordinates.
   *
   * @example PointIndex.build(xs, ys).nearest(viewport, 120, 40, 6) // row position or -1
   */
  static build(xs: ArrayLike<number>, ys: ArrayLike<number>): PointIndex {
    return drain(PointIndex.steps(xs, ys));
  }

  /** {@link build} a million points per step (see lib/steps.ts). */
  static *steps(xs: ArrayLike<number>, ys: ArrayLike<number>): Steps<PointIndex> {
    if (xs.length !== ys.length) {
      throw new RangeError(`xs has ${xs.length} values but ys has ${ys.length}`);
    }
    const n = xs.length;
    const box = bounds(xs, ys);
    yield;
    const side = Math.max(1, Math.min(MAX_SIDE, Math.ceil(Math.sqrt(box.count / POINTS_PER_CELL))));
    // A flat extent (every x equal) still needs a positive cell width.
    const spanX = box.maxX > box.minX ? box.maxX - box.minX : 1;
    const spanY = box.maxY > box.minY ? box.maxY - box.minY : 1;
    const grid: Grid = {
      x0: box.minX,
      y0: box.minY,
      invW: side / spanX,
      invH: side / spanY,
      cols: side,
      rows: side,
    };
    const cellOf = new Uint32Array(n);
    const offsets = new Uint32Array(side * side + 1);
    for (let from = 0; from < n; from += STEP_ROWS) {
      assignCells(xs, ys, grid, cellOf, offsets, from, Math.min(n, from + STEP_ROWS));
      yield;
    }
    for (let k = 0; k < side * side; k++) offsets[k + 1] += offsets[k];
    const items = new Uint32Array(offsets[side * side]);
    const fill = offsets.slice(0, side * side);
    for (let from = 0; from < n; from += STEP_ROWS) {
      fillCells(cellOf, fill, items, from, Math.min(n, from + STEP_ROWS));
      if (from + STEP_ROWS < n) yield;
    }
    return new PointIndex(xs, ys, grid, offsets, items);
  }

  /** Number of indexed points (those with finite coordinates). */
  get size(): number {
    return this.items.length;
  }

  /**
   * The point nearest to (`px`, `py`) (plot CSS px in viewport `v`) within
   * `radius` CSS pixels and on the plot area, or -1.
   *
   * Ties go to the point drawn last: a `front` one (selected points are
   * drawn on top) and then the higher row position, as the renderer orders them.
   */
  nearest(v: Viewport, px: number, py: number, radius: number, front?: Uint8Array | null): number {
    const { xs, ys, items, offsets } = this;
    const g = this.grid;
    // The cells of the data rectangle within the radius, a hair wider for rounding.
    const x = toDataX(v, px);
    const y = toDataY(v, py);
    const rx = radius * v.sx * (1 + 1e-9);
    const ry = radius * v.sy * (1 + 1e-9);
    const c0 = gridCol(g, x - rx);
    const c1 = gridCol(g, x + rx);
    const r0 = gridRow(g, y - ry);
    const r1 = gridRow(g, y + ry);
    const r2 = radius * radius;
    let best = -1;
    let bestD = Infinity;
    let bestFront = -1;
    for (let r = r0; r <= r1; r++) {
      for (let k = r * g.cols + c0; k <= r * g.cols + c1; k++) {
        for (let j = offsets[k]; j < offsets[k + 1]; j++) {
          const i = items[j];
          const sx = toScreenX(v, xs[i]);
          const sy = toScreenY(v, ys[i]);
          if (!(sx >= 0 && sx < v.width && sy >= 0 && sy < v.height)) continue;
          const d = (sx - px) * (sx - px) + (sy - py) * (sy - py);
          if (d > r2) continue;
          const f = front ? front[i] : 0;
          if (d < bestD || (d === bestD && (f > bestFront || (f === bestFront && i > best)))) {
            best = i;
            bestD = d;
            bestFront = f;
          }
        }
      }
    }
    return best;
  }

  /**
   * Mask of the points inside a lasso polygon in data coordinates: exactly
   * what lib/lasso.ts lassoMask gives for the same coordinates.
   */
  lasso(polygon: ArrayLike<Point>): Uint8Array {
    const { xs, ys, items, offsets } = this;
    const mask = new Uint8Array(xs.length);
    const p = polygonOf(polygon);
    if (p === null || items.length === 0) return mask;
    const g = this.grid;
    // The index cells the polygon's box (and its margin) meets; every point
    // in any other cell is left or right of, or above or below, every vertex.
    const epsX = lassoMargin(p.minX, p.maxX, 1 / g.invW);
    const epsY = lassoMargin(p.minY, p.maxY, 1 / g.invH);
    const c0 = gridCol(g, p.minX - epsX);
    const c1 = gridCol(g, p.maxX + epsX);
    const r0 = gridRow(g, p.minY - epsY);
    const r1 = gridRow(g, p.maxY + epsY);
    const cols = c1 - c0 + 1;
    const rows = r1 - r0 + 1;
    const sub: CellGrid = {
      x0: g.x0 + c0 / g.invW,
      y0: g.y0 + r0 / g.invH,
      invW: g.invW,
      invH: g.invH,
      cols,
      rows,
      epsX,
      epsY,
    };
    const lasso = new LassoCells(p, sub);
    const cells = lasso.cells;
    // A cell's points are scattered over the table, so these writes land in
    // random order: at 5M rows a lasso over a third of them costs about what
    // testing every point in order does (~40 ms here); a smaller lasso, or one
    // zoomed in, costs only its own cells.
    for (let r = 0; r < rows; r++) {
      const base = (r0 + r) * g.cols + c0;
      for (let c = 0; c < cols; c++) {
        const state = cells[r * cols + c];
        const k = base + c;
        if (state === CELL_INSIDE) {
          for (let j = offsets[k]; j < offsets[k + 1]; j++) {
            const i = items[j];
            mask[i] = 1;
          }
        } else if (state === CELL_BOUNDARY) {
          for (let j = offsets[k]; j < offsets[k + 1]; j++) {
            const i = items[j];
            mask[i] = lasso.inside(xs[i], ys[i], r);
          }
        }
      }
    }
    return mask;
  }
}

function bounds(xs: ArrayLike<number>, ys: ArrayLike<number>) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    // Written so NaN fails; infinities are left out too.
    if (!(x - x === 0 && y - y === 0)) continue;
    count++;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, maxX, minY, maxY, count };
}

/** Rows [from, to): each point's cell (0xffffffff: not indexed), counted into `counts[cell + 1]`. */
function assignCells(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  g: Grid,
  cellOf: Uint32Array,
  counts: Uint32Array,
  from: number,
  to: number,
): void {
  const { x0, y0, invW, invH, cols, rows } = g;
  for (let i = from; i < to; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!(x - x === 0 && y - y === 0)) {
      cellOf[i] = 0xffffffff;
      continue;
    }
    let c = Math.floor((x - x0) * invW);
    if (c >= cols) c = cols - 1;
    let r = Math.floor((y - y0) * invH);
    if (r >= rows) r = rows - 1;
    const k = r * cols + c;
    cellOf[i] = k;
    counts[k + 1]++;
  }
}

/** Rows [from, to): each indexed point at its cell's next slot (`fill`), in table order. */
function fillCells(
  cellOf: Uint32Array,
  fill: Uint32Array,
  items: Uint32Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const k = cellOf[i];
    if (k !== 0xffffffff) items[fill[k]++] = i;
  }
}
