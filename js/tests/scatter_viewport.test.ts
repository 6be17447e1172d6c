import { describe, expect, it } from "vitest";
import {
  dataBounds,
  domainOf,
  fitDomain,
  niceTicks,
  panBy,
  resized,
  screenTransform,
  toDataX,
  toDataY,
  toScreenX,
  toScreenY,
  type Viewport,
  zoomAt,
  zoomLevel,
} from "../src/scatter/viewport";

// The data map's plot: variability 0..0.5 over 500 px, confidence 0..1 over 400 px.
const dataMap: Viewport = fitDomain({ x0: 0, x1: 0.5, y0: 0, y1: 1 }, 500, 400, false);

describe("data ↔ screen", () => {
  it("maps the domain's corners to the plot's corners, y pointing down", () => {
    expect(dataMap.sx).toBeCloseTo(0.001, 15);
    expect(dataMap.sy).toBeCloseTo(0.0025, 15);
    expect(toScreenX(dataMap, 0)).toBeCloseTo(0, 9);
    expect(toScreenX(dataMap, 0.5)).toBeCloseTo(500, 9);
    expect(toScreenY(dataMap, 1)).toBeCloseTo(0, 9);
    expect(toScreenY(dataMap, 0)).toBeCloseTo(400, 9);
    // By hand: x = 0.2 → 0.2 / 0.001 = 200 px; y = 0.75 → 400 − 0.75 / 0.0025 = 100 px.
    expect(toScreenX(dataMap, 0.2)).toBeCloseTo(200, 9);
    expect(toScreenY(dataMap, 0.75)).toBeCloseTo(100, 9);
  });

  it("round-trips screen → data → screen", () => {
    for (const [px, py] of [
      [0, 0],
      [123.5, 77.25],
      [500, 400],
      [-30, 410],
    ]) {
      expect(toScreenX(dataMap, toDataX(dataMap, px))).toBeCloseTo(px, 9);
      expect(toScreenY(dataMap, toDataY(dataMap, py))).toBeCloseTo(py, 9);
    }
  });

  it("reports the domain it shows", () => {
    const d = domainOf(dataMap);
    expect(d.x0).toBeCloseTo(0, 12);
    expect(d.x1).toBeCloseTo(0.5, 12);
    expect(d.y0).toBeCloseTo(0, 12);
    expect(d.y1).toBeCloseTo(1, 12);
  });

  it("gives both axes the same scale with equalAspect, centring the slack", () => {
    const v = fitDomain({ x0: 0, x1: 10, y0: 0, y1: 2 }, 200, 200, true);
    expect(v.sx).toBe(v.sy);
    expect(v.sx).toBeCloseTo(0.05, 12);
    const d = domainOf(v);
    expect(d.y0).toBeCloseTo(-4, 9);
    expect(d.y1).toBeCloseTo(6, 9);
  });
});

describe("zoom and pan", () => {
  it("keeps the data point under the cursor fixed when zooming", () => {
    const px = 137;
    const py = 291;
    const before = [toDataX(dataMap, px), toDataY(dataMap, py)];
    const z = zoomAt(dataMap, px, py, 2.5);
    expect(toDataX(z, px)).toBeCloseTo(before[0], 12);
    expect(toDataY(z, py)).toBeCloseTo(before[1], 12);
    expect(z.sx).toBeCloseTo(dataMap.sx / 2.5, 15);
    expect(zoomLevel(z, dataMap)).toBeCloseTo(2.5, 12);
    // Zooming back out by the inverse factor at the same place restores the view.
    const back = zoomAt(z, px, py, 1 / 2.5);
    expect(back.cx).toBeCloseTo(dataMap.cx, 12);
    expect(back.cy).toBeCloseTo(dataMap.cy, 12);
  });

  it("zooming at the centre keeps the centre", () => {
    const z = zoomAt(dataMap, 250, 200, 4);
    expect(z.cx).toBeCloseTo(dataMap.cx, 12);
    expect(z.cy).toBeCloseTo(dataMap.cy, 12);
    expect(domainOf(z).x1 - domainOf(z).x0).toBeCloseTo(0.125, 12);
  });

  it("ignores a nonsensical zoom factor", () => {
    expect(zoomAt(dataMap, 10, 10, Number.NaN)).toEqual(dataMap);
    expect(zoomAt(dataMap, 10, 10, 0)).toEqual(dataMap);
  });

  it("pans with the drag: content follows the pointer", () => {
    const p = panBy(dataMap, 50, -20);
    // The point that was at (100, 100) is now at (150, 80).
    const x = toDataX(dataMap, 100);
    const y = toDataY(dataMap, 100);
    expect(toScreenX(p, x)).toBeCloseTo(150, 9);
    expect(toScreenY(p, y)).toBeCloseTo(80, 9);
  });

  it("a resize keeps centre and scale", () => {
    const r = resized(dataMap, 1000, 200);
    expect([r.cx, r.cy, r.sx, r.sy]).toEqual([dataMap.cx, dataMap.cy, dataMap.sx, dataMap.sy]);
    expect(domainOf(r).x1 - domainOf(r).x0).toBeCloseTo(1, 12);
  });

  it("maps an old frame onto a new viewport (the cached frame during drags)", () => {
    const to = zoomAt(panBy(dataMap, 30, 10), 200, 100, 2);
    const t = screenTransform(dataMap, to);
    for (const [px, py] of [
      [0, 0],
      [250, 300],
    ]) {
      const expectedX = toScreenX(to, toDataX(dataMap, px));
      const expectedY = toScreenY(to, toDataY(dataMap, py));
      expect(px * t.scaleX + t.offsetX).toBeCloseTo(expectedX, 9);
      expect(py * t.scaleY + t.offsetY).toBeCloseTo(expectedY, 9);
    }
  });
});

describe("dataBounds", () => {
  it("pads the finite points' box and skips NaN", () => {
    const b = dataBounds([0, 10, Number.NaN, 5], [0, 4, 100, Number.NaN], 0.1);
    expect(b.x0).toBeCloseTo(-1, 12);
    expect(b.x1).toBeCloseTo(11, 12);
    expect(b.y0).toBeCloseTo(-0.4, 12);
    expect(b.y1).toBeCloseTo(4.4, 12);
  });

  it("gives a single point or nothing a box of its own", () => {
    expect(dataBounds([3], [3], 0)).toEqual({ x0: 1.5, x1: 4.5, y0: 1.5, y1: 4.5 });
    expect(dataBounds([Number.NaN], [1])).toEqual({ x0: -1, x1: 1, y0: -1, y1: 1 });
  });
});

describe("niceTicks", () => {
  it("picks 1-2-5 steps without float noise", () => {
    expect(niceTicks(0, 0.5, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(-0.0125, 0.5125, 10)).toEqual([
      0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    ]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(13, 87, 4)).toEqual([20, 40, 60, 80]);
  });

  it("returns nothing for an empty or broken range", () => {
    expect(niceTicks(1, 1, 5)).toEqual([]);
    expect(niceTicks(0, Number.NaN, 5)).toEqual([]);
  });
});
