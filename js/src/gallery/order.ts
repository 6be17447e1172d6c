// Which rows the gallery shows, and in what order.
//
// Sorting runs in the browser over the decoded columns, so a new selection or
// a new sort key never waits for the kernel. A comparator sort over 1M
// positions costs ~0.5 s here; an LSD radix sort of 32-bit keys carrying the
// positions costs ~20 ms, is stable (ties keep table order) and handles NaN.

import { seededRandom } from "../lib/random";
import { drain, type Steps } from "../lib/steps";

/** The sort keys the gallery offers (same names as the Python `sort_by` trait). */
/** "issue": the table's active issue check, most severe first (lib/issue_flags.ts). */
export const SORT_KEYS = ["issue", "loss", "confidence", "margin", "label", "table"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * The direction that shows the suspects first: high loss, low confidence,
 * low (negative) margin. Label and table order read naturally ascending.
 */
export const SUSPECT_FIRST: Record<SortKey, boolean> = {
  issue: true,
  loss: true,
  confidence: false,
  margin: false,
  label: false,
  table: false,
};

export function isSortKey(value: unknown): value is SortKey {
  return typeof value === "string" && (SORT_KEYS as readonly string[]).includes(value);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * A uint32 whose unsigned order is the numeric order of `value` (as float32),
 * reversed when `descending`. NaN maps past every number, so it sorts last
 * in both directions.
 */
export function sortableKey(value: number, descending: boolean): number {
  if (Number.isNaN(value)) return 0xffffffff;
  f32[0] = value === 0 ? 0 : value; // -0 and +0 tie
  const bits = u32[0];
  // Negative floats order backwards as integers: flip all their bits; flip only
  // the sign bit of positives so they land above every negative.
  let key = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  if (descending) key = ~key >>> 0;
  // Keep the top value free for NaN.
  return key === 0xffffffff ? 0xfffffffe : key;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;

/**
 * Stable LSD radix sort of `items` by uint32 `keys` (same length), in place
 * on copies; returns the sorted items. Three passes of 11 bits.
 */
export function radixSortBy(items: Uint32Array, keys: Uint32Array): Uint32Array {
  return drain(radixSortSteps(items, keys));
}

/** Items per step of the step-wise sorts: ~10–25 ms of work here, so no task of it is long. */
const STEP_ITEMS = 1 << 20;

/**
 * {@link radixSortBy} a million items at a time: it yields within and
 * between its counting and scattering passes, so a sort of millions of rows
 * runs in tasks of tens of milliseconds while the page stays responsive.
 */
export function* radixSortSteps(items: Uint32Array, keys: Uint32Array): Steps<Uint32Array> {
  const n = items.length;
  if (keys.length !== n) throw new RangeError(`${n} items but ${keys.length} keys`);
  let srcItems = items.slice();
  let srcKeys = keys.slice();
  let dstItems = new Uint32Array(n);
  let dstKeys = new Uint32Array(n);
  const counts = new Uint32Array(RADIX);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0);
    for (let from = 0; from < n; from += STEP_ITEMS) {
      countDigits(srcKeys, shift, counts, from, Math.min(n, from + STEP_ITEMS));
      yield;
    }
    if (n === 0 || counts[(srcKeys[0] >>> shift) & RADIX_MASK] === n) continue; // all equal
    let sum = 0;
    for (let b = 0; b < RADIX; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let from = 0; from < n; from += STEP_ITEMS) {
      const to = Math.min(n, from + STEP_ITEMS);
      scatterByDigit(srcItems, srcKeys, dstItems, dstKeys, shift, counts, from, to);
      yield;
    }
    [srcItems, dstItems] = [dstItems, srcItems];
    [srcKeys, dstKeys] = [dstKeys, srcKeys];
  }
  return srcItems;
}

// The loops of a radix pass are plain functions: V8 optimises hot loops in
// them better than inside a generator.

/** Count the digits at `shift` of keys [from, to) into `counts`. */
function countDigits(
  keys: Uint32Array,
  shift: number,
  counts: Uint32Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) counts[(keys[i] >>> shift) & RADIX_MASK]++;
}

/** Move items [from, to) (and their keys) to their digit's next slot (`counts`: offsets). */
function scatterByDigit(
  srcItems: Uint32Array,
  srcKeys: Uint32Array,
  dstItems: Uint32Array,
  dstKeys: Uint32Array,
  shift: number,
  counts: Uint32Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const k = srcKeys[i];
    const at = counts[(k >>> shift) & RADIX_MASK]++;
    dstItems[at] = srcItems[i];
    dstKeys[at] = k;
  }
}

/**
 * Positions ordered by `values[position]`: stable, so ties keep the incoming
 * order; NaN (unknown) always last.
 *
 * @example sortPositions(Uint32Array.of(0, 1, 2), Float32Array.of(0.5, 2, NaN), true) // [1, 0, 2]
 */
export function sortPositions(
  positions: Uint32Array,
  values: ArrayLike<number>,
  descending: boolean,
): Uint32Array {
  return drain(sortSteps(positions, values, descending));
}

/** {@link sortPositions} one pass at a time (see {@link radixSortSteps}). */
function* sortSteps(
  positions: Uint32Array,
  values: ArrayLike<number>,
  descending: boolean,
): Steps<Uint32Array> {
  const n = positions.length;
  const keys = new Uint32Array(n);
  for (let from = 0; from < n; from += STEP_ITEMS) {
    fillSortKeys(positions, values, descending, keys, from, Math.min(n, from + STEP_ITEMS));
    yield;
  }
  return yield* radixSortSteps(positions, keys);
}

/** The uint32 sort key of each position's value (see {@link sortableKey}). */
function sortKeys(positions: Uint32Array, values: ArrayLike<number>, descending: boolean) {
  const keys = new Uint32Array(positions.length);
  fillSortKeys(positions, values, descending, keys, 0, positions.length);
  return keys;
}

/** {@link sortKeys} of positions [from, to), into `keys`. */
function fillSortKeys(
  positions: Uint32Array,
  values: ArrayLike<number>,
  descending: boolean,
  keys: Uint32Array,
  from: number,
  to: number,
): void {
  // Gather as float32 and read the bits in place: the same mapping as
  // sortableKey, without a call per element.
  const gathered = new Float32Array(keys.buffer, keys.byteOffset, keys.length);
  for (let i = from; i < to; i++) gathered[i] = values[positions[i]];
  const flip = descending ? 0xffffffff : 0;
  for (let i = from; i < to; i++) {
    let bits = keys[i];
    if ((bits & 0x7fffffff) > 0x7f800000) {
      keys[i] = 0xffffffff; // NaN
      continue;
    }
    if (bits === 0x80000000) bits = 0; // -0 ties with +0
    let key = (bits & 0x80000000 ? ~bits : bits | 0x80000000) ^ flip;
    key >>>= 0;
    keys[i] = key === 0xffffffff ? 0xfffffffe : key;
  }
}

/** Buckets of the first pass of {@link sortFirst}. */
const FIRST_BUCKETS = 1 << 16;

/**
 * Like {@link sortPositions}, but only the leading entries are promised:
 * `order[0..sorted)` is exactly the start of the full stable order (at least
 * `first` entries, or all of them), the rest follows in incoming order.
 *
 * One pass buckets the keys by value; only the buckets that hold the first
 * `first` entries are sorted. A gallery showing the first screen of a 300k
 * selection sorts a few hundred positions instead of all of them.
 */
export function sortFirst(
  positions: Uint32Array,
  values: ArrayLike<number>,
  descending: boolean,
  first: number,
): { order: Uint32Array; sorted: number } {
  const n = positions.length;
  const keys = sortKeys(positions, values, descending);
  const full = () => ({ order: radixSortBy(positions, keys), sorted: n });
  if (n <= 4 * first) return full();
  let lo = 0xffffffff;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  const scale = FIRST_BUCKETS / (hi - lo + 1);
  const counts = new Uint32Array(FIRST_BUCKETS);
  for (let i = 0; i < n; i++) counts[((keys[i] - lo) * scale) | 0]++;
  let last = 0;
  let taken = 0;
  while (taken < first) taken += counts[last++];
  // Everything in buckets [0, last) sorts before everything past them.
  if (taken > n / 4) return full();
  const headItems = new Uint32Array(taken);
  const headKeys = new Uint32Array(taken);
  const order = new Uint32Array(n);
  let h = 0;
  let t = taken;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const bucket = ((k - lo) * scale) | 0;
    if (bucket < last) {
      headItems[h] = positions[i];
      headKeys[h++] = k;
    } else {
      order[t++] = positions[i];
    }
  }
  order.set(radixSortBy(headItems, headKeys), 0);
  return { order, sorted: taken };
}

/** The columns an order may use; any of them may be missing from a table. */
export interface OrderColumns {
  /** Severity of the active issue check (highest = worst; 0 = not flagged). */
  issue?: ArrayLike<number>;
  loss?: ArrayLike<number>;
  confidence?: ArrayLike<number>;
  margin?: ArrayLike<number>;
  label?: ArrayLike<number>;
}

/**
 * The display order of `positions` (sorted table positions) for a sort key.
 *
 * "label" groups by class and puts the highest loss first inside each class,
 * so the suspects of every class lead its group. A key whose column is
 * missing falls back to table order.
 */
export function displayOrder(
  positions: Uint32Array,
  key: SortKey,
  descending: boolean,
  columns: OrderColumns,
): Uint32Array {
  return drain(displayOrderSteps(positions, key, descending, columns));
}

/** {@link displayOrder} one pass at a time (see {@link radixSortSteps}). */
export function* displayOrderSteps(
  positions: Uint32Array,
  key: SortKey,
  descending: boolean,
  columns: OrderColumns,
): Steps<Uint32Array> {
  const values = key === "table" ? undefined : columns[key];
  if (!values) return descending ? positions.slice().reverse() : positions.slice();
  let ordered = positions;
  if (key === "label" && columns.loss) {
    ordered = yield* sortSteps(positions, columns.loss, true);
    yield;
  }
  return yield* sortSteps(ordered, values, descending);
}

/** An order whose first `sorted` entries are final. */
export interface PartialOrder {
  order: Uint32Array;
  sorted: number;
  /** Steps that make the rest final in place (and `sorted` the whole length); null when it is. */
  rest: Steps<void> | null;
}

function finished(order: Uint32Array): PartialOrder {
  return { order, sorted: order.length, rest: null };
}

/**
 * {@link displayOrder} with only the first `first` entries promised (see
 * {@link sortFirst}). The rest sorts after them whatever they are, so
 * `rest` sorts only the tail, in place. A group-by-label order is sorted
 * in full at once.
 */
export function displayOrderFirst(
  positions: Uint32Array,
  key: SortKey,
  descending: boolean,
  columns: OrderColumns,
  first: number,
): PartialOrder {
  const values = key === "table" || key === "label" ? undefined : columns[key];
  if (!values) return finished(displayOrder(positions, key, descending, columns));
  const { order, sorted } = sortFirst(positions, values, descending, first);
  if (sorted === order.length) return finished(order);
  const out: PartialOrder = { order, sorted, rest: null };
  out.rest = (function* () {
    order.set(yield* sortSteps(order.subarray(sorted), values, descending), sorted);
    out.sorted = order.length;
  })();
  return out;
}

/**
 * The display order of `positions` when its first entries, `head`, are
 * already known (see {@link selectedHead}): `rest` sorts all of them.
 */
export function orderAfterHead(
  head: Uint32Array,
  positions: Uint32Array,
  key: SortKey,
  descending: boolean,
  columns: OrderColumns,
): PartialOrder {
  if (head.length === positions.length) return finished(head);
  const order = new Uint32Array(positions.length);
  order.set(head);
  const out: PartialOrder = { order, sorted: head.length, rest: null };
  out.rest = (function* () {
    order.set(yield* displayOrderSteps(positions, key, descending, columns));
    out.sorted = order.length;
  })();
  return out;
}

/** True when a float column holds at least one number (a NaN-only column cannot sort). */
export function hasValues(values: ArrayLike<number> | undefined): boolean {
  if (!values) return false;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) return true;
  return false;
}

/**
 * `k` distinct positions out of `0..n-1`, drawn with a seed, in table order.
 * Floyd's algorithm: O(k) time and memory whatever n is.
 *
 * @example randomSample(1797, 60, 0).length // 60
 */
export function randomSample(n: number, k: number, seed: number): Uint32Array {
  const take = Math.max(0, Math.min(Math.floor(k), n));
  const random = seededRandom(seed);
  const chosen = new Set<number>();
  for (let j = n - take; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Uint32Array.from(chosen).sort();
}

/**
 * Every row of an `n`-row table in the display order of a sort key, step by
 * step; null for a key with no column (or "table", which needs no sort). The
 * order a selection's rows take is this order with the other rows left out
 * (see {@link selectedHead}): the same total order as {@link displayOrder} of
 * the selection, whose ties fall to the table position, which a stable sort
 * of all rows keeps too.
 */
export function* rowOrderSteps(
  n: number,
  key: SortKey,
  descending: boolean,
  columns: OrderColumns,
): Steps<Uint32Array | null> {
  if (key === "table" || !columns[key]) return null;
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  yield;
  return yield* displayOrderSteps(rows, key, descending, columns);
}

/**
 * The first `first` rows `mask` selects, in the order of `rows` (every row of
 * the table, see {@link rowOrderSteps}): it reads only as far into `rows` as
 * they reach. (Walking all of `rows` would read the mask at random, slower
 * than sorting the selection.)
 */
export function selectedHead(rows: Uint32Array, mask: Uint8Array, first: number): Uint32Array {
  if (rows.length !== mask.length) {
    throw new RangeError(`the order has ${rows.length} rows, the selection ${mask.length}`);
  }
  // Every row read is written at the next free slot, which moves on past selected ones only.
  const head = new Uint32Array(first + 1);
  let found = 0;
  for (let read = 0; found < first && read < rows.length; read++) {
    const p = rows[read];
    head[found] = p;
    found += (mask[p] + 255) >> 8;
  }
  return head.subarray(0, found);
}
