import { describe, expect, it } from "vitest";
import { countPairs, margins } from "../src/confusion/counts";
import {
  type CellPalette,
  CellStyles,
  cellFill,
  cellIntensity,
  mix,
  textOn,
} from "../src/confusion/palette";
import {
  allCellTexts,
  cellTextShapes,
  compactCount,
  compactShare,
  shortCount,
  tooltipFor,
} from "../src/confusion/text";

// given a: 3 (2 right, 1 as b); given b: 1 (right); c is only ever predicted.
const counts = countPairs([0, 0, 0, 1, 0], [0, 0, 1, 1, 2], 3);
const m = margins(counts, 3);
const names = ["a", "b", "c"];

describe("cell texts", () => {
  it("formats counts short enough for a cell", () => {
    expect(compactCount(0)).toBe("0");
    expect(compactCount(9999)).toBe("9999");
    expect(compactCount(12_345)).toBe("12.3k");
    expect(compactCount(99_949)).toBe("99.9k");
    expect(compactCount(99_950)).toBe("100k"); // not "100.0k"
    expect(compactCount(123_456)).toBe("123k");
    expect(compactCount(999_600)).toBe("1.0M");
    expect(compactCount(12_000_000)).toBe("12M");
  });

  it("writes counts short, two significant digits from 1000 on, for small cells", () => {
    expect(shortCount(0)).toBe("0");
    expect(shortCount(999)).toBe("999");
    expect(shortCount(1234)).toBe("1.2k");
    expect(shortCount(9949)).toBe("9.9k");
    expect(shortCount(9950)).toBe("10k");
    expect(shortCount(90_123)).toBe("90k");
    expect(shortCount(123_456)).toBe("123k");
    expect(shortCount(999_499)).toBe("999k");
    expect(shortCount(1_234_567)).toBe("1.2M");
    expect(shortCount(12_000_000)).toBe("12M");
    // Never longer than four characters below 10M, one fewer than compactCount's "90.1k".
    for (let n = 1; n < 10_000_000; n = Math.ceil(n * 1.07)) {
      expect(shortCount(n).length).toBeLessThanOrEqual(4);
    }
  });

  it("formats row shares as whole percent without lying at the ends", () => {
    expect(compactShare(0)).toBe("0");
    expect(compactShare(0.004)).toBe("<1");
    expect(compactShare(0.5)).toBe("50");
    expect(compactShare(0.996)).toBe("99");
    expect(compactShare(1)).toBe("100");
    expect(compactShare(0.873, "%")).toBe("87%");
  });

  it("draws counts, or shares of the given class (row) when normalised", () => {
    expect(allCellTexts(counts, m, "none")).toEqual(["2", "1", "1", "0", "1", "0", "0", "0", "0"]);
    expect(allCellTexts(counts, m, "row")).toEqual(["50", "25", "25", "0", "100", "0", "", "", ""]);
  });

  it("writes every cell short when asked, and leaves shares alone", () => {
    const big = countPairs([0, 1], [0, 1], 2).map((v) => v * 90_123);
    const bm = margins(big, 2);
    expect(allCellTexts(big, bm, "none")).toEqual(["90.1k", "0", "0", "90.1k"]);
    expect(allCellTexts(big, bm, "none", true)).toEqual(["90k", "0", "0", "90k"]);
    expect(allCellTexts(big, bm, "row", true)).toEqual(["100", "0", "0", "100"]);
  });

  it("lists each shape of cell text once, widest included even when not the largest count", () => {
    const cells = Int32Array.of(7, 12_345, 98_765, 123_456, 0);
    expect(cellTextShapes(cells, "none")).toEqual(["0", "00.0k", "000k"]);
    expect(cellTextShapes(cells, "none", true)).toEqual(["0", "000k", "00k"]);
    expect(cellTextShapes(cells, "row")).toEqual(["100"]);
  });
});

describe("tooltipFor", () => {
  it("names given → predicted with count, row share and share of all", () => {
    const tip = tooltipFor({ kind: "cell", given: 0, pred: 1 }, names, counts, m, null);
    expect(tip.title).toBe("a → b");
    expect(tip.lines).toEqual([
      "given a, predicted b",
      "1 sample",
      "25.0% of given a · 20.0% of all",
    ]);
  });

  it("adds the selected count when a selection exists", () => {
    const cells = new Int32Array(9);
    cells[0] = 2;
    const tip = tooltipFor({ kind: "cell", given: 0, pred: 0 }, names, counts, m, {
      cells,
      total: 2,
    });
    expect(tip.lines[0]).toContain("(correct)");
    expect(tip.lines.at(-1)).toBe("2 selected");
  });

  it("describes the margins and keeps an undefined score visible as a dash", () => {
    const recall = tooltipFor({ kind: "recall", given: 0 }, names, counts, m, null);
    expect(recall.lines.slice(0, 2)).toEqual([
      "support 4 samples",
      "recall 50.0% (2 predicted right)",
    ]);
    const never = tooltipFor({ kind: "precision", pred: 2 }, names, counts, m, null);
    expect(never.lines[1]).toBe("precision 0.0% (0 of them right)");
    const cRecall = tooltipFor({ kind: "support", given: 2 }, names, counts, m, null);
    expect(cRecall.lines[1]).toBe("recall — (0 predicted right)");
    expect(tooltipFor({ kind: "accuracy" }, names, counts, m, null).lines).toEqual([
      "5 samples",
      "accuracy 60.0%",
    ]);
  });
});

describe("shading", () => {
  const palette: CellPalette = {
    background: [255, 255, 255],
    empty: [244, 244, 244],
    diagonal: [25, 118, 210],
    offDiagonal: [211, 47, 47],
    foreground: "#000",
    muted: "#777",
    border: "#ccc",
    selection: "#f57c00",
    accent: "#1976d2",
    fontFamily: "sans-serif",
    isDark: false,
  };

  it("gives empty cells 0 and every non-empty cell a visible tint, growing with the count", () => {
    const big = countPairs([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0], 2);
    const t = cellIntensity(big, margins(big, 2), "none");
    expect(t[0]).toBeCloseTo(1);
    expect(t[1]).toBeGreaterThan(0.1);
    expect(t[1]).toBeLessThan(t[0]);
    const empty = cellIntensity(counts, m, "none");
    expect(empty[3]).toBe(0);
  });

  it("shades by row share when normalised", () => {
    const t = cellIntensity(counts, m, "row");
    expect(t[4]).toBeCloseTo(1); // b → b is all of row b
    expect(t[0]).toBeGreaterThan(t[1]); // a → a (50%) over a → b (25%)
  });

  it("keeps the diagonal and the errors in different hues, and dims unselected cells", () => {
    const diag = cellFill(palette, 1, true, false);
    const off = cellFill(palette, 1, false, false);
    expect(diag).toEqual([25, 118, 210]);
    expect(off).toEqual([211, 47, 47]);
    expect(cellFill(palette, 0, false, false)).toEqual(palette.empty);
    const dim = cellFill(palette, 1, true, true);
    expect(dim[0]).toBeGreaterThan(diag[0]); // toward the white background
    expect(mix([0, 0, 0], [255, 255, 255], 0.5)).toEqual([128, 128, 128]);
  });

  it("switches text to white on dark fills and to black on light ones", () => {
    expect(textOn([25, 60, 150], false)).toMatch(/^rgba\(255, 255, 255/);
    expect(textOn([240, 240, 240], false)).toMatch(/^rgba\(0, 0, 0/);
  });

  it("precomputes styles that match the direct fill, and never shows a tiny count as empty", () => {
    const styles = new CellStyles(palette);
    expect(styles.get(1, true, false).fill).toBe("rgb(25, 118, 210)");
    expect(styles.get(1, false, false).fill).toBe("rgb(211, 47, 47)");
    expect(styles.get(0, false, false).fill).toBe("rgb(244, 244, 244)");
    expect(styles.get(0.001, false, false).fill).not.toBe("rgb(244, 244, 244)");
    const dim = styles.get(1, true, true);
    const [r, g, b] = cellFill(palette, 1, true, true);
    expect(dim.fill).toBe(`rgb(${r}, ${g}, ${b})`);
    expect(dim.text).toBe(textOn([r, g, b], true));
  });
});
