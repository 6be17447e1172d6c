// The selection bytes Python writes (tests/test_transport.py regenerates the
// fixture from nbdatalens.transport) must decode here to the same rows, and
// this side must encode those rows to the same bytes.
import { describe, expect, it } from "vitest";
import {
  decodeSelection,
  decodeSelectionPositions,
  encodeSelection,
  encodeSelectionPositions,
} from "../src/lib/codec";
import fixture from "./fixtures/selection_cases.json";

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Masks are only built for tables that fit comfortably in memory.
const MASK_LIMIT = 10_000_000;

describe("selection bytes written by Python", () => {
  it("covers both kinds and the empty selection", () => {
    const kinds = new Set(fixture.cases.map((c) => c.hex.slice(0, 2)));
    expect(kinds).toEqual(new Set(["", "00", "01"]));
  });

  for (const { name, n_rows, positions, hex } of fixture.cases) {
    it(`${name}: decodes to the same rows and re-encodes to the same bytes`, () => {
      const bytes = fromHex(hex);
      expect(Array.from(decodeSelectionPositions(new DataView(bytes.buffer), n_rows))).toEqual(
        positions,
      );
      expect(toHex(encodeSelectionPositions(Uint32Array.from(positions), n_rows))).toBe(hex);
      if (n_rows <= MASK_LIMIT) {
        const mask = decodeSelection(bytes, n_rows);
        expect(mask.reduce((a, b) => a + b, 0)).toBe(positions.length);
        for (const p of positions) expect(mask[p]).toBe(1);
        expect(toHex(encodeSelection(mask))).toBe(hex);
      }
    });
  }
});
