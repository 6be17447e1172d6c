// Turning pointer positions into points: hover (nearest point, tooltip) and
// the selection gestures (click, lasso, box), which write the table's
// selection once, on release.

import { boxSelect, lassoMask, type Point } from "../lib/lasso";
import { applyMode, modeFromEvent } from "../lib/selection";
import { Background, type Steps, timedSteps } from "../lib/steps";
import type { TableClient } from "../lib/table_client";
import type { ScatterChrome } from "./chrome";
import type { Modifiers } from "./gestures";
import { PointIndex } from "./point_index";
import { IdLookup, tooltipRows } from "./tooltip";
import { toDataX, toDataY, type Viewport } from "./viewport";

/** Hover and click pick the nearest point within this many CSS pixels. */
export const PICK_RADIUS = 6;
/** A click on empty space waits this long for a second click (double-click resets the view). */
const DOUBLE_CLICK_MS = 250;
/** Start indexing this long after the points were drawn, so a drag never pays for it. */
const INDEX_DELAY_MS = 200;

/** Builds the point index step by step; a parameter so tests can count how often it runs. */
export type IndexBuilder = (xs: ArrayLike<number>, ys: ArrayLike<number>) => Steps<PointIndex>;

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
  private readonly buildIndex: IndexBuilder;
  /** The index of the current coordinates: built, or being built in the background. */
  private index: {
    xs: ArrayLike<number>;
    ys: ArrayLike<number>;
    build: Background<PointIndex>;
  } | null = null;
  private clearTimer: ReturnType<typeof setTimeout> | null = null;
  private pointer: Point | null = null;

  constructor(
    table: TableClient,
    chrome: ScatterChrome,
    state: () => PickingState,
    onHoverChange: () => void,
    buildIndex: IndexBuilder = (xs, ys) => PointIndex.steps(xs, ys),
  ) {
    this.table = table;
    this.buildIndex = buildIndex;
    this.chrome = chrome;
    this.state = state;
    this.onHoverChange = onHoverChange;
    this.ids = new IdLookup(table, (pos) => {
      if (pos === this.hovered) this.showTooltip();
    });
  }

  /**
   * The points were drawn again. The index depends only on the coordinates
   * (data space), so a pan, zoom, resize, selection, colour or theme change
   * keeps it; new coordinates start a new one, built a million points per
   * task once the view rests and the page's columns have arrived (at 5M
   * points the whole build is ~170 ms).
   *
   * `settled` false: the arrays are still filling in place (rows arriving), so
   * no index is kept or built; hover and the lasso then test every point.
   */
  pointsDrawn(settled = true): void {
    const { xs, ys } = this.state();
    const fits = this.index !== null && this.index.xs === xs && this.index.ys === ys;
    if (fits && settled) return;
    this.index?.build.cancel();
    this.index = null;
    if (!xs || !ys || !settled) return;
    let ms = 0;
    const steps = timedSteps(this.buildIndex(xs, ys), (step) => {
      ms += step;
    });
    const build = new Background(steps, {
      busy: () => this.table.fetching() || this.state().busy,
      idleMs: INDEX_DELAY_MS,
      onDone: () => {
        // For tests and benchmarks: how often an index was built and what the last one cost.
        const ds = this.chrome.root.dataset;
        ds.gridBuilds = String(Number(ds.gridBuilds ?? 0) + 1);
        ds.gridMs = ms.toFixed(1);
      },
    });
    this.index = { xs, ys, build };
  }

  /** The index of the coordinates on screen, finished now if need be; null while none fits. */
  private pointIndex(finish: boolean): PointIndex | null {
    const s = this.state();
    const index = this.index;
    if (index === null || index.xs !== s.xs || index.ys !== s.ys) return null;
    if (index.build.done || finish) return index.build.now();
    return null;
  }

  /** The point within {@link PICK_RADIUS} of `p` (plot CSS px), or -1. */
  nearest(p: Point): number {
    const { viewport: v, busy } = this.state();
    // While rows arrive there is no index (one of a moment's rows would go stale): no hover.
    const index = v === null || busy ? null : this.pointIndex(true);
    if (index === null || v === null) return -1;
    const front = this.table.selectionCount() > 0 ? this.table.selectionMask() : null;
    return index.nearest(v, p[0], p[1], PICK_RADIUS, front);
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

  /**
   * Combine hits with the selection as the modifiers say, and write it (one
   * save). A hit mask here is a fresh 0/1 mask (lasso, box, legend), so a
   * replacing gesture makes it the selection as it is: at 5M rows a copy is
   * 10 ms and 5 MB of garbage per lasso.
   */
  select(hits: Uint8Array | Uint32Array, mods: Modifiers): void {
    const mode = modeFromEvent(mods);
    const fresh = mode === "replace" && hits instanceof Uint8Array && hits.length === this.table.n;
    this.table.setSelection(fresh ? hits : applyMode(this.table.selectionMask(), hits, mode));
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
    // The index reads only the cells the lasso covers; until it is built, test every point.
    const hits = this.pointIndex(false)?.lasso(polygon) ?? lassoMask(xs, ys, polygon);
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
    this.index?.build.cancel();
    this.cancelClear();
    this.ids.dispose();
  }
}
