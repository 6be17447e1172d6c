// Turning pointer positions into points: hover (nearest point, tooltip) and
// the selection gestures (click, lasso, box), which write the table's
// selection once, on release.

import { boxSelect, lassoMask, type Point } from "../lib/lasso";
import { applyMode, modeFromEvent } from "../lib/selection";
import type { TableClient } from "../lib/table_client";
import type { ScatterChrome } from "./chrome";
import type { Modifiers } from "./gestures";
import { HoverGrid } from "./hover_grid";
import { IdLookup, tooltipRows } from "./tooltip";
import { toDataX, toDataY, type Viewport } from "./viewport";

/** Hover and click pick the nearest point within this many CSS pixels. */
export const PICK_RADIUS = 6;
/** Grid cell size in CSS pixels (≥ the pick radius, so a query reads ≤ 3×3 cells). */
const GRID_CELL = 8;
/** A click on empty space waits this long for a second click (double-click resets the view). */
const DOUBLE_CLICK_MS = 250;
/** Build the hover grid this long after the view has rested, so a drag never pays for it. */
const GRID_DELAY_MS = 200;

/** Builds the hover grid; a parameter so tests can count how often it runs. */
export type GridBuilder = (
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  v: Viewport,
  cell: number,
) => HoverGrid;

/** What a hover grid indexes: it changes only with the coordinates or the viewport. */
interface GridSource {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  viewport: Viewport;
}

/**
 * Whether a grid built from `source` still fits `s`. Viewports compare by
 * value: a refit after a resize to the same size makes a new, equal object.
 */
function sameSource(source: GridSource, s: PickingState): boolean {
  const a = source.viewport;
  const b = s.viewport;
  return (
    source.xs === s.xs &&
    source.ys === s.ys &&
    b !== null &&
    a.cx === b.cx &&
    a.cy === b.cy &&
    a.sx === b.sx &&
    a.sy === b.sy &&
    a.width === b.width &&
    a.height === b.height
  );
}

/** What picking needs to know about the view, read at the moment it is needed. */
export interface PickingState {
  xs: ArrayLike<number> | null;
  ys: ArrayLike<number> | null;
  viewport: Viewport | null;
  /** True while the view moves (drag, wheel, animation): no hover then. */
  busy: boolean;
  colorBy: string;
  /** Offset of the plot area in the plot container (tooltip placement). */
  plotOffset: Point;
}

export class Picking {
  /** Row position under the pointer, or -1. */
  hovered = -1;
  private readonly table: TableClient;
  private readonly chrome: ScatterChrome;
  private readonly state: () => PickingState;
  private readonly onHoverChange: () => void;
  private readonly ids: IdLookup;
  private readonly buildGrid: GridBuilder;
  private grid: HoverGrid | null = null;
  /** What `grid` indexes, or what the pending `gridTimer` will index. */
  private gridSource: GridSource | null = null;
  private gridTimer: ReturnType<typeof setTimeout> | null = null;
  private clearTimer: ReturnType<typeof setTimeout> | null = null;
  private pointer: Point | null = null;

  constructor(
    table: TableClient,
    chrome: ScatterChrome,
    state: () => PickingState,
    onHoverChange: () => void,
    buildGrid: GridBuilder = HoverGrid.build,
  ) {
    this.table = table;
    this.buildGrid = buildGrid;
    this.chrome = chrome;
    this.state = state;
    this.onHoverChange = onHoverChange;
    this.ids = new IdLookup(table, (pos) => {
      if (pos === this.hovered) this.showTooltip();
    });
  }

  /**
   * The points were drawn again. The grid depends only on the coordinates and
   * the viewport, so a redraw for a selection, colour, size or theme change
   * keeps it (at 1M points a rebuild is a long task). Otherwise the grid is
   * dropped and rebuilt once the view has rested.
   */
  pointsDrawn(): void {
    const s = this.state();
    if (this.gridSource !== null && sameSource(this.gridSource, s)) {
      // Built, or about to be; a timer that fired while the view was busy is re-armed.
      if (this.grid !== null || this.gridTimer !== null) return;
    } else {
      this.grid = null;
      this.gridSource =
        s.xs && s.ys && s.viewport ? { xs: s.xs, ys: s.ys, viewport: s.viewport } : null;
    }
    this.armGrid();
  }

  /**
   * Build the grid once the view has rested and the page's columns have
   * arrived: at 1M points a build is a long task, which would hold up the
   * chunks of the other views' columns while `show()` draws.
   */
  private armGrid(): void {
    if (this.gridTimer !== null) clearTimeout(this.gridTimer);
    this.gridTimer = setTimeout(() => {
      this.gridTimer = null;
      if (this.table.fetching()) this.armGrid();
      else if (!this.state().busy) this.hoverGrid();
    }, GRID_DELAY_MS);
  }

  private hoverGrid(): HoverGrid | null {
    const s = this.state();
    // The view may have moved since the last full draw (the grid is then stale).
    if (this.grid !== null && this.gridSource !== null && !sameSource(this.gridSource, s)) {
      this.grid = null;
    }
    if (this.grid === null && s.xs && s.ys && s.viewport && !s.busy) {
      const t0 = performance.now();
      this.grid = this.buildGrid(s.xs, s.ys, s.viewport, GRID_CELL);
      this.gridSource = { xs: s.xs, ys: s.ys, viewport: s.viewport };
      // For tests and benchmarks: how often the grid was built and what the last one cost.
      const ds = this.chrome.root.dataset;
      ds.gridBuilds = String(Number(ds.gridBuilds ?? 0) + 1);
      ds.gridMs = (performance.now() - t0).toFixed(1);
    }
    return this.grid;
  }

  /** The point within {@link PICK_RADIUS} of `p` (plot CSS px), or -1. */
  nearest(p: Point): number {
    const grid = this.hoverGrid();
    if (grid === null) return -1;
    const front = this.table.selectionCount() > 0 ? this.table.selectionMask() : null;
    return grid.nearest(p[0], p[1], PICK_RADIUS, front);
  }

  hover(p: Point | null): void {
    this.pointer = p;
    const i = p === null || this.state().busy ? -1 : this.nearest(p);
    if (i !== this.hovered) {
      this.hovered = i;
      this.ids.want(i);
      this.onHoverChange();
    }
    this.showTooltip();
  }

  private showTooltip(): void {
    const p = this.pointer;
    if (this.hovered < 0 || p === null) {
      this.chrome.hideTooltip();
      return;
    }
    const s = this.state();
    const rows = tooltipRows(this.table, this.hovered, this.ids.get(this.hovered), s.colorBy);
    this.chrome.showTooltip(p[0] + s.plotOffset[0], p[1] + s.plotOffset[1], rows);
  }

  /** Combine hits with the selection as the modifiers say, and write it (one save). */
  select(hits: Uint8Array | Uint32Array, mods: Modifiers): void {
    this.table.setSelection(applyMode(this.table.selectionMask(), hits, modeFromEvent(mods)));
  }

  /**
   * Select the points inside a lasso drawn on screen. Returns the hit-test
   * time in ms (the polygon is mapped to data coordinates, then tested exactly).
   */
  lasso(path: Point[], mods: Modifiers): number | null {
    const { xs, ys, viewport: v } = this.state();
    if (!v || !xs || !ys || path.length < 3) return null;
    const t0 = performance.now();
    const polygon: Point[] = path.map(([px, py]) => [toDataX(v, px), toDataY(v, py)]);
    const hits = lassoMask(xs, ys, polygon);
    const ms = performance.now() - t0;
    this.select(hits, mods);
    return ms;
  }

  box(a: Point, b: Point, mods: Modifiers): void {
    const { xs, ys, viewport: v } = this.state();
    if (!v || !xs || !ys) return;
    const [x0, y0, x1, y1] = [
      toDataX(v, a[0]),
      toDataY(v, a[1]),
      toDataX(v, b[0]),
      toDataY(v, b[1]),
    ];
    this.select(boxSelect(xs, ys, x0, y0, x1, y1), mods);
  }

  /**
   * A click on a point selects it (with the modifiers' mode). A plain click on
   * empty space clears the selection, once it is clear the click is not the
   * first half of a double-click (which resets the view instead).
   */
  click(p: Point, mods: Modifiers): void {
    this.cancelClear();
    const i = this.nearest(p);
    if (i >= 0) {
      this.select(Uint32Array.of(i), mods);
    } else if (!mods.shiftKey && !mods.altKey) {
      this.clearTimer = setTimeout(() => {
        this.clearTimer = null;
        if (this.table.selectionCount() > 0) this.table.clearSelection();
      }, DOUBLE_CLICK_MS);
    }
  }

  /** Forget a pending clear (a double-click arrived). */
  cancelClear(): void {
    if (this.clearTimer !== null) clearTimeout(this.clearTimer);
    this.clearTimer = null;
  }

  dispose(): void {
    if (this.gridTimer !== null) clearTimeout(this.gridTimer);
    this.cancelClear();
    this.ids.dispose();
  }
}
