import { describe, expect, it } from "vitest";
import {
  canvasScale,
  computeLayout,
  hitTest,
  type LayoutInput,
  MAX_CELL,
  MIN_CELL,
  targetOfHit,
} from "../src/confusion/layout";

const base: LayoutInput = {
  width: 600,
  height: 400,
  nClasses: 10,
  labelWidth: 8,
  cellTextWidth10: 18,
  supportTextWidth: 20,
};

describe("computeLayout", () => {
  it("fits ten short classes without scrolling and with counts inside", () => {
    const l = computeLayout(base);
    expect(l.cell).toBeGreaterThanOrEqual(30);
    expect(l.contentWidth).toBeLessThanOrEqual(base.width);
    expect(l.contentHeight).toBeLessThanOrEqual(base.height);
    expect(l.scrolls).toBe(false);
    expect(l.showText).toBe(true);
    expect(l.rotateColumnLabels).toBe(false);
    expect(l.canvasWidth).toBe(10 * l.cell + l.recallWidth + l.supportWidth);
    expect(l.canvasHeight).toBe(10 * l.cell + l.marginHeight);
  });

  it("is limited by the smaller direction", () => {
    const wide = computeLayout({ ...base, width: 2000 });
    expect(wide.colHeaderHeight + wide.canvasHeight).toBeLessThanOrEqual(400);
  });

  it("never grows past MAX_CELL for two classes", () => {
    const l = computeLayout({ ...base, nClasses: 2, width: 2000, height: 2000 });
    expect(l.cell).toBe(MAX_CELL);
  });

  it("stops at MIN_CELL for 100 classes, scrolls, hides counts and rotates labels", () => {
    const l = computeLayout({ ...base, nClasses: 100, labelWidth: 90, cellTextWidth10: 24 });
    expect(l.cell).toBe(MIN_CELL);
    expect(l.scrolls).toBe(true);
    expect(l.showText).toBe(false);
    expect(l.rotateColumnLabels).toBe(true);
    expect(l.colHeaderHeight).toBeGreaterThan(24);
    expect(l.contentWidth).toBe(l.rowHeaderWidth + 100 * MIN_CELL + l.recallWidth + l.supportWidth);
  });

  it("caps very long class names in the row headers (the rest is an ellipsis)", () => {
    const l = computeLayout({ ...base, labelWidth: 900 });
    expect(l.rowHeaderWidth).toBe(160);
    expect(l.colHeaderHeight).toBeLessThanOrEqual(120);
  });

  it("shrinks the cell font before hiding the counts", () => {
    const roomy = computeLayout({ ...base, width: 2000, height: 2000 });
    expect(roomy.fontPx).toBe(13);
    // 33 px cells, text 30 px wide at 10 px: 13 px would not fit, 9 px does.
    const tight = computeLayout({ ...base, height: 378, cellTextWidth10: 30 });
    expect(tight.cell).toBe(33);
    expect(tight.showText).toBe(true);
    expect(tight.fontPx).toBe(9);
    expect(computeLayout({ ...base, height: 378, cellTextWidth10: 40 }).showText).toBe(false);
    expect(tight.shortCounts).toBe(false);
  });

  it("writes counts short before hiding them, and exact ones whenever they fit", () => {
    // 29 px cells (10 classes at 1M rows in a ~400 px view): 23 px for the text.
    const small = { ...base, height: 338 };
    expect(computeLayout(small).cell).toBe(29);
    // "90.1k" is ~28 px wide at 10 px: not even 9 px fits; "90k" (~18.5 px) fits at 10 px.
    const short = computeLayout({ ...small, cellTextWidth10: 28, shortTextWidth10: 18.5 });
    expect(short.showText).toBe(true);
    expect(short.shortCounts).toBe(true);
    expect(short.fontPx).toBe(10);
    // Exact counts that fit at 9 px are kept rather than written short at a larger font.
    const exact = computeLayout({ ...small, cellTextWidth10: 25, shortTextWidth10: 18.5 });
    expect(exact.shortCounts).toBe(false);
    expect(exact.fontPx).toBe(9);
    // Hidden only when neither fits; without a short width the exact one decides.
    const neither = computeLayout({ ...small, cellTextWidth10: 40, shortTextWidth10: 30 });
    expect(neither.showText).toBe(false);
    expect(neither.shortCounts).toBe(false);
    expect(computeLayout({ ...small, cellTextWidth10: 28 }).showText).toBe(false);
  });

  it("widens the support column for large counts", () => {
    expect(computeLayout({ ...base, supportTextWidth: 60 }).supportWidth).toBe(74);
  });
});

describe("hitTest", () => {
  const l = computeLayout(base);
  const c = l.cell;
  const grid = 10 * c;

  it("maps a point to its cell by arithmetic: row = given, column = predicted", () => {
    expect(hitTest(l, 2.5 * c, 7.5 * c)).toEqual({ kind: "cell", given: 7, pred: 2 });
    expect(hitTest(l, 0, 0)).toEqual({ kind: "cell", given: 0, pred: 0 });
    expect(hitTest(l, grid - 0.01, grid - 0.01)).toEqual({ kind: "cell", given: 9, pred: 9 });
  });

  it("finds the margins and the corner", () => {
    expect(hitTest(l, grid + 3, 4.5 * c)).toEqual({ kind: "recall", given: 4 });
    expect(hitTest(l, grid + l.recallWidth + 3, 4.5 * c)).toEqual({ kind: "support", given: 4 });
    expect(hitTest(l, 3.5 * c, grid + 5)).toEqual({ kind: "precision", pred: 3 });
    expect(hitTest(l, grid + 5, grid + 5)).toEqual({ kind: "accuracy" });
  });

  it("returns null outside the canvas", () => {
    expect(hitTest(l, -1, 5)).toBeNull();
    expect(hitTest(l, 5, l.canvasHeight)).toBeNull();
    expect(hitTest(l, Number.NaN, 5)).toBeNull();
  });

  it("turns margins into whole-class targets", () => {
    expect(targetOfHit({ kind: "support", given: 3 })).toEqual({ kind: "row", given: 3 });
    expect(targetOfHit({ kind: "precision", pred: 1 })).toEqual({ kind: "column", pred: 1 });
    expect(targetOfHit({ kind: "cell", given: 1, pred: 2 })).toEqual({
      kind: "cell",
      given: 1,
      pred: 2,
    });
    expect(targetOfHit({ kind: "accuracy" })).toBeNull();
    expect(targetOfHit(null)).toBeNull();
  });
});

describe("canvasScale", () => {
  it("uses the device pixel ratio for normal sizes", () => {
    expect(canvasScale(500, 400, 2)).toBe(2);
    expect(canvasScale(500, 400, 0)).toBe(1);
  });

  it("lowers it (not below 1) when the backing store would be huge", () => {
    const s = canvasScale(3000, 3000, 2);
    expect(s).toBeLessThan(2);
    expect(3000 * 3000 * s * s).toBeLessThanOrEqual(16_000_001);
    expect(canvasScale(10_000, 10_000, 2)).toBe(1);
  });
});
