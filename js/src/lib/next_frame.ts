// Work coalesced to the next animation frame: any number of requests within one
// frame run the callback once, and a view cancels what is pending on teardown,
// so nothing draws into a disposed view.

export class NextFrame {
  private readonly fn: () => void;
  private handle = 0;

  /** `fn` runs on the frame after the first {@link request} since it last ran. */
  constructor(fn: () => void) {
    this.fn = fn;
  }

  /** Run the callback on the next animation frame (once, however often this is called). */
  request(): void {
    if (this.handle !== 0) return;
    this.handle = requestAnimationFrame(() => {
      this.handle = 0;
      this.fn();
    });
  }

  /** Drop a pending run; a later {@link request} schedules a new one. */
  cancel(): void {
    if (this.handle === 0) return;
    cancelAnimationFrame(this.handle);
    this.handle = 0;
  }

  /** Whether a run is scheduled. */
  get pending(): boolean {
    return this.handle !== 0;
  }
}
