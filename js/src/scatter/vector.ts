// The small-N renderer: antialiased circles as canvas paths, one fill per
// colour. Points are grouped by palette index once per colour-by change
// (counting sort), so a frame is a handful of fills however the points mix.

import { toScreenX, toScreenY, type Viewport } from "./viewport";

export interface ColorGroups {
  /** Row positions ordered by palette index. */
  order: Uint32Array;
  /** Group k is order[offsets[k] .. offsets[k + 1]). */
  offsets: Uint32Array;
}

/** Row positions grouped by palette index (stable: row order within a group). */
export function groupByColor(colorIndex: ArrayLike<number>, paletteSize: number): ColorGroups {
  const offsets = new Uint32Array(paletteSize + 1);
  for (let i = 0; i < colorIndex.length; i++) offsets[colorIndex[i] + 1]++;
  for (let k = 0; k < paletteSize; k++) offsets[k + 1] += offsets[k];
  const order = new Uint32Array(colorIndex.length);
  const fill = offsets.slice(0, paletteSize);
  for (let i = 0; i < colorIndex.length; i++) order[fill[colorIndex[i]]++] = i;
  return { order, offsets };
}

export interface VectorInput {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  groups: ColorGroups;
  frontCss: readonly string[];
  backCss: readonly string[];
  front: Uint8Array | null;
  viewport: Viewport;
  /** Circle radius in CSS pixels. */
  radius: number;
}

/**
 * Draw circles on `ctx` (already scaled to CSS pixels): points behind first,
 * points in front last. Returns how many points have their centre on the plot.
 */
export function drawVector(ctx: CanvasRenderingContext2D, input: VectorInput): number {
  const { xs, ys, groups, front, viewport: v, radius } = input;
  const { order, offsets } = groups;
  const r = Math.max(0.5, radius);
  let drawn = 0;
  const pass = (wanted: number, css: readonly string[]): void => {
    for (let k = 0; k + 1 < offsets.length; k++) {
      let any = false;
      for (let j = offsets[k]; j < offsets[k + 1]; j++) {
        const i = order[j];
        if (front !== null && front[i] !== wanted) continue;
        const sx = toScreenX(v, xs[i]);
        const sy = toScreenY(v, ys[i]);
        if (!(sx > -r && sx < v.width + r && sy > -r && sy < v.height + r)) continue;
        if (sx >= 0 && sx < v.width && sy >= 0 && sy < v.height) drawn++;
        if (!any) {
          ctx.beginPath();
          any = true;
        }
        ctx.moveTo(sx + r, sy);
        ctx.arc(sx, sy, r, 0, 2 * Math.PI);
      }
      if (any) {
        ctx.fillStyle = css[k];
        ctx.fill();
      }
    }
  };
  if (front === null) {
    pass(0, input.frontCss);
  } else {
    pass(0, input.backCss);
    pass(1, input.frontCss);
  }
  return drawn;
}
