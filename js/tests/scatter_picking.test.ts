import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TableClient } from "../src/lib/table_client";
import type { ScatterChrome } from "../src/scatter/chrome";
import { type IndexBuilder, Picking, type PickingState } from "../src/scatter/picking";
import { PointIndex } from "../src/scatter/point_index";
import { fitDomain, panBy, type Viewport } from "../src/scatter/viewport";

// 100 × 100 data units on a 100 × 100 px plot: one data unit is one pixel, y flipped.
const fitted = (): Viewport => fitDomain({ x0: 0, x1: 100, y0: 0, y1: 100 }, 100, 100, false);

/** The few table calls hover makes: no selection, no columns, ids never answered. */
const fetch = { active: false };
const table = {
  fetching: () => fetch.active,
  selectionCount: () => 0,
  selectionMask: () => new Uint8Array(3),
  column: () => undefined,
  categories: () => undefined,
  request: () => new Promise(() => {}),
} as unknown as TableClient;
const chrome = () =>
  ({ root: { dataset: {} }, showTooltip() {}, hideTooltip() {} }) as unknown as ScatterChrome;

/** A Picking over three points whose state the test changes, counting finished index builds. */
function setup() {
  const state: PickingState = {
    xs: Float32Array.of(10, 50, 90),
    ys: Float32Array.of(90, 50, 10),
    viewport: fitted(),
    busy: false,
    colorBy: "label",
    plotOffset: [0, 0],
  };
  const built: ArrayLike<number>[] = [];
  const build: IndexBuilder = function* (xs, ys) {
    const index = yield* PointIndex.steps(xs, ys);
    built.push(xs);
    return index;
  };
  const ui = chrome();
  const picking = new Picking(
    table,
    ui,
    () => state,
    () => {},
    build,
  );
  return { state, built, picking, dataset: ui.root.dataset };
}

describe("Picking's point index", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    fetch.active = false;
  });

  it("is built once the view rests after a draw, and finds points", () => {
    const { built, picking, dataset } = setup();
    picking.pointsDrawn();
    expect(built).toHaveLength(0); // not during the draw itself
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(1);
    expect(dataset.gridBuilds).toBe("1");
    expect(picking.nearest([50, 50])).toBe(1);
    expect(picking.nearest([12, 10])).toBe(0);
    expect(built).toHaveLength(1);
  });

  it("survives redraws for a selection, colour or theme change, and pans and zooms", () => {
    const { state, built, picking, dataset } = setup();
    picking.pointsDrawn();
    vi.advanceTimersByTime(250);
    for (let k = 0; k < 5; k++) {
      picking.pointsDrawn();
      vi.advanceTimersByTime(250);
    }
    // Pan 20 px right: the point at data (50, 50) is now at screen (70, 50).
    state.viewport = panBy(state.viewport as Viewport, 20, 0);
    picking.pointsDrawn();
    vi.advanceTimersByTime(250);
    expect(picking.nearest([70, 50])).toBe(1);
    expect(picking.nearest([50, 50])).toBe(-1);
    expect(built).toHaveLength(1);
    expect(dataset.gridBuilds).toBe("1");
  });

  it("is rebuilt for new coordinates, and never answers from the old ones", () => {
    const { state, built, picking } = setup();
    picking.pointsDrawn();
    vi.advanceTimersByTime(250);
    state.xs = Float32Array.of(10, 30, 90);
    // Hovered before the new coordinates are drawn: the old index does not fit them.
    expect(picking.nearest([50, 50])).toBe(-1);
    picking.pointsDrawn();
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(2);
    expect(picking.nearest([30, 50])).toBe(1);
  });

  it("is finished at once when hovered before the background build is done", () => {
    const { built, picking } = setup();
    picking.pointsDrawn();
    expect(picking.nearest([50, 50])).toBe(1);
    expect(built).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(built).toHaveLength(1);
  });

  it("keeps no index while rows arrive (the arrays fill in place), and builds one after", () => {
    const { built, picking } = setup();
    picking.pointsDrawn(false);
    vi.advanceTimersByTime(1000);
    expect(built).toHaveLength(0);
    expect(picking.nearest([50, 50])).toBe(-1);
    picking.pointsDrawn(true);
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(1);
    expect(picking.nearest([50, 50])).toBe(1);
    // A later partial draw (a column re-sent) drops it again.
    picking.pointsDrawn(false);
    expect(picking.nearest([50, 50])).toBe(-1);
  });

  it("waits while the view is busy and builds once it rests", () => {
    const { state, built, picking } = setup();
    state.busy = true;
    picking.pointsDrawn();
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(0);
    state.busy = false;
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(1);
  });

  it("waits while the page fetches columns, then builds without another draw", () => {
    // While show() loads, a 1M-point build would hold up the other views' chunks.
    const { built, picking } = setup();
    fetch.active = true;
    picking.pointsDrawn();
    vi.advanceTimersByTime(1000);
    expect(built).toHaveLength(0);
    fetch.active = false;
    vi.advanceTimersByTime(250);
    expect(built).toHaveLength(1);
    expect(picking.nearest([50, 50])).toBe(1);
  });
});
