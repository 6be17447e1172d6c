import { describe, expect, it } from "vitest";
import { discStencil, mixRGB, packRGBA, rasterize } from "../src/scatter/raster";
import { fitDomain } from "../src/scatter/viewport";

// 10 × 10 data units on a 10 × 10 CSS px plot: data (x, y) has its centre at CSS px (x, 10 − y).
const v = fitDomain({ x0: 0, x1: 10, y0: 0, y1: 10 }, 10, 10, false);
const RED = packRGBA(255, 0, 0);
const BLUE = packRGBA(0, 0, 255);
const GREY = packRGBA(200, 200, 200);

function litPixels(pixels: Uint32Array, width: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  pixels.forEach((c, k) => {
    if (c !== 0) out.push([k % width, Math.floor(k / width), c]);
  });
  return out;
}

describe("packRGBA", () => {
  it("packs in ImageData byte order (R, G, B, A in memory)", () => {
    const bytes = new Uint8Array(Uint32Array.of(packRGBA(1, 2, 3, 4)).buffer);
    expect([...bytes]).toEqual([1, 2, 3, 4]);
  });

  it("mixes toward a colour", () => {
    expect(mixRGB([200, 100, 0], [0, 0, 0], 0.5)).toEqual([100, 50, 0]);
    expect(mixRGB([10, 20, 30], [255, 255, 255], 0)).toEqual([10, 20, 30]);
  });
});

describe("discStencil", () => {
  it("is a square up to 3 px and a disc after", () => {
    expect(discStencil(1)).toEqual([[0, 0]]);
    expect(discStencil(2)).toHaveLength(4);
    expect(discStencil(3)).toHaveLength(9);
    // 4 px: the 4×4 square without its four corners.
    expect(discStencil(4)).toHaveLength(12);
    expect(discStencil(4)).not.toContainEqual([0, 0]);
    expect(discStencil(5)).toHaveLength(21);
  });
});

describe("rasterize", () => {
  it("puts a 1 px point at the pixel containing its centre", () => {
    const pixels = new Uint32Array(100);
    const drawn = rasterize(pixels, 10, 10, {
      xs: [2.5, 7.2],
      ys: [7.5, 0.4],
      colorIndex: [0, 1],
      frontPalette: Uint32Array.of(RED, BLUE),
      backPalette: Uint32Array.of(GREY, GREY),
      front: null,
      viewport: v,
      dpr: 1,
      size: 1,
    });
    expect(drawn).toBe(2);
    // (2.5, 7.5) → CSS (2.5, 2.5) → pixel (2, 2); (7.2, 0.4) → (7.2, 9.6) → pixel (7, 9).
    expect(litPixels(pixels, 10)).toEqual([
      [2, 2, RED],
      [7, 9, BLUE],
    ]);
  });

  it("scales by devicePixelRatio and centres a 2 px square on the point", () => {
    const pixels = new Uint32Array(400);
    rasterize(pixels, 20, 20, {
      xs: [5],
      ys: [5],
      colorIndex: [0],
      frontPalette: Uint32Array.of(RED),
      backPalette: Uint32Array.of(GREY),
      front: null,
      viewport: v,
      dpr: 2,
      size: 2,
    });
    // Centre at device (10, 10): the square covers pixels 9..10 on both axes.
    expect(litPixels(pixels, 20).map(([x, y]) => [x, y])).toEqual([
      [9, 9],
      [10, 9],
      [9, 10],
      [10, 10],
    ]);
  });

  it("draws points behind dimmed first and points in front on top", () => {
    const pixels = new Uint32Array(100);
    // Two points on the same pixel: row 0 is selected, row 1 is not but comes later.
    rasterize(pixels, 10, 10, {
      xs: [5, 5],
      ys: [5, 5],
      colorIndex: [0, 1],
      frontPalette: Uint32Array.of(RED, BLUE),
      backPalette: Uint32Array.of(GREY, GREY),
      front: Uint8Array.of(1, 0),
      viewport: v,
      dpr: 1,
      size: 1,
    });
    expect(litPixels(pixels, 10)).toEqual([[5, 5, RED]]);
    // Without a selection the later row wins, in full colour.
    pixels.fill(0);
    rasterize(pixels, 10, 10, {
      xs: [5, 5],
      ys: [5, 5],
      colorIndex: [0, 1],
      frontPalette: Uint32Array.of(RED, BLUE),
      backPalette: Uint32Array.of(GREY, GREY),
      front: null,
      viewport: v,
      dpr: 1,
      size: 1,
    });
    expect(litPixels(pixels, 10)).toEqual([[5, 5, BLUE]]);
  });

  it("clips stencils at the edges, skips NaN and counts only centres on the plot", () => {
    const pixels = new Uint32Array(100);
    const drawn = rasterize(pixels, 10, 10, {
      xs: [0, Number.NaN, 10.4, 50],
      ys: [10, 3, 5, 5],
      colorIndex: [0, 0, 0, 0],
      frontPalette: Uint32Array.of(RED),
      backPalette: Uint32Array.of(GREY),
      front: null,
      viewport: v,
      dpr: 1,
      size: 3,
    });
    // (0, 10) is the top-left corner: only the square's lower-right 2×2 lands.
    // (10.4, 5) lies just right of the plot: its centre is off it, its left column is on it.
    expect(drawn).toBe(1);
    expect(litPixels(pixels, 10).map(([x, y]) => [x, y])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [9, 4],
      [9, 5],
      [9, 6],
    ]);
  });
});
