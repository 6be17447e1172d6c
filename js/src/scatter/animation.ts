// When UMAP replaces the PCA layout, points glide from where they are on
// screen to their new place instead of jumping, so the eye can follow a
// cluster (and the selection, which is kept) from one layout to the next.

import { toDataX, toDataY, toScreenX, toScreenY, type Viewport } from "./viewport";

/** Length of the move. */
export const ANIMATION_MS = 600;
/** Above this many points the move is skipped: each frame rewrites two arrays of N. */
export const ANIMATION_LIMIT = 300_000;

export class CoordsAnimation {
  /** Positions of the current frame, in the new layout's data coordinates. */
  readonly xs: Float32Array;
  readonly ys: Float32Array;
  running = true;
  private readonly fromX: ArrayLike<number>;
  private readonly fromY: ArrayLike<number>;
  private readonly toX: ArrayLike<number>;
  private readonly toY: ArrayLike<number>;
  private readonly map: [number, number, number, number];
  private readonly started: number;

  private constructor(
    fromX: ArrayLike<number>,
    fromY: ArrayLike<number>,
    fromView: Viewport,
    toX: ArrayLike<number>,
    toY: ArrayLike<number>,
    toView: Viewport,
    now: number,
  ) {
    this.fromX = fromX;
    this.fromY = fromY;
    this.toX = toX;
    this.toY = toY;
    // Old data → old screen → new data is affine per axis: x' = ax·x + bx.
    const bx = toDataX(toView, toScreenX(fromView, 0));
    const ax = toDataX(toView, toScreenX(fromView, 1)) - bx;
    const by = toDataY(toView, toScreenY(fromView, 0));
    const ay = toDataY(toView, toScreenY(fromView, 1)) - by;
    this.map = [ax, bx, ay, by];
    this.xs = new Float32Array(toX.length);
    this.ys = new Float32Array(toY.length);
    this.started = now;
    this.step(now);
  }

  /**
   * Start a move from the layout on screen (`fromX`, `fromY` seen through
   * `fromView`) to the new one; null when it is not worth animating
   * (different row counts, or too many points).
   */
  static start(
    fromX: ArrayLike<number>,
    fromY: ArrayLike<number>,
    fromView: Viewport,
    toX: ArrayLike<number>,
    toY: ArrayLike<number>,
    toView: Viewport,
    now = performance.now(),
  ): CoordsAnimation | null {
    const n = toX.length;
    if (fromX.length !== n || fromY.length !== n || toY.length !== n || n > ANIMATION_LIMIT)
      return null;
    return new CoordsAnimation(fromX, fromY, fromView, toX, toY, toView, now);
  }

  /** Move the positions to time `now`; stops (positions = the new layout) at the end. */
  step(now: number): void {
    const t = Math.min(1, Math.max(0, (now - this.started) / ANIMATION_MS));
    // Ease in and out, so the move neither starts nor stops abruptly.
    const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
    const [ax, bx, ay, by] = this.map;
    const { fromX, fromY, toX, toY, xs, ys } = this;
    for (let i = 0; i < xs.length; i++) {
      const x0 = ax * fromX[i] + bx;
      const y0 = ay * fromY[i] + by;
      xs[i] = x0 + (toX[i] - x0) * e;
      ys[i] = y0 + (toY[i] - y0) * e;
    }
    if (t >= 1) this.running = false;
  }

  stop(): void {
    this.running = false;
  }
}
