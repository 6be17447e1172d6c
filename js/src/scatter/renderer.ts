// The plot's canvases and how a frame gets onto them.
//
// Four stacked layers, so each redraws only when its content changes:
//   back     (plot area)   region shading and grid, behind the points
//   points   (plot area)   the points, transparent elsewhere
//   frame    (container)   plot border, axes, region boundaries and names
//   overlay  (container)   lasso path, box, hover ring; redrawn per pointer move
// Canvases are sized in device pixels (devicePixelRatio) for crisp HiDPI output.

import type { Theme } from "../lib/colors";
import type { Point } from "../lib/lasso";
import {
  drawFrame,
  drawGrid,
  drawRegionShading,
  type Margins,
  type RegionThresholds,
} from "./axes";
import type { Coloring } from "./coloring";
import { type FramePath, RasterLayers } from "./layers";
import type { RasterInput } from "./raster";
import { type ColorGroups, drawVector } from "./vector";
import { screenTransform, type Viewport } from "./viewport";

/** Up to this many points are drawn as antialiased circles; more are drawn as pixels. */
export const VECTOR_LIMIT = 20_000;

/** Point diameter in CSS px: smaller as N grows, larger (up to 3×) when zoomed in. */
export function autoDiameter(n: number, zoom: number): number {
  const base =
    n <= 2000 ? 6 : n <= VECTOR_LIMIT ? 4.5 : n <= 100_000 ? 2.5 : n <= 400_000 ? 1.5 : 1;
  return base * Math.min(3, Math.max(1, Math.sqrt(zoom)));
}

export interface Scene {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  coloring: Coloring;
  palettes: { front: Uint32Array; back: Uint32Array; frontCss: string[]; backCss: string[] };
  /** Set for the small-N path renderer; null draws pixels. */
  groups: ColorGroups | null;
  front: Uint8Array | null;
  /** Sorted positions of the rows `front` marks, when known (see RasterInput.frontRows). */
  frontRows: Uint32Array | null;
  /** Point diameter in CSS pixels. */
  diameter: number;
  /** False while xs, ys or colours change in place (a layout gliding in, rows arriving). */
  settled: boolean;
}

function layer(className: string): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.className = `nbdl-scatter-layer ${className}`;
  return canvas;
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("nbdatalens: this browser gives no 2D canvas context");
  return ctx;
}

export class PlotCanvases {
  readonly back = layer("nbdl-scatter-back");
  /** The points layer; its box is the plot area (tests map screen to data through it). */
  readonly points = layer("nbdl-scatter-points");
  readonly frame = layer("nbdl-scatter-frame");
  readonly overlay = layer("nbdl-scatter-overlay");
  dpr = 1;
  margins: Margins = { left: 0, top: 0, right: 0, bottom: 0 };
  plotWidth = 1;
  plotHeight = 1;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private readonly cache = document.createElement("canvas");
  private cachedViewport: Viewport | null = null;
  /** The viewport of the full frame on the points canvas, until it is copied to `cache`. */
  private frameViewport: Viewport | null = null;
  private readonly layers = new RasterLayers();

  constructor(container: HTMLElement) {
    container.append(this.back, this.points, this.frame, this.overlay);
  }

  /** Size every layer for a container of `width` × `height` CSS pixels; true when anything changed. */
  resize(width: number, height: number, margins: Margins, dpr: number): boolean {
    const plotWidth = Math.max(1, Math.floor(width - margins.left - margins.right));
    const plotHeight = Math.max(1, Math.floor(height - margins.top - margins.bottom));
    const changed =
      plotWidth !== this.plotWidth ||
      plotHeight !== this.plotHeight ||
      dpr !== this.dpr ||
      margins !== this.margins;
    this.dpr = dpr;
    this.margins = margins;
    this.plotWidth = plotWidth;
    this.plotHeight = plotHeight;
    const fullW = plotWidth + margins.left + margins.right;
    const fullH = plotHeight + margins.top + margins.bottom;
    for (const canvas of [this.back, this.points]) {
      this.place(canvas, margins.left, margins.top, plotWidth, plotHeight);
    }
    for (const canvas of [this.frame, this.overlay]) this.place(canvas, 0, 0, fullW, fullH);
    if (changed) {
      this.image = null;
      this.cachedViewport = null;
      this.frameViewport = null;
      this.layers.clear();
    }
    return changed;
  }

  private place(canvas: HTMLCanvasElement, left: number, top: number, w: number, h: number): void {
    const dw = Math.max(1, Math.round(w * this.dpr));
    const dh = Math.max(1, Math.round(h * this.dpr));
    if (canvas.width !== dw) canvas.width = dw;
    if (canvas.height !== dh) canvas.height = dh;
    canvas.style.left = `${left}px`;
    canvas.style.top = `${top}px`;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }

  /** A layer's context, cleared, with one unit = one CSS pixel. */
  private cleared(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
    const ctx = context(canvas);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    return ctx;
  }

  /** Region shading and grid (data map), or nothing (cluster map). */
  drawBack(v: Viewport, theme: Theme, thresholds: RegionThresholds | null): void {
    const ctx = this.cleared(this.back);
    if (thresholds === null) return;
    drawRegionShading(ctx, v, thresholds, theme);
    drawGrid(ctx, v, theme);
  }

  drawFrame(v: Viewport, theme: Theme, thresholds: RegionThresholds | null): void {
    const ctx = this.cleared(this.frame);
    drawFrame(ctx, {
      v,
      margins: this.margins,
      theme,
      dataMap: thresholds === null ? null : { thresholds },
    });
  }

  /** Draw every point; returns how many landed on the plot area. */
  drawPoints(scene: Scene, v: Viewport): number {
    let drawn: number;
    if (scene.groups !== null) {
      const ctx = this.cleared(this.points);
      drawn = drawVector(ctx, {
        xs: scene.xs,
        ys: scene.ys,
        groups: scene.groups,
        frontCss: scene.palettes.frontCss,
        backCss: scene.palettes.backCss,
        front: scene.front,
        viewport: v,
        radius: scene.diameter / 2,
      });
      this.framePath = "full";
    } else {
      const w = this.points.width;
      const h = this.points.height;
      const ctx = context(this.points);
      if (this.image === null || this.image.width !== w || this.image.height !== h) {
        this.image = ctx.createImageData(w, h);
        this.pixels = new Uint32Array(this.image.data.buffer);
      }
      drawn = this.layers.draw(
        this.pixels as Uint32Array,
        w,
        h,
        this.rasterInput(scene, v),
        scene.settled,
      );
      this.framePath = this.layers.lastPath;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.putImageData(this.image, 0, 0);
    }
    // The points canvas holds a full frame; it is copied aside only when a drag needs it.
    this.frameViewport = v;
    return drawn;
  }

  /** How the last frame was made: every point drawn, only the front ones, or a copy. */
  framePath: FramePath = "full";

  /**
   * Make the dimmed picture of every point for this scene now (the view calls
   * this when idle), so the next selection redraws only its own points.
   */
  prepareSelection(scene: Scene, v: Viewport): void {
    if (scene.groups !== null || !scene.settled || this.layers.prepared()) return;
    this.layers.prepare(this.points.width, this.points.height, this.rasterInput(scene, v));
  }

  /** Whether the next selection frame needs only its front points (see {@link prepareSelection}). */
  selectionPrepared(): boolean {
    return this.layers.prepared();
  }

  private rasterInput(scene: Scene, v: Viewport): RasterInput {
    return {
      xs: scene.xs,
      ys: scene.ys,
      colorIndex: scene.coloring.colorIndex,
      frontPalette: scene.palettes.front,
      backPalette: scene.palettes.back,
      front: scene.front,
      frontRows: scene.frontRows,
      viewport: v,
      dpr: this.dpr,
      size: Math.min(8, Math.max(1, Math.round(scene.diameter * this.dpr))),
    };
  }

  /** Keep the full frame the points canvas shows, before a cheap frame replaces it. */
  private keepFrame(): void {
    if (this.frameViewport === null) return;
    if (this.cache.width !== this.points.width) this.cache.width = this.points.width;
    if (this.cache.height !== this.points.height) this.cache.height = this.points.height;
    const ctx = context(this.cache);
    ctx.clearRect(0, 0, this.cache.width, this.cache.height);
    ctx.drawImage(this.points, 0, 0);
    this.cachedViewport = this.frameViewport;
    this.frameViewport = null;
  }

  /**
   * Show the last full frame moved and scaled to viewport `v` (cheap, for
   * frames during a drag or wheel zoom); false when there is no frame to reuse.
   */
  drawCachedPoints(v: Viewport): boolean {
    this.keepFrame();
    const from = this.cachedViewport;
    if (from === null) return false;
    const t = screenTransform(from, v);
    const ctx = context(this.points);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.points.width, this.points.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(
      this.cache,
      t.offsetX * this.dpr,
      t.offsetY * this.dpr,
      this.cache.width * t.scaleX,
      this.cache.height * t.scaleY,
    );
    return true;
  }

  /**
   * The overlay: a ring around the hovered point and the lasso path or box
   * being drawn (plot CSS px).
   */
  drawOverlay(
    theme: Theme,
    ring: Point | null,
    drawing: { kind: "lasso" | "box"; path: Point[] } | null,
  ): void {
    const ctx = this.cleared(this.overlay);
    ctx.translate(this.margins.left, this.margins.top);
    if (ring !== null) {
      ctx.strokeStyle = theme.foreground;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(ring[0], ring[1], 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (drawing === null || drawing.path.length === 0) return;
    const path = drawing.path;
    ctx.strokeStyle = theme.selection;
    ctx.fillStyle = theme.selection;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    if (drawing.kind === "box") {
      const [[x0, y0], [x1, y1]] = path;
      ctx.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    } else {
      ctx.moveTo(path[0][0], path[0][1]);
      for (let k = 1; k < path.length; k++) ctx.lineTo(path[k][0], path[k][1]);
      ctx.closePath();
    }
    ctx.globalAlpha = 0.08;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
