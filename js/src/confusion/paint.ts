// Drawing the matrix on one canvas: C×C cells, the recall and support columns
// at the right, the precision row at the bottom. One full repaint per change
// of counts, selection, size, theme or mode; hover draws nothing here.

import type { Margins } from "./counts";
import type { Layout } from "./layout";
import { type CellPalette, type CellStyles, css, mix, type Normalize } from "./palette";
import { cellText, compactCount, marginScore, type SelectionCounts, shortCount } from "./text";

export interface PaintInput {
  layout: Layout;
  counts: Int32Array;
  margins: Margins;
  /** Shade of each cell in [0, 1] (see cellIntensity). */
  intensity: Float32Array;
  normalize: Normalize;
  /** Selected samples per cell, or null when nothing is selected. */
  selection: SelectionCounts | null;
  palette: CellPalette;
  /** Fill and text colours per shade, made from `palette`. */
  styles: CellStyles;
}

// Cells are drawn one pixel short of their pitch; the background shows through as grid lines.
const GAP = 1;

function font(px: number, family: string, weight = 400): string {
  return `${weight} ${px}px ${family}`;
}

/** Fill / text colour pairs of the text painted, as `fill|text` strings (for contrast checks). */
type TextPairs = Set<string>;

/**
 * Paint everything; `ctx` is already scaled so one unit is one CSS px.
 * Returns each distinct [fill, text colour] pair of the text it drew.
 */
export function paintMatrix(ctx: CanvasRenderingContext2D, input: PaintInput): [string, string][] {
  const { layout, palette } = input;
  const pairs: TextPairs = new Set();
  ctx.fillStyle = css(palette.background);
  ctx.fillRect(0, 0, layout.canvasWidth, layout.canvasHeight);
  paintCells(ctx, input, pairs);
  paintMargins(ctx, input, pairs);
  return [...pairs].map((pair) => pair.split("|") as [string, string]);
}

function paintCells(ctx: CanvasRenderingContext2D, input: PaintInput, pairs: TextPairs): void {
  const { layout, counts, margins: m, intensity, palette, selection, normalize } = input;
  const { cell, nClasses: c } = layout;
  const styles = input.styles;
  const side = cell - GAP;
  const barHeight = Math.max(3, Math.round(cell * 0.16));
  // Outlines and bars of cells holding selected samples, stroked / filled once at the end.
  const outlines = new Path2D();
  const bars = new Path2D();
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.font = font(layout.fontPx, palette.fontFamily);
  const count = layout.shortCounts ? shortCount : compactCount;
  for (let g = 0; g < c; g++) {
    const y = g * cell;
    for (let p = 0; p < c; p++) {
      const k = g * c + p;
      const x = p * cell;
      const n = counts[k];
      const picked = selection ? selection.cells[k] : 0;
      const dimmed = selection !== null && picked === 0;
      const style = styles.get(intensity[k], g === p, dimmed);
      ctx.fillStyle = style.fill;
      ctx.fillRect(x, y, side, side);
      if (picked > 0) {
        // How much of the cell is selected: a bar along its bottom edge, full width = all of it.
        bars.rect(x, y + side - barHeight, Math.max(2, Math.round((side * picked) / n)), barHeight);
        outlines.rect(x + 1, y + 1, side - 2, side - 2);
      }
      if (!layout.showText) continue;
      let text = cellText(counts, m, normalize, g, p, layout.shortCounts);
      if (picked > 0 && picked < n) {
        const partial = `${count(picked)}/${count(n)}`;
        if (ctx.measureText(partial).width <= side - 4) text = partial;
      }
      const textColor = n === 0 && !dimmed ? palette.muted : style.text;
      ctx.fillStyle = textColor;
      pairs.add(`${style.fill}|${textColor}`);
      const textY = picked > 0 ? y + (side - barHeight) / 2 + 1 : y + side / 2 + 0.5;
      ctx.fillText(text, x + side / 2, textY);
    }
  }
  if (selection !== null) {
    ctx.fillStyle = palette.selection;
    ctx.fill(bars);
    ctx.strokeStyle = palette.selection;
    ctx.lineWidth = 2;
    ctx.stroke(outlines);
  }
}

/** A margin cell: a faint bar for the score (when defined) and its text. */
function paintScore(
  ctx: CanvasRenderingContext2D,
  palette: CellPalette,
  rect: { x: number; y: number; w: number; h: number },
  score: number,
  vertical: boolean,
  text: string | null,
  pairs: TextPairs,
): void {
  ctx.fillStyle = css(palette.empty);
  ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
  if (!Number.isNaN(score)) {
    ctx.fillStyle = css(mix(palette.empty, palette.diagonal, 0.22));
    if (vertical) {
      const h = Math.round(rect.h * score);
      ctx.fillRect(rect.x, rect.y + rect.h - h, rect.w, h);
    } else {
      ctx.fillRect(rect.x, rect.y, Math.round(rect.w * score), rect.h);
    }
  }
  if (text !== null) {
    ctx.fillStyle = palette.foreground;
    ctx.fillText(text, rect.x + rect.w / 2, rect.y + rect.h / 2 + 0.5);
    pairs.add(`${css(palette.empty)}|${palette.foreground}`);
    if (!Number.isNaN(score)) {
      pairs.add(`${css(mix(palette.empty, palette.diagonal, 0.22))}|${palette.foreground}`);
    }
  }
}

function paintMargins(ctx: CanvasRenderingContext2D, input: PaintInput, pairs: TextPairs): void {
  const { layout, margins: m, palette } = input;
  const { cell, nClasses: c } = layout;
  const grid = c * cell;
  const side = cell - GAP;
  const marginFont = Math.min(12, Math.max(9, layout.fontPx));
  ctx.font = font(marginFont, palette.fontFamily);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const rowTextFits = side >= marginFont + 2;
  const left = grid + 4;
  for (let g = 0; g < c; g++) {
    const y = g * cell;
    const recall = m.recall[g];
    paintScore(
      ctx,
      palette,
      { x: left, y, w: layout.recallWidth - 6, h: side },
      recall,
      false,
      rowTextFits ? marginScore(recall) : null,
      pairs,
    );
    if (rowTextFits) {
      ctx.fillStyle = palette.muted;
      pairs.add(`${css(palette.background)}|${palette.muted}`);
      ctx.textAlign = "right";
      ctx.fillText(
        compactCount(m.support[g]),
        grid + layout.recallWidth + layout.supportWidth - 4,
        y + side / 2 + 0.5,
      );
      ctx.textAlign = "center";
    }
  }
  const top = grid + 4;
  for (let p = 0; p < c; p++) {
    const precision = m.precision[p];
    const text = marginScore(precision);
    paintScore(
      ctx,
      palette,
      { x: p * cell, y: top, w: side, h: layout.marginHeight - 6 },
      precision,
      true,
      ctx.measureText(text).width <= side - 2 ? text : null,
      pairs,
    );
  }
  // Overall accuracy where the margins meet.
  ctx.fillStyle = palette.muted;
  pairs.add(`${css(palette.background)}|${palette.muted}`);
  ctx.font = font(Math.min(11, marginFont), palette.fontFamily);
  ctx.fillText(
    `acc ${marginScore(m.accuracy)}`,
    grid + (layout.recallWidth + layout.supportWidth) / 2,
    top + (layout.marginHeight - 6) / 2 + 0.5,
  );
  // Rules between the matrix and its margins.
  ctx.fillStyle = palette.border;
  ctx.fillRect(grid + 1, 0, 1, grid + layout.marginHeight);
  ctx.fillRect(0, grid + 1, grid + layout.recallWidth + layout.supportWidth, 1);
}
