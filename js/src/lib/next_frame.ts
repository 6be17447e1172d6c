// Work coalesced to the next animation frame: any number of requests within one
// frame run the callback once, and a view cancels what is pending on teardown,
// so nothing draws into a disposed view.

export interface NextFrameOptions {
  /**
   * Run just after the next frame is painted (a task queued from that frame)
   * instead of inside it: DOM-heavy work (the gallery's tiles) then does not
   * hold back the pixels the other views draw in that frame.
   */
  afterPaint?: boolean;
}

export class NextFrame {
  private readonly fn: () => void;
  private readonly afterPaint: boolean;
  private handle = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `fn` runs on the frame after the first {@link request} since it last ran. */
  constructor(fn: () => void, options: NextFrameOptions = {}) {
    this.fn = fn;
    this.afterPaint = options.afterPaint ?? false;
  }

  /** Run the callback on the next animation frame (once, however often this is called). */
  request(): void {
    if (this.pending) return;
    this.handle = requestAnimationFrame(() => {
      this.handle = 0;
      if (!this.afterPaint) {
        this.fn();
        return;
      }
      this.timer = setTimeout(() => {
        this.timer = null;
        this.fn();
      }, 0);
    });
  }

  /** Drop a pending run; a later {@link request} schedules a new one. */
  cancel(): void {
    if (this.handle !== 0) cancelAnimationFrame(this.handle);
    if (this.timer !== null) clearTimeout(this.timer);
    this.handle = 0;
    this.timer = null;
  }

  /** Whether a run is scheduled. */
  get pending(): boolean {
    return this.handle !== 0 || this.timer !== null;
  }
}
