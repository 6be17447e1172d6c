import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/lib/random";
import { positionsOf } from "../src/lib/selection";
import { RasterLayers } from "../src/scatter/layers";
import { packRGBA, type RasterInput, rasterize } from "../src/scatter/raster";
import { fitDomain } from "../src/scatter/viewport";

const W = 64;
const H = 48;
const N = 5000;

// Dense, overlapping points (several per pixel) so draw order matters on most pixels.
function scene(seed: number): Omit<RasterInput, "front"> {
  const rand = seededRandom(seed);
  const xs = new Float32Array(N);
  const ys = new Float32Array(N);
  const colorIndex = new Uint16Array(N);
  for (let i = 0; i < N; i++) {
    xs[i] = rand() * 12 - 1; // some off the plot on every side
    ys[i] = rand() * 12 - 1;
    colorIndex[i] = Math.floor(rand() * 5);
  }
  xs[7] = Number.NaN;
  return {
    xs,
    ys,
    colorIndex,
    frontPalette: Uint32Array.from([0, 1, 2, 3, 4], (k) => packRGBA(200, 40 * k, 10)),
    backPalette: Uint32Array.from([0, 1, 2, 3, 4], (k) => packRGBA(230, 230, 200 + 10 * k)),
    viewport: fitDomain({ x0: 0, x1: 10, y0: 0, y1: 10 }, W, H, true),
    dpr: 1,
    size: 3,
  };
}

function mask(seed: number, share: number): Uint8Array {
  const rand = seededRandom(seed);
  return Uint8Array.from({ length: N }, () => (rand() < share ? 1 : 0));
}

/** What a plain rasterize into cleared pixels draws. */
function reference(input: RasterInput): { pixels: Uint32Array; drawn: number } {
  const pixels = new Uint32Array(W * H);
  return { pixels, drawn: rasterize(pixels, W, H, input) };
}

describe("RasterLayers", () => {
  it("draws every selection pixel for pixel like rasterize, from the kept dimmed layer", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H).fill(123); // stale content must not show through
    const paths: string[] = [];
    for (const front of [null, mask(2, 0.3), mask(3, 0.01), mask(4, 0.9), null, mask(5, 0)]) {
      const input = { ...base, front };
      const drawn = layers.draw(pixels, W, H, input);
      const want = reference(input);
      expect(pixels).toEqual(want.pixels);
      expect(drawn).toBe(want.drawn);
      paths.push(layers.lastPath);
    }
    // The first selection makes the dimmed layer; later ones draw only their front points.
    expect(paths).toEqual(["copy", "full", "front-only", "front-only", "copy", "front-only"]);
  });

  it("draws the same pixels from the front rows' positions as from scanning the mask", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H);
    for (const [seed, share] of [
      [2, 0.3],
      [3, 0.01],
      [4, 0.9],
      [5, 0],
    ] as const) {
      const front = mask(seed, share);
      const input = { ...base, front, frontRows: positionsOf(front) };
      const want = reference({ ...base, front });
      expect(reference(input)).toEqual(want); // the full path
      expect(layers.draw(pixels, W, H, input)).toBe(want.drawn); // the layered path
      expect(pixels).toEqual(want.pixels);
    }
    expect(layers.lastPath).toBe("front-only");
  });

  it("keeps its pictures for a new but equal viewport (a refit to the same plot)", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H);
    layers.draw(pixels, W, H, { ...base, front: mask(2, 0.3) });
    const input = { ...base, viewport: { ...base.viewport }, front: mask(3, 0.3) };
    layers.draw(pixels, W, H, input);
    expect(layers.lastPath).toBe("front-only");
    expect(pixels).toEqual(reference(input).pixels);
  });

  it("draws every point again when anything that places them changes", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H);
    const selected = mask(2, 0.3);
    layers.draw(pixels, W, H, { ...base, front: selected });
    const changes: Array<Partial<RasterInput>> = [
      { viewport: fitDomain({ x0: 2, x1: 8, y0: 2, y1: 8 }, W, H, true) },
      { size: 1 },
      { colorIndex: new Uint16Array(N) },
      { backPalette: Uint32Array.from([0, 1, 2, 3, 4], () => packRGBA(1, 2, 3)) },
      { xs: scene(9).xs },
    ];
    for (const change of changes) {
      const input = { ...base, ...change, front: selected };
      layers.draw(pixels, W, H, input);
      expect(layers.lastPath).toBe("full");
      expect(pixels).toEqual(reference(input).pixels);
    }
  });

  it("keeps nothing while the arrays change in place", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H);
    const selected = mask(2, 0.3);
    layers.draw(pixels, W, H, { ...base, front: selected }, false);
    (base.xs as Float32Array).fill(5); // a gliding layout writes into the same arrays
    const input = { ...base, front: selected };
    layers.draw(pixels, W, H, input);
    expect(layers.lastPath).toBe("full");
    expect(pixels).toEqual(reference(input).pixels);
  });

  it("prepares the dimmed layer ahead of the first selection", () => {
    const layers = new RasterLayers();
    const base = scene(1);
    const pixels = new Uint32Array(W * H);
    layers.draw(pixels, W, H, { ...base, front: null });
    expect(layers.prepared()).toBe(false);
    // A stale scene (the view moved since) prepares nothing.
    layers.prepare(W, H, { ...base, size: 2, front: null });
    expect(layers.prepared()).toBe(false);
    layers.prepare(W, H, { ...base, front: null });
    expect(layers.prepared()).toBe(true);
    const input = { ...base, front: mask(3, 0.2) };
    layers.draw(pixels, W, H, input);
    expect(layers.lastPath).toBe("front-only");
    expect(pixels).toEqual(reference(input).pixels);
  });
});
