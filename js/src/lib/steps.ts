// Step-wise computations: a generator that yields between passes over the
// rows, run to its end at once or one step per task while the page is idle.
//
// A pass over millions of rows takes tens of milliseconds; a whole index or
// sort of them takes hundreds. Run as one task that would freeze the page
// (hover, the next lasso, incoming columns); one pass per task keeps every
// task short, and whoever needs the result early can finish it at once.

/** What a step-wise computation is: yields between steps, returns its value. */
export type Steps<T> = Generator<void, T, void>;

/** Run a step-wise computation to its end. */
export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The same steps, each timed: `spent(ms)` after every step, the last one included. */
export function* timedSteps<T>(steps: Steps<T>, spent: (ms: number) => void): Steps<T> {
  for (;;) {
    const t0 = performance.now();
    const step = steps.next();
    spent(performance.now() - t0);
    if (step.done) return step.value;
    yield;
  }
}

export interface BackgroundOptions<T> {
  /** Called once with the value, when the last step ran (in the background or in {@link Background.now}). */
  onDone: (value: T) => void;
  /** True while the page is busy (its columns arriving): the next step then waits `idleMs`. */
  busy?: () => boolean;
  /** Wait before the first step, and between busy checks (ms). */
  idleMs?: number;
}

/** A step-wise computation run one step per task (setTimeout), in the background. */
export class Background<T> {
  private steps: Steps<T> | null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly options: BackgroundOptions<T>;
  private value: { v: T } | null = null;

  constructor(steps: Steps<T>, options: BackgroundOptions<T>) {
    this.steps = steps;
    this.options = options;
    this.later(options.idleMs ?? 200);
  }

  /** Whether the last step has run. */
  get done(): boolean {
    return this.value !== null;
  }

  /** Run the remaining steps now; the value (also given to onDone, once). */
  now(): T {
    if (this.value !== null) return this.value.v;
    this.cancel();
    return this.finish(drain(this.steps as Steps<T>));
  }

  /** Stop running steps in the background (a later {@link now} still finishes). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => this.step(), ms);
  }

  private step(): void {
    this.timer = null;
    const steps = this.steps;
    if (steps === null || this.value !== null) return;
    if (this.options.busy?.()) {
      this.later(this.options.idleMs ?? 200);
      return;
    }
    const step = steps.next();
    if (step.done) this.finish(step.value);
    else this.later(0);
  }

  private finish(v: T): T {
    this.value = { v };
    this.steps = null;
    this.options.onDone(v);
    return v;
  }
}
