import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/lib/random";
import { PointIndex } from "../src/scatter/point_index";
import { fitDomain, toScreenX, toScreenY } from "../src/scatter/viewport";

// 100 × 100 data units on a 100 × 100 px plot: one data unit is one pixel, y flipped.
const v = fitDomain({ x0: 0, x1: 100, y0: 0, y1: 100 }, 100, 100, false);

describe("PointIndex.nearest", () => {
  it("finds the nearest point within the radius, in screen pixels", () => {
    const xs = [10, 14, 50, 90];
    const ys = [90, 90, 50, 10];
    const index = PointIndex.build(xs, ys);
    expect(index.size).toBe(4);
    // Data (10, 90) is screen (10, 10); (14, 90) is screen (14, 10).
    expect(index.nearest(v, 11, 10, 6)).toBe(0);
    expect(index.nearest(v, 13, 11, 6)).toBe(1);
    expect(index.nearest(v, 50, 50, 6)).toBe(2);
    expect(index.nearest(v, 30, 30, 6)).toBe(-1);
    // Just inside and just outside the radius, across a cell border.
    expect(index.nearest(v, 90 - 5.9, 90, 6)).toBe(3);
    expect(index.nearest(v, 90 - 6.1, 90, 6)).toBe(-1);
  });

  it("breaks ties toward the point drawn on top (front, then later rows)", () => {
    const xs = [20, 20, 20];
    const ys = [20, 20, 20];
    const index = PointIndex.build(xs, ys);
    expect(index.nearest(v, 20, 80, 5)).toBe(2);
    expect(index.nearest(v, 20, 80, 5, Uint8Array.of(0, 1, 0))).toBe(1);
  });

  it("leaves out points off the plot and unknown (NaN) points", () => {
    // Off the plot (x = -5 and x = 200): indexed, never picked; NaN: not indexed.
    const index = PointIndex.build([-5, 50, Number.NaN, 200], [50, Number.NaN, 50, 50]);
    expect(index.size).toBe(2);
    expect(index.nearest(v, 0, 50, 10)).toBe(-1);
    expect(index.nearest(v, 99, 50, 10)).toBe(-1);
  });

  it("agrees with a brute-force search on random points, at any zoom", () => {
    const rand = seededRandom(7);
    const n = 5000;
    const xs = Float32Array.from({ length: n }, () => rand() * 110 - 5);
    const ys = Float32Array.from({ length: n }, () => rand() * 110 - 5);
    const index = PointIndex.build(xs, ys);
    // The fitted view, zoomed in 40× (a cell spans many pixels) and zoomed out 20×.
    const views = [
      v,
      { ...v, cx: 37, cy: 61, sx: v.sx / 40, sy: v.sy / 40 },
      { ...v, sx: v.sx * 20, sy: v.sy * 20 },
    ];
    for (let q = 0; q < 900; q++) {
      const view = views[q % 3];
      const qx = rand() * 100;
      const qy = rand() * 100;
      let best = -1;
      let bestD = 36; // points at exactly the radius count
      for (let i = 0; i < n; i++) {
        const sx = toScreenX(view, xs[i]);
        const sy = toScreenY(view, ys[i]);
        if (!(sx >= 0 && sx < 100 && sy >= 0 && sy < 100)) continue;
        const d = (sx - qx) ** 2 + (sy - qy) ** 2;
        if (d < bestD || (d === bestD && i > best)) {
          best = i;
          bestD = d;
        }
      }
      expect(index.nearest(view, qx, qy, 6)).toBe(best);
    }
  });
});
