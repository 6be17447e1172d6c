// Geometry of the confusion matrix: how big a cell is for the space at hand,
// where the headers and margins go, and which cell a pointer is over (by
// arithmetic, so hover costs the same at 2 classes as at 100).

import type { Target } from "./counts";

/** Below this a cell stops shrinking and the matrix scrolls instead. */
export const MIN_CELL = 18;
/** Above this a few classes would look like a poster; the matrix stays compact. */
export const MAX_CELL = 64;
/** Font size of class names in the headers (the caller measures labels at this size). */
export const HEADER_FONT_PX = 12;

export interface LayoutInput {
  /** Space for the scrolled content, in CSS px. */
  width: number;
  height: number;
  nClasses: number;
  /** Width of the widest class name at HEADER_FONT_PX. */
  labelWidth: number;
  /** Width of the widest cell text at a 10 px font (text width scales with the font). */
  cellTextWidth10: number;
  /** The same for the counts written short ("90k" for 90,123); defaults to `cellTextWidth10`. */
  shortTextWidth10?: number;
  /** Width of the widest support count in the right margin. */
  supportTextWidth: number;
}

export interface Layout {
  nClasses: number;
  /** Side of one cell in CSS px. */
  cell: number;
  /** Font size of the in-cell text, and whether it fits at all. */
  fontPx: number;
  showText: boolean;
  /** Counts are written short (shortCount: "90k") because the exact ones do not fit. */
  shortCounts: boolean;
  rowHeaderWidth: number;
  colHeaderHeight: number;
  /** Column labels run bottom-to-top when they are wider than a cell. */
  rotateColumnLabels: boolean;
  recallWidth: number;
  supportWidth: number;
  /** Height of the precision row under the matrix. */
  marginHeight: number;
  /** The canvas: C×C cells, then the recall and support columns, then the precision row. */
  canvasWidth: number;
  canvasHeight: number;
  contentWidth: number;
  contentHeight: number;
  /** True when the content is larger than the space (the scroller shows scrollbars). */
  scrolls: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

const HORIZONTAL_HEADER = 24;
// Wide enough for the "precision" label of the bottom margin row.
const MIN_ROW_HEADER = 60;
const MARGIN_COLUMN = 46;
const MARGIN_ROW = 24;

/**
 * Cell size and header sizes for a matrix of `nClasses` in `width` × `height`.
 *
 * Cells fill the smaller of the two directions, between MIN_CELL and
 * MAX_CELL; column labels turn vertical when they no longer fit across a
 * cell. The in-cell counts shrink to a 9 px font, then are written short
 * ("90k"), and are hidden only when even that no longer fits inside a cell.
 */
export function computeLayout(input: LayoutInput): Layout {
  const c = Math.max(1, input.nClasses);
  const rowHeaderWidth = clamp(Math.ceil(input.labelWidth) + 18, MIN_ROW_HEADER, 160);
  const recallWidth = MARGIN_COLUMN;
  const supportWidth = Math.max(MARGIN_COLUMN, Math.ceil(input.supportTextWidth) + 14);
  const marginHeight = MARGIN_ROW;
  const availableWidth = input.width - rowHeaderWidth - recallWidth - supportWidth;
  const cellFor = (headerHeight: number) =>
    clamp(
      Math.floor(Math.min(availableWidth, input.height - headerHeight - marginHeight) / c),
      MIN_CELL,
      MAX_CELL,
    );

  let colHeaderHeight = HORIZONTAL_HEADER;
  let cell = cellFor(colHeaderHeight);
  const rotateColumnLabels = cell < input.labelWidth + 8;
  if (rotateColumnLabels) {
    colHeaderHeight = clamp(Math.ceil(input.labelWidth) + 14, 32, 120);
    cell = cellFor(colHeaderHeight);
  }
  // The largest font (px) at which a text `width10` wide at 10 px fits in a cell.
  const fitFor = (width10: number) => Math.floor(((cell - 6) * 10) / Math.max(1, width10));
  const exact = fitFor(input.cellTextWidth10);
  const short = fitFor(input.shortTextWidth10 ?? input.cellTextWidth10);
  // A 9 px "90.1k" beats a 10 px "90k"; a short count beats none (the tooltip has the exact one).
  const shortCounts = exact < 9 && short >= 9;
  const fitting = shortCounts ? short : exact;
  const fontPx = Math.min(clamp(Math.round(cell * 0.36), 9, 13), Math.max(fitting, 9));
  const showText = fitting >= 9;
  const canvasWidth = c * cell + recallWidth + supportWidth;
  const canvasHeight = c * cell + marginHeight;
  const contentWidth = rowHeaderWidth + canvasWidth;
  const contentHeight = colHeaderHeight + canvasHeight;
  return {
    nClasses: c,
    cell,
    fontPx,
    showText,
    shortCounts,
    rowHeaderWidth,
    colHeaderHeight,
    rotateColumnLabels,
    recallWidth,
    supportWidth,
    marginHeight,
    canvasWidth,
    canvasHeight,
    contentWidth,
    contentHeight,
    scrolls: contentWidth > input.width + 0.5 || contentHeight > input.height + 0.5,
  };
}

/** What the pointer is over on the canvas. */
export type Hit =
  | { kind: "cell"; given: number; pred: number }
  | { kind: "recall"; given: number }
  | { kind: "support"; given: number }
  | { kind: "precision"; pred: number }
  | { kind: "accuracy" };

/** The hit at canvas coordinates (x, y) in CSS px, or null outside the canvas. */
export function hitTest(layout: Layout, x: number, y: number): Hit | null {
  const { cell, nClasses: c } = layout;
  const grid = c * cell;
  if (!(x >= 0 && y >= 0 && x < layout.canvasWidth && y < layout.canvasHeight)) return null;
  const col = Math.min(c - 1, Math.floor(x / cell));
  const row = Math.min(c - 1, Math.floor(y / cell));
  if (y < grid) {
    if (x < grid) return { kind: "cell", given: row, pred: col };
    if (x < grid + layout.recallWidth) return { kind: "recall", given: row };
    return { kind: "support", given: row };
  }
  if (x < grid) return { kind: "precision", pred: col };
  return { kind: "accuracy" };
}

/** The rows a click on `hit` selects: a margin stands for its whole class. */
export function targetOfHit(hit: Hit | null): Target | null {
  if (hit === null) return null;
  switch (hit.kind) {
    case "cell":
      return { kind: "cell", given: hit.given, pred: hit.pred };
    case "recall":
    case "support":
      return { kind: "row", given: hit.given };
    case "precision":
      return { kind: "column", pred: hit.pred };
    default:
      return null;
  }
}

/** Backing-store scale: the device pixel ratio, lowered for huge canvases to bound memory. */
export function canvasScale(
  cssWidth: number,
  cssHeight: number,
  devicePixelRatio: number,
  maxPixels = 16_000_000,
): number {
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  const area = Math.max(1, cssWidth * cssHeight);
  return Math.max(1, Math.min(dpr, Math.sqrt(maxPixels / area)));
}
