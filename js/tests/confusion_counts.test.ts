import { describe, expect, it } from "vitest";
import {
  countPairs,
  countSelectedPairs,
  margins,
  selectionIsExactly,
  targetCount,
  targetMask,
} from "../src/confusion/counts";
import { seededRandom } from "../src/lib/random";
import { positionsOf } from "../src/lib/selection";

// given:     0 0 0 1 1 2
// predicted: 0 1 0 1 2 2    ->  [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
const LABEL = Int32Array.of(0, 0, 0, 1, 1, 2);
const PRED = Uint8Array.of(0, 1, 0, 1, 2, 2);

describe("countPairs", () => {
  it("counts a hand-made example row-major, rows = given", () => {
    expect(Array.from(countPairs(LABEL, PRED, 3))).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 1]);
  });

  it("keeps a predicted-only class as an all-zero row", () => {
    const counts = countPairs([0, 1], [2, 2], 3);
    expect(Array.from(counts.subarray(6, 9))).toEqual([0, 0, 0]);
    expect(counts[2]).toBe(1);
    expect(counts[5]).toBe(1);
  });

  it("skips codes outside the classes instead of counting them into a neighbour", () => {
    const counts = countPairs(Int32Array.of(0, 0, 1, 3), Int32Array.of(0, -1, 1, 0), 2);
    expect(Array.from(counts)).toEqual([1, 0, 0, 1]);
  });

  it("refuses columns of different lengths", () => {
    expect(() => countPairs([0, 1], [0], 2)).toThrow(/label has 2 rows but pred has 1/);
  });

  it("agrees with a plain count on random data and does 1M rows in a few ms", () => {
    const rand = seededRandom(7);
    const n = 1_000_000;
    const c = 37;
    const label = new Uint8Array(n);
    const pred = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      label[i] = Math.floor(rand() * c);
      pred[i] = rand() < 0.8 ? label[i] : Math.floor(rand() * c);
    }
    countPairs(label, pred, c); // warm the JIT
    const start = performance.now();
    const counts = countPairs(label, pred, c);
    const elapsed = performance.now() - start;
    const reference = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const key = `${label[i]},${pred[i]}`;
      reference.set(key, (reference.get(key) ?? 0) + 1);
    }
    const head = countPairs(label.subarray(0, 5000), pred.subarray(0, 5000), c);
    for (const [key, v] of reference) {
      const [g, p] = key.split(",").map(Number);
      expect(head[g * c + p]).toBe(v);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(elapsed).toBeLessThan(60);
  });
});

describe("countSelectedPairs", () => {
  it("counts only selected rows", () => {
    const rows = positionsOf(Uint8Array.of(1, 1, 0, 0, 0, 1));
    expect(Array.from(countSelectedPairs(LABEL, PRED, rows, 3))).toEqual([
      1, 1, 0, 0, 0, 0, 0, 0, 1,
    ]);
  });

  it("refuses a selected row past the table", () => {
    expect(() => countSelectedPairs(LABEL, PRED, Uint32Array.of(1, 6), 3)).toThrow(/row 6 is out/);
  });
});

describe("margins", () => {
  const m = margins(countPairs(LABEL, PRED, 3), 3);

  it("sums rows into support and columns into predicted", () => {
    expect(Array.from(m.support)).toEqual([3, 2, 1]);
    expect(Array.from(m.predicted)).toEqual([2, 2, 2]);
    expect(Array.from(m.hits)).toEqual([2, 1, 1]);
    expect(m.total).toBe(6);
  });

  it("computes precision, recall and accuracy like nbdatalens.confusion", () => {
    expect(Array.from(m.precision)).toEqual([1, 0.5, 0.5]);
    expect(m.recall[0]).toBeCloseTo(2 / 3);
    expect(m.recall[1]).toBe(0.5);
    expect(m.recall[2]).toBe(1);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.maxDiagonal).toBe(2);
    expect(m.maxOffDiagonal).toBe(1);
  });

  it("leaves undefined scores NaN (never given / never predicted)", () => {
    const empty = margins(countPairs([0], [0], 2), 2);
    expect(empty.precision[1]).toBeNaN();
    expect(empty.recall[1]).toBeNaN();
    expect(margins(new Int32Array(4), 2).accuracy).toBeNaN();
  });
});

describe("targets", () => {
  const counts = countPairs(LABEL, PRED, 3);

  it("masks exactly a cell, a given class, or a predicted class", () => {
    expect(Array.from(targetMask(LABEL, PRED, { kind: "cell", given: 0, pred: 0 }))).toEqual([
      1, 0, 1, 0, 0, 0,
    ]);
    expect(Array.from(targetMask(LABEL, PRED, { kind: "row", given: 1 }))).toEqual([
      0, 0, 0, 1, 1, 0,
    ]);
    expect(Array.from(targetMask(LABEL, PRED, { kind: "column", pred: 2 }))).toEqual([
      0, 0, 0, 0, 1, 1,
    ]);
  });

  it("counts a target from the matrix alone", () => {
    expect(targetCount(counts, 3, { kind: "cell", given: 1, pred: 2 })).toBe(1);
    expect(targetCount(counts, 3, { kind: "row", given: 0 })).toBe(3);
    expect(targetCount(counts, 3, { kind: "column", pred: 1 })).toBe(2);
  });

  it("recognises a selection that is exactly one target", () => {
    const cell = { kind: "cell", given: 0, pred: 0 } as const;
    const exact = Uint8Array.of(1, 0, 1, 0, 0, 0);
    const more = Uint8Array.of(1, 1, 1, 0, 0, 0);
    const count = (mask: Uint8Array) => mask.reduce((a, b) => a + b, 0);
    const sel = (mask: Uint8Array) => countSelectedPairs(LABEL, PRED, positionsOf(mask), 3);
    expect(selectionIsExactly(counts, sel(exact), count(exact), 3, cell)).toBe(true);
    expect(selectionIsExactly(counts, sel(more), count(more), 3, cell)).toBe(false);
    expect(selectionIsExactly(counts, sel(more), count(more), 3, { kind: "row", given: 0 })).toBe(
      true,
    );
    // An empty cell is never "the selection", so clicking it does not toggle.
    const none = new Uint8Array(6);
    expect(selectionIsExactly(counts, sel(none), 0, 3, { kind: "cell", given: 2, pred: 0 })).toBe(
      false,
    );
  });
});
