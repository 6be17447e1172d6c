// Selection frames without re-drawing every point.
//
// A selection, a legend hover or clearing them changes which points are in
// front, never where a point lands or what colour index it has. So the frame
// of "every point dimmed" (and of "every point in full colour") is kept per
// placement — coordinates, viewport, colours, point size — and a selection
// frame is that dimmed picture copied, then only the points in front drawn
// over it. The result is pixel for pixel what `rasterize` draws: every pixel a
// front point covers ends with the colour of the last front point covering it,
// and every other pixel with the last point behind covering it (a front
// point's dimmed stencil is always drawn over by its own full-colour one).

import { type RasterInput, rasterize } from "./raster";
import type { Viewport } from "./viewport";

/** What places the points: a change to any of these re-draws every point. */
type Placement = Omit<RasterInput, "front" | "frontRows"> & { width: number; height: number };

/** Viewports compare by value: a refit to the same plot (new columns listed, a
 * resize back) makes a new, equal object, which must not throw the pictures away. */
function sameViewport(a: Viewport, b: Viewport): boolean {
  return (
    a === b ||
    (a.cx === b.cx &&
      a.cy === b.cy &&
      a.sx === b.sx &&
      a.sy === b.sy &&
      a.width === b.width &&
      a.height === b.height)
  );
}

function samePlacement(a: RasterInput, b: Placement, width: number, height: number): boolean {
  return (
    a.xs === b.xs &&
    a.ys === b.ys &&
    a.colorIndex === b.colorIndex &&
    a.frontPalette === b.frontPalette &&
    a.backPalette === b.backPalette &&
    sameViewport(a.viewport, b.viewport) &&
    a.dpr === b.dpr &&
    a.size === b.size &&
    width === b.width &&
    height === b.height
  );
}

/** How the last frame was made (for tests and the view's timing attributes). */
export type FramePath = "full" | "front-only" | "copy";

export class RasterLayers {
  private placement: Placement | null = null;
  /** Every point in full colour (the frame with nothing in front). */
  private all: Uint32Array | null = null;
  /** Every point dimmed (what selection frames start from). */
  private dimmed: Uint32Array | null = null;
  /** Points whose centre is on the plot: the same whatever is in front. */
  private drawn = 0;
  lastPath: FramePath = "full";

  /**
   * Draw `input` into `pixels` (`width` × `height`, cleared or not): what
   * `rasterize` into cleared pixels gives, from the kept layers when only
   * `front` changed since they were made. Returns how many points have their
   * centre on the plot.
   *
   * `keep` false: the arrays are changing in place (a layout gliding in, rows
   * still arriving), so nothing is kept and every point is drawn.
   */
  draw(
    pixels: Uint32Array,
    width: number,
    height: number,
    input: RasterInput,
    keep = true,
  ): number {
    if (!keep) {
      this.clear();
      pixels.fill(0);
      this.lastPath = "full";
      return rasterize(pixels, width, height, input);
    }
    const p = this.placement;
    if (p === null || !samePlacement(input, p, width, height)) {
      this.placement = { ...input, width, height };
      this.all = null;
      this.dimmed = null;
    }
    const front = input.front;
    if (front === null) {
      this.all ??= this.layer(width, height, input, input.frontPalette);
      pixels.set(this.all);
      this.lastPath = "copy";
      return this.drawn;
    }
    const fresh = this.dimmed === null;
    this.dimmed ??= this.layer(width, height, input, input.backPalette);
    pixels.set(this.dimmed);
    rasterize(pixels, width, height, input, true);
    this.lastPath = fresh ? "full" : "front-only";
    return this.drawn;
  }

  /**
   * Make the dimmed layer now (the view calls this when idle), so the first
   * selection after a new placement costs only its front points.
   */
  prepare(width: number, height: number, input: RasterInput): void {
    const p = this.placement;
    if (p === null || !samePlacement(input, p, width, height) || this.dimmed !== null) return;
    this.dimmed = this.layer(width, height, input, input.backPalette);
  }

  /** Whether the dimmed layer for this placement is made (see {@link prepare}). */
  prepared(): boolean {
    return this.dimmed !== null;
  }

  /** Drop the layers (a resized canvas, a lost context). */
  clear(): void {
    this.placement = null;
    this.all = null;
    this.dimmed = null;
  }

  private layer(
    width: number,
    height: number,
    input: RasterInput,
    palette: Uint32Array,
  ): Uint32Array {
    const out = new Uint32Array(width * height);
    this.drawn = rasterize(out, width, height, {
      ...input,
      front: null,
      frontPalette: palette,
    });
    return out;
  }
}
