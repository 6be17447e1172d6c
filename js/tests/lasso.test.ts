import { describe, expect, it } from "vitest";
import {
  boxSelect,
  lassoMask,
  lassoPositions,
  type Point,
  pointInPolygon,
  simplifyPath,
} from "../src/lib/lasso";
import { seededRandom } from "../src/lib/random";
import { PointIndex } from "../src/scatter/point_index";

/** The point index's lasso, which must give what lassoMask gives. */
function indexed(xs: ArrayLike<number>, ys: ArrayLike<number>, polygon: Point[]): Uint8Array {
  return PointIndex.build(xs, ys).lasso(polygon);
}

// The reference the grid must match bit for bit: the textbook even-odd loop,
// written out again here rather than imported.
function bruteForce(xs: ArrayLike<number>, ys: ArrayLike<number>, polygon: Point[]): Uint8Array {
  const mask = new Uint8Array(xs.length);
  const m = polygon.length;
  const vx = polygon.map((v) => v[0]);
  const vy = polygon.map((v) => v[1]);
  for (let p = 0; p < xs.length; p++) {
    const x = xs[p];
    const y = ys[p];
    let inside = false;
    for (let i = 0, j = m - 1; i < m; j = i++) {
      const xi = vx[i];
      const yi = vy[i];
      const xj = vx[j];
      const yj = vy[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    mask[p] = inside ? 1 : 0;
  }
  return mask;
}

function mismatches(a: Uint8Array, b: Uint8Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) bad.push(i);
  return bad;
}

/** Concave star: vertices at random radii around a centre. */
function starPolygon(random: () => number, m: number, cx = 0.5, cy = 0.5, r = 0.45): Point[] {
  const polygon: Point[] = [];
  for (let k = 0; k < m; k++) {
    const angle = (2 * Math.PI * k) / m;
    const radius = r * (0.3 + 0.7 * random());
    polygon.push([cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)]);
  }
  return polygon;
}

/** Vertices anywhere in the unit square: edges cross each other all over. */
function scribble(random: () => number, m: number): Point[] {
  return Array.from({ length: m }, () => [random(), random()] as Point);
}

function randomPoints(random: () => number, n: number, lo = -0.1, hi = 1.1) {
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = lo + (hi - lo) * random();
    ys[i] = lo + (hi - lo) * random();
  }
  return { xs, ys };
}

describe("pointInPolygon", () => {
  it("answers hand-checked cases for a concave polygon", () => {
    // A "U": the notch between x = 1..2 above y = 1 is outside.
    const u: Point[] = [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ];
    expect(pointInPolygon(0.5, 2, u)).toBe(true);
    expect(pointInPolygon(1.5, 2, u)).toBe(false);
    expect(pointInPolygon(1.5, 0.5, u)).toBe(true);
    expect(pointInPolygon(4, 0.5, u)).toBe(false);
  });
});

describe("lassoMask", () => {
  it("matches the brute-force even-odd test on random concave and self-crossing lassos", () => {
    const random = seededRandom(1);
    for (let trial = 0; trial < 60; trial++) {
      const polygon =
        trial % 2 === 0
          ? starPolygon(random, 3 + Math.floor(random() * 60))
          : scribble(random, 3 + Math.floor(random() * 40));
      // Every third trial the points fill only part of the lasso's box.
      const { xs, ys } =
        trial % 3 === 2 ? randomPoints(random, 4000, 0.3, 0.6) : randomPoints(random, 4000);
      const expected = bruteForce(xs, ys, polygon);
      for (const gridSize of [undefined, 1, 3, 16, 64]) {
        const got = lassoMask(xs, ys, polygon, { gridSize });
        expect(mismatches(got, expected), `trial ${trial}, grid ${gridSize}`).toEqual([]);
      }
      expect(mismatches(indexed(xs, ys, polygon), expected), `trial ${trial}`).toEqual([]);
    }
  });

  it("agrees exactly for points on vertices, on edges and on a lattice", () => {
    // Integer vertices and integer points put many points exactly on edges
    // and on the scanlines through vertices, where the half-open rule decides.
    const random = seededRandom(2);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let x = -1; x <= 21; x += 0.5) {
      for (let y = -1; y <= 21; y += 0.5) {
        xs.push(x);
        ys.push(y);
      }
    }
    const px = Float32Array.from(xs);
    const py = Float32Array.from(ys);
    for (let trial = 0; trial < 40; trial++) {
      const m = 3 + Math.floor(random() * 12);
      const polygon = Array.from(
        { length: m },
        () => [Math.floor(random() * 21), Math.floor(random() * 21)] as Point,
      );
      const expected = bruteForce(px, py, polygon);
      for (const gridSize of [undefined, 2, 20, 21, 40]) {
        expect(mismatches(lassoMask(px, py, polygon, { gridSize }), expected)).toEqual([]);
      }
      expect(mismatches(indexed(px, py, polygon), expected)).toEqual([]);
    }
  });

  it("agrees exactly for points a hair's breadth from an edge", () => {
    // Points on each edge, nudged by 1e-2 down to 1e-12 of the lasso's size:
    // the cells around them must defer to the exact test, not guess.
    const random = seededRandom(5);
    for (let trial = 0; trial < 20; trial++) {
      const polygon = trial % 2 ? scribble(random, 12) : starPolygon(random, 30);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < polygon.length; i++) {
        const [x0, y0] = polygon[i];
        const [x1, y1] = polygon[(i + 1) % polygon.length];
        for (let k = 0; k < 40; k++) {
          const t = random();
          const nudge = 10 ** -(2 + Math.floor(random() * 11)) * (random() < 0.5 ? -1 : 1);
          xs.push(x0 + (x1 - x0) * t + (random() < 0.5 ? nudge : 0));
          ys.push(y0 + (y1 - y0) * t + (random() < 0.5 ? nudge : 0));
        }
      }
      for (const coords of [Float64Array, Float32Array]) {
        const px = coords.from(xs);
        const py = coords.from(ys);
        const expected = bruteForce(px, py, polygon);
        for (const gridSize of [undefined, 4, 32, 256]) {
          expect(mismatches(lassoMask(px, py, polygon, { gridSize }), expected)).toEqual([]);
        }
        expect(mismatches(indexed(px, py, polygon), expected)).toEqual([]);
      }
    }
  });

  it("stays exact far from the origin and at tiny scales", () => {
    const random = seededRandom(3);
    for (const [offset, scale] of [
      [1e6, 1],
      [-3e4, 1e-3],
      [0, 1e-9],
      [123.456, 1e5],
    ]) {
      const polygon = starPolygon(random, 40).map(
        ([x, y]) => [offset + x * scale, offset + y * scale] as Point,
      );
      const n = 5000;
      const xs = new Float32Array(n);
      const ys = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        xs[i] = offset + (random() * 1.2 - 0.1) * scale;
        ys[i] = offset + (random() * 1.2 - 0.1) * scale;
      }
      const expected = bruteForce(xs, ys, polygon);
      expect(mismatches(lassoMask(xs, ys, polygon), expected)).toEqual([]);
      expect(mismatches(indexed(xs, ys, polygon), expected)).toEqual([]);
    }
  });

  it("selects nothing for a degenerate lasso and never selects NaN", () => {
    const xs = Float32Array.of(0.5, Number.NaN, 0.25);
    const ys = Float32Array.of(0.5, 0.5, Number.NaN);
    const triangle: Point[] = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    expect(Array.from(lassoMask(xs, ys, triangle))).toEqual([0, 0, 0]);
    expect(Array.from(indexed(xs, ys, triangle))).toEqual([0, 0, 0]);
    expect(Array.from(indexed(Float32Array.of(0.2), Float32Array.of(0.2), triangle))).toEqual([1]);
    expect(Array.from(indexed([], [], triangle))).toEqual([]);
    expect(Array.from(lassoMask(Float32Array.of(0.2), Float32Array.of(0.2), triangle))).toEqual([
      1,
    ]);
    expect(Array.from(lassoMask(xs, ys, triangle.slice(0, 2)))).toEqual([0, 0, 0]);
    const line: Point[] = [
      [0, 0],
      [1, 1],
      [2, 2],
    ];
    expect(Array.from(lassoMask(Float32Array.of(1), Float32Array.of(1), line))).toEqual([0]);
    expect(() =>
      lassoMask(xs, ys, [
        [0, 0],
        [1, Number.NaN],
        [1, 1],
      ]),
    ).toThrow(/vertex 1/);
    expect(() => lassoMask(xs, ys.subarray(1), triangle)).toThrow(/xs has 3 values but ys has 2/);
  });

  it("leaves the doubly wound part of a self-crossing lasso out (even-odd)", () => {
    // A pentagram: the central pentagon is crossed twice, the points once.
    const star: Point[] = [0, 2, 4, 1, 3].map((k) => {
      const a = Math.PI / 2 + (2 * Math.PI * k) / 5;
      return [Math.cos(a), Math.sin(a)] as Point;
    });
    const hits = lassoMask(Float32Array.of(0, 0), Float32Array.of(0, 0.7), star);
    expect(Array.from(hits)).toEqual([0, 1]);
  });

  it("selects 1M points under a 100-vertex lasso correctly (time printed)", () => {
    const random = seededRandom(4);
    const n = 1_000_000;
    const { xs, ys } = randomPoints(random, n, 0, 1);
    const polygon = starPolygon(random, 100);
    const expected = bruteForce(xs, ys, polygon);
    lassoMask(xs, ys, polygon); // let the JIT compile the loops first, as a second lasso would
    const times: number[] = [];
    let got: Uint8Array = new Uint8Array(0);
    for (let run = 0; run < 5; run++) {
      const t = performance.now();
      got = lassoMask(xs, ys, polygon);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    let t = performance.now();
    bruteForce(xs, ys, polygon);
    const bruteMs = performance.now() - t;
    t = performance.now();
    const positions = lassoPositions(xs, ys, polygon);
    const positionsMs = performance.now() - t;
    t = performance.now();
    const index = PointIndex.build(xs, ys);
    const buildMs = performance.now() - t;
    index.lasso(polygon);
    t = performance.now();
    const viaIndex = index.lasso(polygon);
    const indexMs = performance.now() - t;
    console.log(
      `lasso, 1M points, 100 vertices: median ${times[2].toFixed(1)} ms ` +
        `(min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)}); as positions ${positionsMs.toFixed(1)} ms; ` +
        `brute force ${bruteMs.toFixed(1)} ms; ${positions.length} hits; ` +
        `point index: built in ${buildMs.toFixed(1)} ms, lasso ${indexMs.toFixed(1)} ms`,
    );
    expect(mismatches(got, expected)).toEqual([]);
    expect(mismatches(viaIndex, expected)).toEqual([]);
    expect(positions.length).toBe(expected.reduce((a, b) => a + b, 0));
  }, 60_000);
});

describe("boxSelect", () => {
  it("includes the edges and takes the corners in any order", () => {
    const xs = Float32Array.of(0, 1, 2, 3, Number.NaN);
    const ys = Float32Array.of(0, 1, 2, 3, 1);
    expect(Array.from(boxSelect(xs, ys, 2, 2, 1, 0.5))).toEqual([0, 1, 1, 0, 0]);
  });
});

describe("simplifyPath", () => {
  it("drops points closer than the minimum distance to the last kept one", () => {
    const path: Point[] = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [3, 1],
      [3, 4],
    ];
    expect(simplifyPath(path, 3)).toEqual([
      [0, 0],
      [3, 0],
      [3, 4],
    ]);
    expect(simplifyPath([], 3)).toEqual([]);
  });
});
