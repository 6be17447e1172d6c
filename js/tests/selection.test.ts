import { describe, expect, it } from "vitest";
import {
  applyMode,
  countSelected,
  maskFromPositions,
  modeFromEvent,
  positionsOf,
} from "../src/lib/selection";

describe("applyMode", () => {
  const current = Uint8Array.of(1, 1, 0, 0, 0);

  it("replaces, adds to or subtracts from the selection, from positions or a mask", () => {
    expect(Array.from(applyMode(current, Uint32Array.of(2, 3), "replace"))).toEqual([
      0, 0, 1, 1, 0,
    ]);
    expect(Array.from(applyMode(current, Uint32Array.of(1, 4), "add"))).toEqual([1, 1, 0, 0, 1]);
    expect(Array.from(applyMode(current, Uint32Array.of(1, 4), "subtract"))).toEqual([
      1, 0, 0, 0, 0,
    ]);
    expect(Array.from(applyMode(current, Uint8Array.of(0, 9, 9, 0, 0), "add"))).toEqual([
      1, 1, 1, 0, 0,
    ]);
    expect(Array.from(applyMode(current, Uint8Array.of(1, 0, 0, 0, 0), "subtract"))).toEqual([
      0, 1, 0, 0, 0,
    ]);
  });

  it("returns a new mask and leaves the current one untouched", () => {
    const before = Array.from(current);
    const next = applyMode(current, Uint32Array.of(0), "subtract");
    expect(next).not.toBe(current);
    expect(Array.from(current)).toEqual(before);
  });

  it("rejects hits that do not fit the selection", () => {
    expect(() => applyMode(current, new Uint8Array(4), "add")).toThrow(
      /4 rows, the selection has 5/,
    );
    expect(() => applyMode(current, Uint32Array.of(5), "add")).toThrow(
      /position 5 is out of range/,
    );
    expect(() => applyMode(current, Uint32Array.of(1), "toggle" as never)).toThrow(/"toggle"/);
  });
});

describe("modeFromEvent", () => {
  it("maps Shift to add, Alt to subtract, nothing to replace, and both to subtract", () => {
    expect(modeFromEvent({ shiftKey: false, altKey: false })).toBe("replace");
    expect(modeFromEvent({ shiftKey: true, altKey: false })).toBe("add");
    expect(modeFromEvent({ shiftKey: false, altKey: true })).toBe("subtract");
    expect(modeFromEvent({ shiftKey: true, altKey: true })).toBe("subtract");
  });
});

describe("counting and positions", () => {
  it("counts any non-zero byte and lists positions in order", () => {
    const mask = Uint8Array.of(0, 1, 0, 255, 1);
    expect(countSelected(mask)).toBe(3);
    expect(Array.from(positionsOf(mask))).toEqual([1, 3, 4]);
    expect(positionsOf(new Uint8Array(3)).length).toBe(0);
  });

  it("builds a mask from positions and refuses out-of-range ones", () => {
    expect(Array.from(maskFromPositions([3, 0], 4))).toEqual([1, 0, 0, 1]);
    expect(() => maskFromPositions([4], 4)).toThrow(/position 4 is out of range for 4 rows/);
    expect(() => maskFromPositions([1.5], 4)).toThrow(/1.5/);
  });
});
