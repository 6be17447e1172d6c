import { describe, expect, it } from "vitest";
import {
  CATEGORICAL_PALETTE,
  categoricalColor,
  colormapColor,
  fillCategoricalColors,
  fillContinuousColors,
  finiteRange,
  MISSING_RGB,
  VIRIDIS,
} from "../src/lib/colors";

describe("categorical colours", () => {
  it("starts with Tableau 10 and gives 20 distinct colours", () => {
    expect(categoricalColor(0)).toEqual([0x4e, 0x79, 0xa7]);
    const first20 = new Set(Array.from({ length: 20 }, (_, k) => categoricalColor(k).join(",")));
    expect(first20.size).toBe(20);
    expect(CATEGORICAL_PALETTE).toHaveLength(20);
  });

  it("keeps codes past 20 apart from the first round by shading them", () => {
    const all = new Set(Array.from({ length: 100 }, (_, k) => categoricalColor(k).join(",")));
    expect(all.size).toBe(100);
    const [r, g, b] = categoricalColor(20); // darker round of code 0
    expect(r + g + b).toBeLessThan(0x4e + 0x79 + 0xa7);
  });

  it("colours negative or fractional codes as missing", () => {
    expect(categoricalColor(-1)).toEqual(MISSING_RGB);
    expect(categoricalColor(1.5)).toEqual(MISSING_RGB);
  });

  it("fills RGBA bytes, or 32-bit words in canvas byte order", () => {
    const bytes = new Uint8Array(8);
    fillCategoricalColors(Int32Array.of(1, -1), bytes, 200);
    expect(Array.from(bytes)).toEqual([0xf2, 0x8e, 0x2b, 200, 160, 160, 160, 200]);
    const words = new Uint32Array(2);
    fillCategoricalColors(Uint8Array.of(0, 0), words);
    expect(Array.from(new Uint8Array(words.buffer, 0, 4))).toEqual([0x4e, 0x79, 0xa7, 255]);
    expect(() => fillCategoricalColors(Uint8Array.of(0, 1, 2), new Uint8Array(8))).toThrow(
      /holds 2 points, need 3/,
    );
  });
});

describe("viridis", () => {
  it("is a 256-entry table from dark purple to yellow", () => {
    expect(VIRIDIS).toHaveLength(768);
    expect(colormapColor(0)).toEqual([0x44, 0x01, 0x54]);
    expect(colormapColor(1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(colormapColor(0.5)).toEqual([0x21, 0x91, 0x8c]);
    // Luminance climbs all the way: a brighter point always means a larger value
    // (checked every 8 entries; neighbours can tie after rounding to bytes).
    let previous = -1;
    for (let i = 0; i < 256; i += 8) {
      const lum =
        0.2126 * VIRIDIS[3 * i] + 0.7152 * VIRIDIS[3 * i + 1] + 0.0722 * VIRIDIS[3 * i + 2];
      expect(lum).toBeGreaterThan(previous);
      previous = lum;
    }
  });

  it("scales values between min and max, clamps outside, greys NaN", () => {
    const out = new Uint8Array(5 * 4);
    fillContinuousColors(Float32Array.of(0, 10, -5, 99, Number.NaN), 0, 10, out, { alpha: 9 });
    const pixel = (i: number) => Array.from(out.subarray(4 * i, 4 * i + 4));
    expect(pixel(0)).toEqual([0x44, 0x01, 0x54, 9]);
    expect(pixel(1)).toEqual([0xfd, 0xe7, 0x25, 9]);
    expect(pixel(2)).toEqual(pixel(0));
    expect(pixel(3)).toEqual(pixel(1));
    expect(pixel(4)).toEqual([...MISSING_RGB, 9]);
  });

  it("maps every value to the middle colour when min equals max", () => {
    const out = new Uint8Array(4);
    fillContinuousColors(Float64Array.of(3), 3, 3, out);
    expect(Array.from(out.subarray(0, 3))).toEqual([...colormapColor(128 / 255)]);
  });

  it("finds the finite range of a column", () => {
    expect(finiteRange(Float32Array.of(Number.NaN, 2, -1, Number.POSITIVE_INFINITY))).toEqual([
      -1, 2,
    ]);
    expect(finiteRange(Float32Array.of(Number.NaN))).toEqual([0, 1]);
  });
});
