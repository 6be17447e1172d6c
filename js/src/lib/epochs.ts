// Per-epoch data of a table: the predicted class of every sample after one
// epoch, fetched from the kernel only when a view first needs that epoch
// (`{type: "epoch_pred", epoch}` on the table model), and cached once per
// page for every view of the table. Plus the pure helpers the epoch slider,
// the recall chart and the detail panel's history share.

import { type DType, decodeArray } from "./codec";
import type { NumericArray, TableClient } from "./table_client";

/** The `epoch_pred` reply: one epoch's class codes as one binary buffer. */
export interface EpochPredReply {
  epoch: number;
  dtype: string;
  shape: number[];
}

interface EpochCache {
  columns: Map<number, NumericArray>;
  pending: Map<number, Promise<NumericArray>>;
}

// One cache per table model and page (each view bundle has its own copy of this module).
const registry = globalThis as { [key: symbol]: WeakMap<object, EpochCache> | undefined };
const CACHES = Symbol.for("nbdatalens.epochCaches");
registry[CACHES] ??= new WeakMap<object, EpochCache>();
const caches = registry[CACHES];

/** The per-epoch predicted classes of one table, fetched lazily, one epoch per request. */
export class EpochColumns {
  private readonly cache: EpochCache;

  constructor(private readonly table: TableClient) {
    let cache = caches.get(table.model);
    if (!cache) {
      cache = { columns: new Map(), pending: new Map() };
      caches.set(table.model, cache);
    }
    this.cache = cache;
  }

  /** The codes of `epoch` if they have arrived, else undefined (never waits). */
  peek(epoch: number): NumericArray | undefined {
    return this.cache.columns.get(epoch);
  }

  /** The codes of `epoch`: from the cache, or asked of the kernel once (concurrent calls share it). */
  get(epoch: number): Promise<NumericArray> {
    const have = this.cache.columns.get(epoch);
    if (have) return Promise.resolve(have);
    const waiting = this.cache.pending.get(epoch);
    if (waiting) return waiting;
    const request = this.table
      .request<EpochPredReply>({ type: "epoch_pred", epoch })
      .then(({ reply, buffers }) => {
        const column = decodeEpochColumn(reply, buffers[0], this.table.n);
        this.cache.columns.set(epoch, column);
        return column;
      })
      .finally(() => this.cache.pending.delete(epoch));
    this.cache.pending.set(epoch, request);
    return request;
  }
}

/** Decode an `epoch_pred` reply's buffer, checking it has one code per row. */
export function decodeEpochColumn(
  reply: EpochPredReply,
  buffer: DataView | undefined,
  nRows: number,
): NumericArray {
  if (!buffer) throw new Error(`the kernel sent no predictions for epoch ${reply.epoch}`);
  if (reply.shape.length !== 1 || reply.shape[0] !== nRows) {
    throw new RangeError(`epoch ${reply.epoch}: ${reply.shape[0]} codes for ${nRows} rows`);
  }
  return decodeArray({ dtype: reply.dtype as DType, shape: reply.shape, buffer }) as NumericArray;
}

/**
 * The slider's text. Epochs are 0-based indices, as in Python (`cm.epoch`,
 * the `learned_epoch` column), shown against the last one; the position
 * after the last epoch (`epoch === null`) is the final predictions.
 *
 * @example epochText(2, 12) // "epoch 2 / 11"
 */
export function epochText(epoch: number | null, nEpochs: number): string {
  return epoch === null ? "final" : `epoch ${epoch} / ${nEpochs - 1}`;
}

/** Slider position (0..E, E = final) ⇄ the `epoch` trait (index or null). */
export function epochOfSlider(value: number, nEpochs: number): number | null {
  return value >= nEpochs ? null : Math.max(0, Math.floor(value));
}

export function sliderOfEpoch(epoch: number | null, nEpochs: number): number {
  return epoch === null ? nEpochs : Math.min(Math.max(0, epoch), nEpochs);
}

/** The next position of a playing slider: final → back to epoch 0, wrapping. */
export function nextPlayPosition(value: number, nEpochs: number): number {
  return value >= nEpochs ? 0 : value + 1;
}

/** One run of equal predictions over consecutive epochs (`code` null = unknown). */
export interface PredRun {
  code: number | null;
  from: number;
  to: number;
}

/**
 * Compress a per-epoch prediction sequence into runs.
 *
 * @example predRuns([3, 3, 8, 8, 8]) // [{code: 3, from: 0, to: 1}, {code: 8, from: 2, to: 4}]
 */
export function predRuns(preds: readonly (number | null)[]): PredRun[] {
  const runs: PredRun[] = [];
  preds.forEach((code, e) => {
    const last = runs[runs.length - 1];
    if (last && last.code === code) last.to = e;
    else runs.push({ code, from: e, to: e });
  });
  return runs;
}

/**
 * SVG polyline segments of a series of values in [0, 1] over `width` × `height`
 * (value 1 at the top); a null value breaks the line. One point per epoch,
 * evenly spaced; a single epoch sits in the middle.
 *
 * @example linePoints([0, 1], 10, 10) // ["0,10 10,0"]
 */
export function linePoints(
  values: readonly (number | null)[],
  width: number,
  height: number,
): string[] {
  const n = values.length;
  const x = (e: number) => (n <= 1 ? width / 2 : (e * width) / (n - 1));
  const y = (v: number) => (1 - Math.min(1, Math.max(0, v))) * height;
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((v, e) => {
    if (v === null || Number.isNaN(v)) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    current.push(`${round2(x(e))},${round2(y(v))}`);
  });
  if (current.length) segments.push(current.join(" "));
  return segments;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/**
 * The first epoch from which a class's recall stays at or above `level`
 * (null if it never does): "class 5 is learned by epoch 6".
 */
export function learnedBy(recall: readonly (number | null)[], level: number): number | null {
  let from: number | null = null;
  recall.forEach((v, e) => {
    if (v === null || v < level) from = null;
    else if (from === null) from = e;
  });
  return from;
}

/** Column `c` of an E × C table (rows = epochs), e.g. one class's recall over epochs. */
export function seriesOf(
  table: readonly (readonly (number | null)[])[],
  c: number,
): (number | null)[] {
  return table.map((row) => row[c] ?? null);
}
