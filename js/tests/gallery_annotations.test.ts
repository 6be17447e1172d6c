import { describe, expect, it } from "vitest";
import {
  correctedLabel,
  correctionText,
  rowAnnotation,
  tagsOf,
  tileBadges,
} from "../src/gallery/annotations";

const NAMES = ["mislabeled", "ambiguous", "duplicate", "bad-sample", "blurry"];

describe("tagsOf", () => {
  it("spells the set bits in bit order", () => {
    expect(tagsOf(0, NAMES)).toEqual([]);
    expect(tagsOf(0b1, NAMES)).toEqual(["mislabeled"]);
    expect(tagsOf(0b10101, NAMES)).toEqual(["mislabeled", "duplicate", "blurry"]);
  });

  it("reads bit 31 as a tag, not as a sign, and names an unnamed bit", () => {
    const names = Array.from({ length: 32 }, (_, i) => `t${i}`);
    expect(tagsOf(2 ** 31 + 2, names)).toEqual(["t1", "t31"]);
    expect(tagsOf(new Uint32Array([2 ** 32 - 1])[0], names)).toHaveLength(32);
    expect(tagsOf(0b100000, NAMES)).toEqual(["tag 5"]);
  });
});

describe("correctedLabel", () => {
  it("maps 0 to none and k to classes[k - 1]", () => {
    const classes = ["0", "1", "7"];
    expect(correctedLabel(0, classes)).toBeNull();
    expect(correctedLabel(1, classes)).toBe("0");
    expect(correctedLabel(3, classes)).toBe("7");
    expect(correctedLabel(9, classes)).toBe("8"); // a class the page has not heard of yet
  });
});

describe("tile badge text", () => {
  it("shows two tags, then folds the rest into +N", () => {
    expect(tileBadges([])).toEqual([]);
    expect(tileBadges(["mislabeled"])).toEqual(["mislabeled"]);
    expect(tileBadges(["mislabeled", "duplicate"])).toEqual(["mislabeled", "duplicate"]);
    expect(tileBadges(["mislabeled", "duplicate", "blurry", "x"])).toEqual([
      "mislabeled",
      "duplicate",
      "+2",
    ]);
    expect(tileBadges(["a", "b", "c"], 1)).toEqual(["a", "+2"]);
  });

  it("writes a correction as given → corrected", () => {
    expect(correctionText("7", "1")).toBe("7 → 1");
  });

  it("reads one row of the decoded arrays, with either array absent", () => {
    const arrays = {
      tags: new Uint32Array([0, 0b101, 0]),
      corrected: new Uint8Array([0, 2, 3]),
      tagNames: NAMES,
      classes: ["cat", "dog", "eel"],
    };
    expect(rowAnnotation(arrays, 0)).toEqual({ tags: [], corrected: null });
    expect(rowAnnotation(arrays, 1)).toEqual({
      tags: ["mislabeled", "duplicate"],
      corrected: "dog",
    });
    expect(rowAnnotation(arrays, 2)).toEqual({ tags: [], corrected: "eel" });
    expect(rowAnnotation({ tagNames: NAMES, classes: [] }, 1)).toEqual({
      tags: [],
      corrected: null,
    });
  });
});
