import { describe, expect, it } from "vitest";
import {
  decodeArray,
  decodeSelection,
  decodeSelectionPositions,
  encodeSelection,
  encodeSelectionPositions,
  selectionBytesEqual,
} from "../src/lib/codec";
import { seededRandom } from "../src/lib/random";

describe("decodeArray", () => {
  it("views each dtype over the payload's memory without copying", () => {
    const cases = [
      ["uint8", Uint8Array.of(0, 7, 255)],
      ["uint16", Uint16Array.of(0, 300, 65535)],
      ["int32", Int32Array.of(-5, 0, 2147483647)],
      ["uint32", Uint32Array.of(0, 1, 4294967295)],
      ["float32", Float32Array.of(0.5, -1.25, Number.NaN)],
      ["float64", Float64Array.of(1e300, -0.1, 3)],
    ] as const;
    for (const [dtype, source] of cases) {
      const payload = { dtype, shape: [3], buffer: new DataView(source.buffer) };
      const decoded = decodeArray(payload);
      expect(decoded.constructor).toBe(source.constructor);
      expect(Array.from(decoded)).toEqual(Array.from(source));
      expect(decoded.buffer).toBe(source.buffer);
    }
  });

  it("respects the byte offset of a DataView into a larger message", () => {
    const message = new ArrayBuffer(64);
    new Float32Array(message, 16, 2).set([1.5, 2.5]);
    const decoded = decodeArray({
      dtype: "float32",
      shape: [2],
      buffer: new DataView(message, 16, 8),
    });
    expect(Array.from(decoded)).toEqual([1.5, 2.5]);
    expect(decoded.buffer).toBe(message);
    expect(decoded.byteOffset).toBe(16);
  });

  it("copies when the offset is not aligned for the dtype", () => {
    const message = new Uint8Array(13);
    const values = Float32Array.of(3.25, -7);
    message.set(new Uint8Array(values.buffer), 5);
    const decoded = decodeArray({ dtype: "float32", shape: [2], buffer: message.subarray(5, 13) });
    expect(Array.from(decoded)).toEqual([3.25, -7]);
    expect(decoded.buffer).not.toBe(message.buffer);
  });

  it("flattens a 2-D payload and checks the byte length against the shape", () => {
    const data = Uint16Array.of(1, 2, 3, 4, 5, 6);
    expect(
      Array.from(decodeArray({ dtype: "uint16", shape: [2, 3], buffer: data.buffer })),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => decodeArray({ dtype: "uint16", shape: [4], buffer: data.buffer })).toThrow(
      /needs 8 bytes, got 12/,
    );
  });

  it("names an unknown dtype", () => {
    expect(() => decodeArray({ dtype: "int64", shape: [1], buffer: new ArrayBuffer(8) })).toThrow(
      /dtype "int64" is not one of uint8/,
    );
  });
});

describe("selection codec", () => {
  it("encodes nothing selected as zero bytes, and decodes null or empty as nothing", () => {
    expect(encodeSelection(new Uint8Array(10)).length).toBe(0);
    expect(Array.from(decodeSelection(null, 3))).toEqual([0, 0, 0]);
    expect(Array.from(decodeSelection(new Uint8Array(0), 3))).toEqual([0, 0, 0]);
    expect(decodeSelectionPositions(new ArrayBuffer(0), 3).length).toBe(0);
  });

  it("writes sparse selections as little-endian uint32 positions", () => {
    const mask = new Uint8Array(100);
    mask[5] = 1;
    mask[258 % 100] = 1; // row 58
    // 2 positions = 8 bytes < a 13-byte bitmask.
    expect(Array.from(encodeSelection(mask))).toEqual([0, 5, 0, 0, 0, 58, 0, 0, 0]);
    expect(Array.from(encodeSelectionPositions(Uint32Array.of(70000), 1_000_000))).toEqual([
      0, 0x70, 0x11, 0x01, 0x00,
    ]);
  });

  it("writes dense selections as a bitmask, bit i&7 of byte i>>3", () => {
    const mask = Uint8Array.of(0, 1, 0, 1, 0, 0, 0, 0, 1, 1);
    // 4 positions = 16 bytes > a 2-byte bitmask.
    expect(Array.from(encodeSelection(mask))).toEqual([1, 0b00001010, 0b00000011]);
    expect(Array.from(decodeSelection(Uint8Array.of(1, 0b00001010, 0b00000011), 10))).toEqual(
      Array.from(mask),
    );
    expect(Array.from(decodeSelectionPositions(Uint8Array.of(1, 10, 3), 10))).toEqual([1, 3, 8, 9]);
  });

  it("prefers positions on a tie in length", () => {
    // 2 positions = 8 bytes = ceil(64 / 8) bytes of bitmask.
    expect(encodeSelectionPositions(Uint32Array.of(3, 60), 64)[0]).toBe(0);
    expect(encodeSelectionPositions(Uint32Array.of(3, 40, 60), 64)[0]).toBe(1);
  });

  it("round-trips random masks of every density and awkward lengths", () => {
    const random = seededRandom(7);
    for (const n of [1, 7, 8, 9, 63, 64, 65, 1000, 4099]) {
      for (const density of [0, 0.001, 0.02, 0.03, 0.5, 1]) {
        const mask = new Uint8Array(n);
        for (let i = 0; i < n; i++) mask[i] = random() < density ? 1 : 0;
        const bytes = encodeSelection(mask);
        expect(Array.from(decodeSelection(bytes, n))).toEqual(Array.from(mask));
        const positions = decodeSelectionPositions(bytes, n);
        expect(selectionBytesEqual(encodeSelectionPositions(positions, n), bytes)).toBe(true);
        const selected = positions.length;
        if (selected > 0) {
          expect(bytes.length).toBe(Math.min(1 + 4 * selected, 1 + Math.ceil(n / 8)));
        }
      }
    }
  });

  it("accepts any non-zero byte as selected when encoding", () => {
    expect(Array.from(encodeSelection(Uint8Array.of(0, 255, 2)))).toEqual([1, 0b110]);
  });

  it("rejects malformed selections with a reason", () => {
    expect(() => decodeSelection(Uint8Array.of(2, 0), 8)).toThrow(/unknown kind byte 2/);
    expect(() => decodeSelection(Uint8Array.of(0, 1, 0, 0), 8)).toThrow(/4 bytes each, got 3/);
    expect(() => decodeSelection(Uint8Array.of(1, 0, 0), 8)).toThrow(/needs 2 bytes, got 3/);
    expect(() => decodeSelection(Uint8Array.of(1, 0b1000_0000), 7)).toThrow(/past row 6/);
    expect(() => decodeSelection(Uint8Array.of(0, 9, 0, 0, 0), 9)).toThrow(/9 is out of range/);
    expect(() => decodeSelectionPositions(Uint8Array.of(0, 4, 0, 0, 0, 2, 0, 0, 0), 9)).toThrow(
      /not strictly increasing at index 1/,
    );
    expect(() => encodeSelectionPositions(Uint32Array.of(2, 2), 9)).toThrow(/strictly increasing/);
    expect(() => encodeSelectionPositions(Uint32Array.of(9), 9)).toThrow(/out of range for 9/);
  });

  it("compares encoded selections byte for byte", () => {
    expect(selectionBytesEqual(null, new Uint8Array(0))).toBe(true);
    expect(selectionBytesEqual(Uint8Array.of(1, 2), new DataView(Uint8Array.of(1, 2).buffer))).toBe(
      true,
    );
    expect(selectionBytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
  });

  it("handles 1M rows quickly (timings printed)", () => {
    const n = 1_000_000;
    const random = seededRandom(11);
    const fastest = (run: () => void) => {
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        run();
        best = Math.min(best, performance.now() - t);
      }
      return best.toFixed(1);
    };
    for (const density of [0.5, 0.01]) {
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) mask[i] = random() < density ? 1 : 0;
      const bytes = encodeSelection(mask);
      const decoded = decodeSelection(bytes, n);
      const positions = decodeSelectionPositions(bytes, n);
      console.log(
        `selection codec, 1M rows, ${density * 100}% selected (${bytes.length} bytes), best of 5: ` +
          `encode ${fastest(() => encodeSelection(mask))} ms, ` +
          `decode to mask ${fastest(() => decodeSelection(bytes, n))} ms, ` +
          `to positions ${fastest(() => decodeSelectionPositions(bytes, n))} ms`,
      );
      expect(selectionBytesEqual(encodeSelection(decoded), bytes)).toBe(true);
      let mismatched = 0;
      for (let i = 0; i < n; i++) if (decoded[i] !== mask[i]) mismatched++;
      expect(mismatched).toBe(0);
      expect(positions.length).toBe(decoded.reduce((a, b) => a + b, 0));
    }
  }, 60_000);
});
