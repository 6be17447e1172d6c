// The words and numbers of the confusion matrix: what a cell shows, what the
// margins show, and what the tooltip says about whatever the pointer is over.
// Pure functions of the counts, so hover never touches the rows.

import { formatCount, formatShare, MISSING_TEXT } from "../lib/format";
import type { Margins } from "./counts";
import type { Hit } from "./layout";
import type { Normalize } from "./palette";

/**
 * A count short enough for a cell: 9999, 12.3k, 123k, 1.2M.
 *
 * @example compactCount(12345) // "12.3k"
 */
export function compactCount(n: number): string {
  if (n < 10_000) return String(n);
  // 99_950 would read "100.0k" with one decimal.
  if (n < 99_950) return `${(n / 1000).toFixed(1)}k`;
  if (n < 999_500) return `${Math.round(n / 1000)}k`;
  return millions(n);
}

/**
 * A count for a cell too small for {@link compactCount}: two significant
 * digits from 1000 on (1.2k, 90k), at most four characters below 10M.
 *
 * @example shortCount(90_123) // "90k"
 */
export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 9950) return `${(n / 1000).toFixed(1)}k`;
  if (n < 999_500) return `${Math.round(n / 1000)}k`;
  return millions(n);
}

function millions(n: number): string {
  const m = n / 1_000_000;
  return `${m < 9.95 ? m.toFixed(1) : Math.round(m)}M`;
}

/**
 * A share as whole percent ("87"); a non-zero share under 1% is "<1", and one
 * that rounds up to 100 without being all is "99", so neither end lies.
 * Cells leave the "%" out (the toolbar says "Row %"): "100" fits a small cell.
 */
export function compactShare(fraction: number, sign = ""): string {
  if (!Number.isFinite(fraction)) return MISSING_TEXT;
  if (fraction <= 0) return `0${sign}`;
  if (fraction < 0.01) return `<1${sign}`;
  if (fraction < 1 && fraction >= 0.995) return `99${sign}`;
  return `${Math.round(fraction * 100)}${sign}`;
}

/** The text drawn in cell (given, pred): its count (short when `short`), or its share of the row. */
export function cellText(
  counts: Int32Array,
  m: Margins,
  normalize: Normalize,
  given: number,
  pred: number,
  short = false,
): string {
  const v = counts[given * m.nClasses + pred];
  if (normalize === "row") return m.support[given] > 0 ? compactShare(v / m.support[given]) : "";
  return short ? shortCount(v) : compactCount(v);
}

/** Every cell's text, row-major: what the view draws (and exposes to tests). */
export function allCellTexts(
  counts: Int32Array,
  m: Margins,
  normalize: Normalize,
  short = false,
): string[] {
  const out: string[] = [];
  for (let g = 0; g < m.nClasses; g++) {
    for (let p = 0; p < m.nClasses; p++) out.push(cellText(counts, m, normalize, g, p, short));
  }
  return out;
}

/**
 * One text of each shape the cells show (digits written as "0"), for finding
 * the widest by measuring a handful of strings instead of every cell: digits
 * share one width in UI fonts, so texts of one shape are equally wide. The
 * largest count is not always the widest text ("12.3k" is wider than "123k").
 *
 * @example cellTextShapes(Int32Array.of(5, 12_345, 123_456), "none") // ["0", "00.0k", "000k"]
 */
export function cellTextShapes(counts: Int32Array, normalize: Normalize, short = false): string[] {
  if (normalize === "row") return ["100"];
  const format = short ? shortCount : compactCount;
  const shapes = new Set<string>();
  for (let k = 0; k < counts.length; k++) shapes.add(format(counts[k]).replace(/[0-9]/g, "0"));
  return [...shapes].sort();
}

/** A score for a margin cell ("85%"), or "–" when it is undefined (never predicted / given). */
export function marginScore(score: number): string {
  return Number.isNaN(score) ? MISSING_TEXT : compactShare(score, "%");
}

export interface TooltipContent {
  title: string;
  lines: string[];
}

/** Per-cell selected counts and their total, when a selection exists. */
export interface SelectionCounts {
  cells: Int32Array;
  total: number;
}

/** What the tooltip says about `hit`; only reads the matrix, never the rows. */
export function tooltipFor(
  hit: Hit,
  names: readonly string[],
  counts: Int32Array,
  m: Margins,
  selection: SelectionCounts | null,
): TooltipContent {
  const c = m.nClasses;
  const name = (k: number) => names[k] ?? String(k);
  const selectedIn = (k: number) =>
    selection ? [`${formatCount(selection.cells[k])} selected`] : [];
  switch (hit.kind) {
    case "cell": {
      const { given, pred } = hit;
      const v = counts[given * c + pred];
      const row = m.support[given];
      return {
        title: `${name(given)} → ${name(pred)}`,
        lines: [
          `given ${name(given)}, predicted ${name(pred)}${given === pred ? " (correct)" : ""}`,
          `${formatCount(v)} sample${v === 1 ? "" : "s"}`,
          `${row > 0 ? formatShare(v / row) : MISSING_TEXT} of given ${name(given)} · ${
            m.total > 0 ? formatShare(v / m.total) : MISSING_TEXT
          } of all`,
          ...selectedIn(given * c + pred),
        ],
      };
    }
    case "recall":
    case "support": {
      const g = hit.given;
      return {
        title: `given ${name(g)}`,
        lines: [
          `support ${formatCount(m.support[g])} sample${m.support[g] === 1 ? "" : "s"}`,
          `recall ${Number.isNaN(m.recall[g]) ? MISSING_TEXT : formatShare(m.recall[g])} (${formatCount(m.hits[g])} predicted right)`,
          "click to select the class",
        ],
      };
    }
    case "precision": {
      const p = hit.pred;
      return {
        title: `predicted ${name(p)}`,
        lines: [
          `${formatCount(m.predicted[p])} sample${m.predicted[p] === 1 ? "" : "s"} predicted ${name(p)}`,
          `precision ${Number.isNaN(m.precision[p]) ? MISSING_TEXT : formatShare(m.precision[p])} (${formatCount(m.hits[p])} of them right)`,
          "click to select the prediction",
        ],
      };
    }
    default:
      return {
        title: "all samples",
        lines: [
          `${formatCount(m.total)} samples`,
          `accuracy ${Number.isNaN(m.accuracy) ? MISSING_TEXT : formatShare(m.accuracy)}`,
        ],
      };
  }
}
