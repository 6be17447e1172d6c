import { describe, expect, it } from "vitest";
import {
  annotatedMask,
  countAnnotations,
  decodeAnnotations,
  defaultFileName,
  summaryText,
  tagAction,
  timestamp,
  withFormatSuffix,
} from "../src/toolbar/state";

const payload = (array: Uint8Array | Int32Array, dtype: string) => ({
  dtype: dtype as "uint8" | "int32",
  shape: [array.length],
  buffer: new DataView(array.buffer),
});

describe("countAnnotations", () => {
  // rows: 0 tag0 | 1 tag0+tag1 | 2 none, corrected | 3 tag1, corrected | 4 none
  const arrays = decodeAnnotations({
    tags: payload(Uint8Array.of(0b01, 0b11, 0, 0b10, 0), "uint8"),
    corrected: payload(Uint8Array.of(0, 0, 3, 1, 0), "uint8"),
    classes: ["a", "b", "c"],
  });

  it("counts tags and corrections overall and among the selected", () => {
    const c = countAnnotations(arrays, Uint8Array.of(0, 1, 1, 0, 1), 2);
    expect([...c.tagTotal]).toEqual([2, 2]);
    expect([...c.tagSelected]).toEqual([1, 1]);
    expect([c.taggedTotal, c.taggedSelected]).toEqual([3, 1]);
    expect([c.correctedTotal, c.correctedSelected]).toEqual([2, 1]);
  });

  it("selects rows with a tag, any tag, or a correction", () => {
    expect([...annotatedMask(arrays, 1, 5)]).toEqual([0, 1, 0, 1, 0]);
    expect([...annotatedMask(arrays, "any", 5)]).toEqual([1, 1, 0, 1, 0]);
    expect([...annotatedMask(arrays, "corrected", 5)]).toEqual([0, 0, 1, 1, 0]);
  });

  it("handles a table model without annotations yet", () => {
    const empty = decodeAnnotations(undefined);
    const c = countAnnotations(empty, Uint8Array.of(1, 1), 4);
    expect(c.taggedTotal + c.correctedTotal).toBe(0);
    expect([...annotatedMask(empty, "any", 2)]).toEqual([0, 0]);
  });

  it("summarises the selection", () => {
    const c = countAnnotations(arrays, Uint8Array.of(0, 1, 1, 0, 1), 2);
    expect(summaryText(3, 1797, c)).toBe("3 of 1,797 selected · 1 tagged · 1 corrected");
    expect(summaryText(0, 1797, c)).toBe("0 of 1,797 selected");
  });
});

describe("tag buttons", () => {
  it("untag only when every selected sample carries the tag", () => {
    expect(tagAction(3, 3)).toBe("untag");
    expect(tagAction(3, 2)).toBe("tag");
    expect(tagAction(0, 0)).toBe("tag");
  });
});

describe("export file names", () => {
  const when = new Date(2024, 4, 1, 9, 3, 5);

  it("defaults to a dated name with the format's suffix", () => {
    expect(timestamp(when)).toBe("20240501-090305");
    expect(defaultFileName(when, "csv")).toBe("nbdatalens-selection-20240501-090305.csv");
    expect(defaultFileName(when, "parquet")).toBe("nbdatalens-selection-20240501-090305.parquet");
    expect(defaultFileName(when, "label-studio")).toBe(
      "nbdatalens-label-studio-20240501-090305.json",
    );
  });

  it("swaps a known suffix when the format changes, keeps other names", () => {
    expect(withFormatSuffix("fixes.csv", "jsonl")).toBe("fixes.jsonl");
    expect(withFormatSuffix("out/fixes.JSONL", "parquet")).toBe("out/fixes.parquet");
    expect(withFormatSuffix("fixes.txt", "json")).toBe("fixes.txt");
  });
});
