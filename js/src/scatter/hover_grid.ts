// Nearest point under the cursor without touching every point per mouse move.
//
// Points are bucketed by their screen position into square cells once per
// view change (compressed rows: one offsets array, one items array, so 1M
// points cost two typed arrays and no objects). A query then looks only at
// the cells within the search radius.

import { toScreenX, toScreenY, type Viewport } from "./viewport";

export class HoverGrid {
  private readonly cols: number;
  private readonly rows: number;
  private readonly cell: number;
  /** Items of cell k are items[offsets[k] .. offsets[k + 1]). */
  private readonly offsets: Uint32Array;
  private readonly items: Uint32Array;
  private readonly px: Float32Array;
  private readonly py: Float32Array;

  private constructor(
    cols: number,
    rows: number,
    cell: number,
    offsets: Uint32Array,
    items: Uint32Array,
    px: Float32Array,
    py: Float32Array,
  ) {
    this.cols = cols;
    this.rows = rows;
    this.cell = cell;
    this.offsets = offsets;
    this.items = items;
    this.px = px;
    this.py = py;
  }

  /**
   * Index the points that land on the plot area of viewport `v` (CSS pixels).
   * `cell` should be at least the hover radius so a query reads ≤ 3×3 cells.
   *
   * @example HoverGrid.build(xs, ys, viewport, 8).nearest(120, 40, 6) // row position or -1
   */
  static build(xs: ArrayLike<number>, ys: ArrayLike<number>, v: Viewport, cell = 8): HoverGrid {
    const size = Math.max(1, cell);
    const cols = Math.max(1, Math.ceil(v.width / size));
    const rows = Math.max(1, Math.ceil(v.height / size));
    const n = Math.min(xs.length, ys.length);
    const px = new Float32Array(n);
    const py = new Float32Array(n);
    const cellOf = new Int32Array(n);
    const counts = new Uint32Array(cols * rows + 1);
    for (let i = 0; i < n; i++) {
      const sx = toScreenX(v, xs[i]);
      const sy = toScreenY(v, ys[i]);
      px[i] = sx;
      py[i] = sy;
      // Written so NaN fails and the point is left out.
      if (!(sx >= 0 && sx < v.width && sy >= 0 && sy < v.height)) {
        cellOf[i] = -1;
        continue;
      }
      const k = Math.floor(sy / size) * cols + Math.floor(sx / size);
      cellOf[i] = k;
      counts[k + 1]++;
    }
    for (let k = 0; k < cols * rows; k++) counts[k + 1] += counts[k];
    const items = new Uint32Array(counts[cols * rows]);
    const fill = counts.slice(0, cols * rows);
    for (let i = 0; i < n; i++) {
      const k = cellOf[i];
      if (k >= 0) items[fill[k]++] = i;
    }
    return new HoverGrid(cols, rows, size, counts, items, px, py);
  }

  /** Number of indexed (on-screen) points. */
  get size(): number {
    return this.items.length;
  }

  /**
   * The point nearest to (`x`, `y`) within `radius` CSS pixels, or -1.
   *
   * Ties go to the point drawn last: a `front` one (selected points are
   * drawn on top) and then the higher row position, as the renderer orders them.
   */
  nearest(x: number, y: number, radius: number, front?: Uint8Array | null): number {
    const r2 = radius * radius;
    const c0 = Math.max(0, Math.floor((x - radius) / this.cell));
    const c1 = Math.min(this.cols - 1, Math.floor((x + radius) / this.cell));
    const r0 = Math.max(0, Math.floor((y - radius) / this.cell));
    const r1 = Math.min(this.rows - 1, Math.floor((y + radius) / this.cell));
    let best = -1;
    let bestD = Infinity;
    let bestFront = -1;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const k = r * this.cols + c;
        for (let j = this.offsets[k]; j < this.offsets[k + 1]; j++) {
          const i = this.items[j];
          const dx = this.px[i] - x;
          const dy = this.py[i] - y;
          const d = dx * dx + dy * dy;
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
}
