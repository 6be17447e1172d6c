// What is drawn around and behind the points: the data map's axes, grid and
// Dataset Cartography regions, and the plot frame of both maps.

import type { Theme } from "../lib/colors";
import { niceTicks, toDataX, toDataY, toScreenX, toScreenY, type Viewport } from "./viewport";

export interface Margins {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export const DATA_MAP_MARGINS: Margins = { left: 46, top: 8, right: 10, bottom: 36 };
export const CLUSTER_MAP_MARGINS: Margins = { left: 4, top: 4, right: 4, bottom: 4 };

export interface RegionThresholds {
  ambiguous_variability: number;
  easy_confidence: number;
}

/** The paper's defaults, used when the table sends none. */
export const DEFAULT_REGION_THRESHOLDS: RegionThresholds = {
  ambiguous_variability: 0.2,
  easy_confidence: 0.5,
};

const REGION_TINTS = {
  easy: [89, 161, 79],
  ambiguous: [237, 170, 40],
  hard: [225, 87, 89],
} as const;

function tint(rgb: readonly number[], alpha: number): string {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/**
 * Regions as assigned in Python (cartography.assign_regions): ambiguous where
 * variability ≥ the threshold; otherwise easy-to-learn above the confidence
 * threshold and hard-to-learn below. `ctx` is the plot-sized back canvas.
 */
export function drawRegionShading(
  ctx: CanvasRenderingContext2D,
  v: Viewport,
  t: RegionThresholds,
  theme: Theme,
): void {
  const alpha = theme.isDark ? 0.09 : 0.08;
  const xa = toScreenX(v, t.ambiguous_variability);
  const ye = toScreenY(v, t.easy_confidence);
  const left = Math.min(Math.max(xa, 0), v.width);
  const split = Math.min(Math.max(ye, 0), v.height);
  ctx.fillStyle = tint(REGION_TINTS.ambiguous, alpha);
  ctx.fillRect(left, 0, v.width - left, v.height);
  ctx.fillStyle = tint(REGION_TINTS.easy, alpha);
  ctx.fillRect(0, 0, left, split);
  ctx.fillStyle = tint(REGION_TINTS.hard, alpha);
  ctx.fillRect(0, split, left, v.height - split);
}

/** Light grid lines at the tick positions (behind the points). */
export function drawGrid(ctx: CanvasRenderingContext2D, v: Viewport, theme: Theme): void {
  const { xTicks, yTicks } = ticksOf(v);
  ctx.strokeStyle = theme.border;
  ctx.globalAlpha = 0.6;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const x of xTicks) {
    const sx = Math.round(toScreenX(v, x)) + 0.5;
    ctx.moveTo(sx, 0);
    ctx.lineTo(sx, v.height);
  }
  for (const y of yTicks) {
    const sy = Math.round(toScreenY(v, y)) + 0.5;
    ctx.moveTo(0, sy);
    ctx.lineTo(v.width, sy);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function ticksOf(v: Viewport): { xTicks: number[]; yTicks: number[] } {
  return {
    xTicks: niceTicks(toDataX(v, 0), toDataX(v, v.width), Math.max(2, Math.round(v.width / 80))),
    yTicks: niceTicks(toDataY(v, v.height), toDataY(v, 0), Math.max(2, Math.round(v.height / 50))),
  };
}

function tickText(value: number): string {
  // niceTicks already rounded the value to its step, so the shortest form is the right one.
  return Object.is(value, -0) ? "0" : String(value);
}

interface FrameInput {
  v: Viewport;
  margins: Margins;
  theme: Theme;
  /** Data map only: regions, axes and labels. */
  dataMap: { thresholds: RegionThresholds } | null;
}

/**
 * The front layer over the whole container (`ctx` in CSS pixels): the plot
 * frame and, for the data map, dashed region boundaries, region names, tick
 * labels and axis titles.
 */
export function drawFrame(ctx: CanvasRenderingContext2D, input: FrameInput): void {
  const { v, margins: m, theme, dataMap } = input;
  ctx.strokeStyle = theme.border;
  ctx.lineWidth = 1;
  ctx.strokeRect(m.left - 0.5, m.top - 0.5, v.width + 1, v.height + 1);
  if (dataMap === null) return;

  const font = theme.fontFamily;
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, v.width, v.height);
  ctx.clip();
  ctx.translate(m.left, m.top);
  drawBoundaries(ctx, v, dataMap.thresholds, theme, font);
  ctx.restore();

  const { xTicks, yTicks } = ticksOf(v);
  ctx.fillStyle = theme.muted;
  ctx.font = `11px ${font}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const x of xTicks) {
    const sx = m.left + toScreenX(v, x);
    ctx.fillText(tickText(x), sx, m.top + v.height + 4);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const y of yTicks) {
    const sy = m.top + toScreenY(v, y);
    ctx.fillText(tickText(y), m.left - 5, sy);
  }
  ctx.fillStyle = theme.foreground;
  ctx.font = `12px ${font}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText("variability", m.left + v.width / 2, m.top + v.height + m.bottom - 1);
  ctx.save();
  ctx.translate(12, m.top + v.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText("confidence", 0, 0);
  ctx.restore();
}

function drawBoundaries(
  ctx: CanvasRenderingContext2D,
  v: Viewport,
  t: RegionThresholds,
  theme: Theme,
  font: string,
): void {
  const xa = toScreenX(v, t.ambiguous_variability);
  const ye = toScreenY(v, t.easy_confidence);
  ctx.strokeStyle = theme.muted;
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  ctx.moveTo(xa, 0);
  ctx.lineTo(xa, v.height);
  ctx.moveTo(Math.min(0, xa), ye);
  ctx.lineTo(xa, ye);
  ctx.stroke();
  ctx.setLineDash([]);

  // Names sit in a corner of their region that stays on screen while it is visible.
  const pad = 6;
  const clampX = (x: number) => Math.min(Math.max(x, pad), v.width - pad);
  const clampY = (y: number) => Math.min(Math.max(y, pad), v.height - pad);
  const labels: Array<[string, number, number, CanvasTextAlign, CanvasTextBaseline, number]> = [
    ["easy-to-learn", clampX(pad), clampY(pad), "left", "top", xa],
    // Hard-to-learn points crowd the bottom-left corner; the name goes at the region's other end.
    [
      "hard-to-learn",
      clampX(Math.min(xa, v.width) - pad),
      clampY(v.height - pad),
      "right",
      "bottom",
      xa,
    ],
    ["ambiguous", clampX(xa + pad), clampY(pad), "left", "top", v.width],
  ];
  ctx.font = `600 11px ${font}`;
  ctx.lineWidth = 3;
  ctx.strokeStyle = theme.background;
  ctx.fillStyle = theme.muted;
  for (const [text, x, y, align, baseline, limit] of labels) {
    // A region squeezed off screen by zooming gets no name.
    if (text !== "ambiguous" && limit < 40) continue;
    if (text === "ambiguous" && v.width - xa < 40) continue;
    if (text === "easy-to-learn" && ye < 16) continue;
    if (text === "hard-to-learn" && v.height - ye < 16) continue;
    ctx.textAlign = align;
    ctx.textBaseline = baseline;
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
  }
}
