// Every row of a large table kept in the gallery's sort order, built in the
// background, so a new selection's order is a walk instead of a sort.
//
// Sorting a lasso over a third of 5M rows costs 60–80 ms on this machine even
// as a radix sort, every time the selection changes, and the gallery's first
// screen waited for it. The order of all rows by the current key is built
// once (slices of tens of ms while the page is idle); the first screen of a
// selection is then that order's first selected rows (order.ts selectedHead),
// found at once, and the whole order is sorted in the background after it.

import { Background } from "../lib/steps";
import { type OrderColumns, rowOrderSteps, type SortKey, selectedHead } from "./order";

/** Below this many rows a selection sorts in a few ms: no order of every row is kept. */
export const ROW_ORDER_MIN_ROWS = 200_000;
/** Start (and retry while the page is busy) this long after being asked: after the
 * maps' prepared pictures and point indexes, which the next lasso needs more. */
const IDLE_MS = 400;
/** A selection of at least 1/16 of the rows reads its first screen from the kept order. */
const WALK_SHARE = 16;

interface Inputs {
  n: number;
  key: SortKey;
  descending: boolean;
  values: ArrayLike<number> | undefined;
  loss: ArrayLike<number> | undefined;
}

function sameInputs(a: Inputs, b: Inputs): boolean {
  return (
    a.n === b.n &&
    a.key === b.key &&
    a.descending === b.descending &&
    a.values === b.values &&
    (a.key !== "label" || a.loss === b.loss)
  );
}

export class RowOrders {
  private inputs: Inputs | null = null;
  private rows: Uint32Array | null = null;
  private build: Background<Uint32Array | null> | null = null;
  private readonly busy: () => boolean;

  /** `busy`: the page is still receiving columns (a step would delay them). */
  constructor(busy: () => boolean) {
    this.busy = busy;
  }

  /**
   * The first `first` selected rows (`mask`, `count` of them) in the order of
   * `key`, from the kept order of every row when it is built for these
   * columns; null when the caller should sort the selection itself. Asks for
   * the kept order to be built when the table is large enough to need it.
   */
  head(
    mask: Uint8Array,
    count: number,
    key: SortKey,
    descending: boolean,
    columns: OrderColumns,
    first: number,
  ): Uint32Array | null {
    const n = mask.length;
    if (!this.want(n, key, descending, columns)) return null;
    if (this.rows === null || count * WALK_SHARE < n) return null;
    return selectedHead(this.rows, mask, Math.min(first, count));
  }

  /**
   * Build the kept order for this key in the background, if an `n`-row table
   * needs one (the gallery asks as soon as it shows anything, so the order is
   * ready by the first lasso); false when it does not.
   */
  want(n: number, key: SortKey, descending: boolean, columns: OrderColumns): boolean {
    if (n < ROW_ORDER_MIN_ROWS || key === "table" || !columns[key]) return false;
    const inputs: Inputs = { n, key, descending, values: columns[key], loss: columns.loss };
    if (this.inputs === null || !sameInputs(this.inputs, inputs)) this.start(inputs);
    return true;
  }

  /** Whether the kept order for the current key is built (for tests and benchmarks). */
  get ready(): boolean {
    return this.rows !== null;
  }

  dispose(): void {
    this.build?.cancel();
    this.build = null;
    this.rows = null;
    this.inputs = null;
  }

  private start(inputs: Inputs): void {
    this.dispose();
    this.inputs = inputs;
    const steps = rowOrderSteps(inputs.n, inputs.key, inputs.descending, {
      [inputs.key]: inputs.values,
      loss: inputs.loss,
    });
    const build = new Background(steps, {
      busy: this.busy,
      idleMs: IDLE_MS,
      onDone: (rows) => {
        if (this.build === build) this.rows = rows;
      },
    });
    this.build = build;
  }
}
