// Counting for the confusion matrix: one pass over the label / pred code
// columns into a flat C×C Int32Array (row-major: given * C + predicted), the
// per-class margins derived from it, and the rows behind a clicked target.
//
// Everything here is O(N) at most and runs only when the columns or the
// selection change, never on hover.

/** Codes as the table sends them (uint8 / uint16 / int32 typed arrays). */
export type Codes = ArrayLike<number>;

/** What a click can target: one cell, a whole given class, or a whole predicted class. */
export type Target =
  | { kind: "cell"; given: number; pred: number }
  | { kind: "row"; given: number }
  | { kind: "column"; pred: number };

function checkLengths(label: Codes, pred: Codes): void {
  if (label.length !== pred.length) {
    throw new RangeError(`label has ${label.length} rows but pred has ${pred.length}`);
  }
}

/**
 * Count every (given, predicted) pair into a flat C×C matrix.
 *
 * A row whose code is outside 0..C-1 (a missing prediction) is left out of
 * every cell rather than corrupting a neighbour.
 *
 * @example countPairs([0, 0, 1], [0, 1, 1], 2) // Int32Array [1, 1, 0, 1]
 */
export function countPairs(label: Codes, pred: Codes, nClasses: number): Int32Array {
  checkLengths(label, pred);
  const counts = new Int32Array(nClasses * nClasses);
  const n = label.length;
  for (let i = 0; i < n; i++) {
    const g = label[i];
    const p = pred[i];
    // Unsigned comparison rejects negatives and codes >= C in one test each.
    if (g >>> 0 < nClasses && p >>> 0 < nClasses) counts[g * nClasses + p]++;
  }
  return counts;
}

/**
 * Like {@link countPairs}, counting only the selected rows, given as their
 * positions (the table's selection positions: a lasso over a third of 5M rows
 * reads 1.6M rows instead of testing all 5M).
 */
export function countSelectedPairs(
  label: Codes,
  pred: Codes,
  rows: Uint32Array,
  nClasses: number,
): Int32Array {
  checkLengths(label, pred);
  const n = label.length;
  const counts = new Int32Array(nClasses * nClasses);
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    if (i >= n) throw new RangeError(`selected row ${i} is out of range for ${n} rows`);
    const g = label[i];
    const p = pred[i];
    if (g >>> 0 < nClasses && p >>> 0 < nClasses) counts[g * nClasses + p]++;
  }
  return counts;
}

/** Per-class totals and scores of a matrix (same definitions as nbdatalens.confusion). */
export interface Margins {
  nClasses: number;
  /** Samples given each class (row sums). */
  support: Int32Array;
  /** Samples predicted as each class (column sums). */
  predicted: Int32Array;
  /** Correct samples per class (the diagonal). */
  hits: Int32Array;
  /** hits / predicted; NaN for a class that is never predicted. */
  precision: Float64Array;
  /** hits / support; NaN for a class that is never given. */
  recall: Float64Array;
  /** Samples counted in the matrix. */
  total: number;
  /** Sum of the diagonal / total; NaN for an empty matrix. */
  accuracy: number;
  /** Largest diagonal and largest off-diagonal count (the two colour scales' tops). */
  maxDiagonal: number;
  maxOffDiagonal: number;
}

/** Row / column sums, precision, recall and accuracy of a flat C×C matrix. */
export function margins(counts: Int32Array, nClasses: number): Margins {
  if (counts.length !== nClasses * nClasses) {
    throw new RangeError(
      `a ${nClasses}-class matrix has ${nClasses ** 2} cells, got ${counts.length}`,
    );
  }
  const support = new Int32Array(nClasses);
  const predicted = new Int32Array(nClasses);
  const hits = new Int32Array(nClasses);
  let maxDiagonal = 0;
  let maxOffDiagonal = 0;
  for (let g = 0; g < nClasses; g++) {
    for (let p = 0; p < nClasses; p++) {
      const v = counts[g * nClasses + p];
      support[g] += v;
      predicted[p] += v;
      if (g === p) {
        hits[g] = v;
        if (v > maxDiagonal) maxDiagonal = v;
      } else if (v > maxOffDiagonal) {
        maxOffDiagonal = v;
      }
    }
  }
  const precision = new Float64Array(nClasses);
  const recall = new Float64Array(nClasses);
  let total = 0;
  let correct = 0;
  for (let c = 0; c < nClasses; c++) {
    precision[c] = predicted[c] > 0 ? hits[c] / predicted[c] : Number.NaN;
    recall[c] = support[c] > 0 ? hits[c] / support[c] : Number.NaN;
    total += support[c];
    correct += hits[c];
  }
  return {
    nClasses,
    support,
    predicted,
    hits,
    precision,
    recall,
    total,
    accuracy: total > 0 ? correct / total : Number.NaN,
    maxDiagonal,
    maxOffDiagonal,
  };
}

/** Number of samples a target covers, read from a matrix (no pass over the rows). */
export function targetCount(counts: Int32Array, nClasses: number, target: Target): number {
  if (target.kind === "cell") return counts[target.given * nClasses + target.pred];
  let sum = 0;
  for (let k = 0; k < nClasses; k++) {
    sum +=
      target.kind === "row"
        ? counts[target.given * nClasses + k]
        : counts[k * nClasses + target.pred];
  }
  return sum;
}

/**
 * A mask of the rows a target covers: label == given (and / or) pred == predicted.
 *
 * @example targetMask([0, 1, 1], [1, 1, 0], { kind: "cell", given: 1, pred: 1 }) // [0, 1, 0]
 */
export function targetMask(label: Codes, pred: Codes, target: Target): Uint8Array {
  checkLengths(label, pred);
  const n = label.length;
  const mask = new Uint8Array(n);
  if (target.kind === "cell") {
    const { given, pred: predicted } = target;
    for (let i = 0; i < n; i++) if (label[i] === given && pred[i] === predicted) mask[i] = 1;
  } else if (target.kind === "row") {
    const { given } = target;
    for (let i = 0; i < n; i++) if (label[i] === given) mask[i] = 1;
  } else {
    const predicted = target.pred;
    for (let i = 0; i < n; i++) if (pred[i] === predicted) mask[i] = 1;
  }
  return mask;
}

/**
 * True when the selection is exactly the rows of `target`: it covers all of
 * them and nothing else (a second click on it then clears it).
 */
export function selectionIsExactly(
  counts: Int32Array,
  selected: Int32Array,
  selectedTotal: number,
  nClasses: number,
  target: Target,
): boolean {
  const size = targetCount(counts, nClasses, target);
  return size > 0 && selectedTotal === size && targetCount(selected, nClasses, target) === size;
}
