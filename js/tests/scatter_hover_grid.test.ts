import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/lib/random";
import { HoverGrid } from "../src/scatter/hover_grid";
import { fitDomain, toScreenX, toScreenY } from "../src/scatter/viewport";

// 100 × 100 data units on a 100 × 100 px plot: one data unit is one pixel, y flipped.
const v = fitDomain({ x0: 0, x1: 100, y0: 0, y1: 100 }, 100, 100, false);

describe("HoverGrid", () => {
  it("finds the nearest point within the radius, in screen pixels", () => {
    const xs = [10, 14, 50, 90];
    const ys = [90, 90, 50, 10];
    const grid = HoverGrid.build(xs, ys, v, 8);
    expect(grid.size).toBe(4);
    // Data (10, 90) is screen (10, 10); (14, 90) is screen (14, 10).
    expect(grid.nearest(11, 10, 6)).toBe(0);
    expect(grid.nearest(13, 11, 6)).toBe(1);
    expect(grid.nearest(50, 50, 6)).toBe(2);
    expect(grid.nearest(30, 30, 6)).toBe(-1);
    // Just inside and just outside the radius, across a cell border.
    expect(grid.nearest(90 - 5.9, 90, 6)).toBe(3);
    expect(grid.nearest(90 - 6.1, 90, 6)).toBe(-1);
  });

  it("breaks ties toward the point drawn on top (front, then later rows)", () => {
    const xs = [20, 20, 20];
    const ys = [20, 20, 20];
    const grid = HoverGrid.build(xs, ys, v, 8);
    expect(grid.nearest(20, 80, 5)).toBe(2);
    expect(grid.nearest(20, 80, 5, Uint8Array.of(0, 1, 0))).toBe(1);
  });

  it("leaves out points off the plot and unknown (NaN) points", () => {
    const grid = HoverGrid.build([-5, 50, Number.NaN, 200], [50, Number.NaN, 50, 50], v, 8);
    expect(grid.size).toBe(0);
    expect(grid.nearest(0, 50, 10)).toBe(-1);
  });

  it("agrees with a brute-force search on random points", () => {
    const rand = seededRandom(7);
    const n = 5000;
    const xs = Float32Array.from({ length: n }, () => rand() * 110 - 5);
    const ys = Float32Array.from({ length: n }, () => rand() * 110 - 5);
    const grid = HoverGrid.build(xs, ys, v, 8);
    for (let q = 0; q < 300; q++) {
      const qx = rand() * 100;
      const qy = rand() * 100;
      let best = -1;
      let bestD = 36.000001; // the grid keeps points at exactly the radius
      for (let i = 0; i < n; i++) {
        const sx = Math.fround(toScreenX(v, xs[i]));
        const sy = Math.fround(toScreenY(v, ys[i]));
        if (!(sx >= 0 && sx < 100 && sy >= 0 && sy < 100)) continue;
        const d = (sx - qx) ** 2 + (sy - qy) ** 2;
        if (d < bestD || (d === bestD && i > best)) {
          best = i;
          bestD = d;
        }
      }
      expect(grid.nearest(qx, qy, 6)).toBe(best);
    }
  });
});
