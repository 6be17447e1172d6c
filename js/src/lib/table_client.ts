// The browser side of one SampleTable, shared by every view of it.
//
// Views hold a reference to the TableModel (widget_serialization) and read
// its columns through this client. Decoded arrays are cached per model, so
// four views of one table decode each column once, and the selection mask is
// decoded once per change, not once per view.

import {
  type Bytes,
  decodeArray,
  decodeSelection,
  encodeSelection,
  type Payload,
  selectionBytesEqual,
  toDataView,
} from "./codec";
import { BuffersDropped, type ChunkHeader, type ColumnArray, ColumnAssembler } from "./columns";
import type { IssueFlags, IssuesPayload } from "./issue_flags";
import { countSelected, positionsOf } from "./selection";

/** A column as the views read it (the same arrays the chunks are assembled into). */
export type NumericArray = ColumnArray;

/** The synced traits of the Python TableModel (same snake_case names). */
export interface TableState {
  n_rows: number;
  column_info: Record<string, ColumnInfo>;
  categories: Record<string, string[]>;
  coords_method: string;
  coords_status: string;
  thresholds: Record<string, number>;
  column_names: string[];
  selection: Bytes | null;
  annotations: AnnotationPayloads;
  tag_names: string[];
  issues: IssuesPayload;
  active_issue: string;
}

/** One fetchable column: its version (new values = new version) and whether it has no
 * finite value at all. */
export interface ColumnInfo {
  version: number;
  missing: boolean;
}

/** The layout columns of the cluster map. */
export const LAYOUT_X = "@x";
export const LAYOUT_Y = "@y";
/** Derived from the confusion-cell code `label × C + pred` when the table has it. */
const FROM_CELL = new Set(["label", "pred", "correct"]);

/** The `annotations` trait: per-row arrays, each absent while no row has one. */
export interface AnnotationPayloads {
  /** Unsigned ints: bit i set when the row carries `tag_names[i]`. */
  tags?: Payload;
  /** Unsigned ints: 0 = not corrected, k = corrected to `classes[k - 1]`. */
  corrected?: Payload;
  /** Display names of the classes a correction may use. */
  classes?: string[];
}

/** The part of a Backbone widget model this module uses. */
export interface RawModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
  on(event: string, cb: (...args: never[]) => void, context?: unknown): void;
  off(event: string | null, cb?: ((...args: never[]) => void) | null, context?: unknown): void;
}

interface WidgetManagerLike {
  get_model(id: string): Promise<RawModel>;
}

interface HeldColumn {
  version: number;
  array: NumericArray;
  categories: string[] | undefined;
  /** [low, high] of a quantised float column: its finite extent, known from the first chunk. */
  extent: [number, number] | undefined;
  /** How many of its chunks have arrived (while it is partial). */
  chunks?: number;
}

/** Told which column got a chunk, and whether that column is now complete. */
export type ColumnListener = (name: string, complete: boolean) => void;

interface SharedCache {
  arrays: WeakMap<object, NumericArray>;
  /** Complete columns by name (the newest version fetched). */
  held: Map<string, HeldColumn>;
  /** `name@version` being fetched → the promise of its arrival. */
  pending: Map<string, Promise<void>>;
  /** Columns still arriving: their arrays so far (rows not yet here are NaN or 0). */
  partial: Map<string, HeldColumn>;
  /** Called after each chunk of a column, for every view of the page. */
  listeners: Set<ColumnListener>;
  /** Arrays derived from the cell codes: label, pred, correct. */
  derived: Map<string, { from: NumericArray; array: NumericArray }>;
  /** The host dropped a binary buffer once: ask for base64 text from then on. */
  base64: boolean;
  selectionSource: unknown;
  selectionMask: Uint8Array;
  selectionCount: number;
  /** Sorted positions of `selectionMask`, made on first use (null until then). */
  selectionPositions: Uint32Array | null;
}

// Each view is its own bundle with its own copy of this module, so a module-level
// cache would be per view; the registry on globalThis makes it one per page.
const registry = globalThis as { [key: symbol]: WeakMap<RawModel, SharedCache> | undefined };
const CACHES = Symbol.for("nbdatalens.tableCaches");
registry[CACHES] ??= new WeakMap<RawModel, SharedCache>();
const caches = registry[CACHES];
const PAGE_SELECTIONS = Symbol.for("nbdatalens.pageSelections");
const pageRegistry = globalThis as { [key: symbol]: WeakSet<object> | undefined };
pageRegistry[PAGE_SELECTIONS] ??= new WeakSet<object>();
const pageSelections = pageRegistry[PAGE_SELECTIONS];

/** True when `value` is a selection a view of this page wrote (not one the kernel sent):
 * shared by every bundle of the page, like the caches. */
export function isPageSelection(value: unknown): boolean {
  return typeof value === "object" && value !== null && pageSelections.has(value);
}
let requestCounter = 0;
/** Tells this bundle's requests from another bundle's on the same shared model: every view
 * is its own bundle with its own counter, so a clock + counter id could repeat. */
const BUNDLE_ID =
  typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** A unique request id (unique across the bundles of one page). */
export function nextRequestId(): string {
  requestCounter += 1;
  return `${BUNDLE_ID}-${requestCounter}`;
}

/** How a request tells its caller that the kernel is slow to answer, and later that it did. */
export type WaitingListener = (waiting: boolean) => void;

export class TableClient {
  readonly model: RawModel;
  private readonly context = {};
  private readonly cache: SharedCache;
  /** Every listener this client added, removed one by one on dispose: marimo's model
   * ignores the context argument of `off`, and `off(null, null)` there would drop the
   * listeners of every other view of the shared table too. */
  private readonly listeners: [string, (...args: never[]) => void][] = [];
  private readonly ownListeners: ColumnListener[] = [];
  private drawnSent = false;

  constructor(model: RawModel) {
    this.model = model;
    let cache = caches.get(model);
    if (!cache) {
      cache = {
        arrays: new WeakMap(),
        held: new Map(),
        pending: new Map(),
        partial: new Map(),
        listeners: new Set(),
        derived: new Map(),
        base64: false,
        selectionSource: undefined,
        selectionMask: new Uint8Array(0),
        selectionCount: 0,
        selectionPositions: null,
      };
      caches.set(model, cache);
    }
    this.cache = cache;
  }

  /** Resolve the table referenced by a view model's `table` trait. */
  static async fromView(view: {
    get(name: string): unknown;
    widget_manager: unknown;
  }): Promise<TableClient> {
    const ref = view.get("table");
    if (typeof ref !== "string" || !ref.startsWith("IPY_MODEL_")) {
      throw new Error(`nbdatalens: the view has no table reference (got ${String(ref)})`);
    }
    const manager = view.widget_manager as WidgetManagerLike;
    return new TableClient(await manager.get_model(ref.slice("IPY_MODEL_".length)));
  }

  get n(): number {
    return this.model.get("n_rows") as number;
  }

  private decode(payload: Payload | undefined): NumericArray | undefined {
    if (!payload) return undefined;
    // A host that re-encodes buffers may deliver a base64 string: key those by the payload.
    const key = typeof payload.buffer === "object" ? payload.buffer : payload;
    let arr = this.cache.arrays.get(key);
    if (!arr) {
      arr = decodeArray(payload) as NumericArray;
      this.cache.arrays.set(key, arr);
    }
    return arr;
  }

  /** What the kernel says about column `name` (undefined: not fetchable yet). */
  columnInfo(name: string): ColumnInfo | undefined {
    return (this.model.get("column_info") as Record<string, ColumnInfo> | undefined)?.[name];
  }

  /** The column the page fetches for `name` (label, pred and correct come inside "cell"). */
  sourceOf(name: string): string {
    return FROM_CELL.has(name) && this.columnInfo("cell") ? "cell" : name;
  }

  /** A column this page holds, or undefined until it has arrived (see {@link want}). */
  column(name: string): NumericArray | undefined {
    const source = this.sourceOf(name);
    const held = this.cache.held.get(source);
    if (held === undefined) return undefined;
    if (source === name) return held.array;
    return this.derive(name, held.array);
  }

  private derive(name: string, cell: NumericArray, cache = true): NumericArray {
    const known = this.cache.derived.get(name);
    if (cache && known && known.from === cell) return known.array;
    const c = Math.max(1, (this.categories("label") ?? []).length);
    const out = new Uint8Array(cell.length);
    const wide = c > 16 ? new Uint16Array(cell.length) : null;
    for (let i = 0; i < cell.length; i++) {
      const v = cell[i];
      const label = Math.floor(v / c);
      const pred = v - label * c;
      const x = name === "label" ? label : name === "pred" ? pred : label === pred ? 1 : 0;
      if (wide) wide[i] = x;
      else out[i] = x;
    }
    const array = name !== "correct" && wide ? wide : out;
    if (cache) this.cache.derived.set(name, { from: cell, array });
    return array;
  }

  /** Tell the kernel, once per view, that the view has drawn its data: `show()` holds the
   * issue checks back until its views have (TableModel.when_drawn), so that they do not
   * take the kernel and a core from the drawing. */
  drawn(view: string): void {
    if (this.drawnSent) return;
    this.drawnSent = true;
    this.request({ type: "drawn", view }).catch(() => {});
  }

  /** True while some view of the page waits for columns from the kernel. */
  fetching(): boolean {
    return this.cache.pending.size > 0;
  }

  hasColumn(name: string): boolean {
    return this.column(name) !== undefined;
  }

  /** The column as far as it has arrived: complete, or the rows of the chunks so far
   * (a float column's missing rows are NaN, so a scatter draws only what is here). */
  partialColumn(name: string): NumericArray | undefined {
    const whole = this.column(name);
    if (whole !== undefined) return whole;
    const source = this.sourceOf(name);
    const partial = this.cache.partial.get(source)?.array;
    if (partial === undefined || source === name) return partial;
    return this.derive(name, partial, false); // from the cell codes so far, not cached
  }

  /** How many chunks of a partly arrived column (or of the column it derives from) are
   * here; -1 when the column is whole or nothing of it has arrived. Its partial rows
   * change only when this does. */
  partialChunks(name: string): number {
    if (this.column(name) !== undefined) return -1;
    return this.cache.partial.get(this.sourceOf(name))?.chunks ?? -1;
  }

  /** [low, high] of a quantised float column (its finite extent), once a chunk is here. */
  extent(name: string): [number, number] | undefined {
    return (this.cache.held.get(name) ?? this.cache.partial.get(name))?.extent;
  }

  /**
   * True when every column in `names` is here (at some version); otherwise asks for
   * the missing or outdated ones and returns false: the view draws when
   * {@link onColumns} says they arrived. Fetch errors are logged, not thrown.
   */
  ready(names: readonly string[]): boolean {
    this.want(names).catch((err: unknown) =>
      console.warn(`nbdatalens: cannot fetch ${names.join(", ")}:`, err),
    );
    return names.every((name) => this.column(name) !== undefined);
  }

  categories(name: string): string[] | undefined {
    const held = this.cache.held.get(name) ?? this.cache.partial.get(name);
    return held?.categories ?? (this.model.get("categories") as Record<string, string[]>)[name];
  }

  /** Call `cb` after each chunk of a column arrives (whichever view of the page asked). */
  onColumns(cb: ColumnListener): void {
    this.cache.listeners.add(cb);
    this.ownListeners.push(cb);
    // New values in the kernel (a new layout, corrected labels): fetch what is held again.
    this.listen("change:column_info", () => this.refetchChanged());
  }

  /**
   * Fetch the columns in `names` this page does not hold at their current version,
   * in one request (chunks interleaved by rows); resolves when all have arrived.
   * Names the kernel does not list are asked for too (a user column to colour by):
   * the kernel answers those with an error, which rejects.
   */
  want(names: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const ask: string[] = [];
    for (const name of new Set(names.map((n) => this.sourceOf(n)))) {
      const version = this.columnInfo(name)?.version ?? 0;
      if ((this.cache.held.get(name)?.version ?? -1) >= version) continue;
      const key = `${name}@${version}`;
      const pending = this.cache.pending.get(key);
      if (pending) waits.push(pending);
      else ask.push(name);
    }
    if (ask.length > 0) {
      const fetch = this.fetchColumns(ask);
      for (const name of ask) {
        const key = `${name}@${this.columnInfo(name)?.version ?? 0}`;
        const done = fetch.finally(() => this.cache.pending.delete(key));
        done.catch(() => undefined); // rejects for whoever waits on it, not unhandled
        this.cache.pending.set(key, done);
      }
      waits.push(fetch);
    }
    return Promise.all(waits).then(() => undefined);
  }

  private async fetchColumns(names: string[]): Promise<void> {
    try {
      await this.fetchOnce(names, this.cache.base64);
    } catch (err) {
      if (!(err instanceof BuffersDropped) || this.cache.base64) throw err;
      this.cache.base64 = true; // this host drops binary buffers: base64 text from now on
      await this.fetchOnce(names, true);
    } finally {
      for (const name of names) this.cache.partial.delete(name); // a failed fetch left rows out
    }
  }

  private fetchOnce(names: string[], base64: boolean): Promise<void> {
    const parts = new Map<string, ColumnAssembler>();
    return this.stream({ type: "column", names, base64 }, (msg, buffers) => {
      const header = msg as unknown as ChunkHeader;
      let part = parts.get(header.name);
      if (!part) {
        part = new ColumnAssembler(header);
        parts.set(header.name, part);
      }
      part.add(header, buffers[0]);
      const column: HeldColumn = {
        version: part.version,
        array: part.array,
        categories: part.categories,
        extent: header.encoding === "linear" ? [header.low ?? 0, header.high ?? 0] : undefined,
        chunks: part.received,
      };
      const held = this.cache.held.get(header.name);
      if (part.complete) {
        this.cache.partial.delete(header.name);
        if ((held?.version ?? -1) <= part.version) this.cache.held.set(header.name, column);
      } else if (held === undefined) {
        this.cache.partial.set(header.name, column);
      }
      for (const cb of [...this.cache.listeners]) cb(header.name, part.complete);
      return parts.size === names.length && [...parts.values()].every((p) => p.complete);
    });
  }

  /** A per-row annotation array (`tags` bitmask or `corrected` shifted codes), decoded and
   * cached; undefined while no row has one. */
  annotationColumn(name: "tags" | "corrected"): NumericArray | undefined {
    const annotations = this.model.get("annotations") as AnnotationPayloads | undefined;
    return this.decode(annotations?.[name]);
  }

  /** The class names `annotationColumn("corrected")` codes index (shifted by one). */
  annotationClasses(): string[] {
    return (this.model.get("annotations") as AnnotationPayloads | undefined)?.classes ?? [];
  }

  /** The tags in use, in bit order of `annotationColumn("tags")`. */
  tagNames(): string[] {
    return (this.model.get("tag_names") as string[] | undefined) ?? [];
  }

  /** The issue checks' results: the types in display order and each one's flagged rows
   * (worst first), decoded and cached like the columns. */
  issueFlags(): IssueFlags {
    const state = (this.model.get("issues") as IssuesPayload | undefined) ?? {};
    const flagged = new Map<string, ArrayLike<number>>();
    for (const [name, payload] of Object.entries(state.flagged ?? {})) {
      const rows = this.decode(payload);
      if (rows) flagged.set(name, rows);
    }
    return { types: state.types ?? [], flagged };
  }

  /** The cluster-map layout, or null while it has not arrived (or the table has none). */
  coords(): { x: Float32Array; y: Float32Array } | null {
    const x = this.column(LAYOUT_X);
    const y = this.column(LAYOUT_Y);
    return x && y ? { x: x as Float32Array, y: y as Float32Array } : null;
  }

  /** Re-fetch the held columns whose version changed (new values in the kernel). */
  refetchChanged(): void {
    const stale = [...this.cache.held].filter(
      ([name, held]) => (this.columnInfo(name)?.version ?? held.version) > held.version,
    );
    if (stale.length > 0) {
      this.want(stale.map(([name]) => name)).catch((err: unknown) =>
        console.warn("nbdatalens: cannot refresh columns:", err),
      );
    }
  }

  get<K extends keyof TableState>(name: K): TableState[K] {
    return this.model.get(name) as TableState[K];
  }

  /** The selection as a mask (1 = selected), decoded once per change for all views. */
  selectionMask(): Uint8Array {
    const src = this.model.get("selection");
    const n = this.n;
    const cache = this.cache;
    if (
      src !== cache.selectionSource &&
      cache.selectionMask.length === n &&
      selectionBytesEqual(src as Bytes | null, cache.selectionSource as Bytes | null)
    ) {
      cache.selectionSource = src; // the kernel's echo of what the page set: same rows
    }
    if (src !== this.cache.selectionSource || this.cache.selectionMask.length !== n) {
      const mask = decodeSelection(src as Bytes | null, n);
      const count = countSelected(mask);
      this.cache.selectionSource = src;
      this.cache.selectionMask = mask;
      this.cache.selectionCount = count;
      this.cache.selectionPositions = null;
    }
    return this.cache.selectionMask;
  }

  /**
   * Sorted positions of the selected rows, made once per selection for every
   * view: a view that draws or counts only the selected rows walks these
   * instead of testing all N rows (a third of a 5M-row table is 1.6M reads,
   * not 5M mispredicted branches).
   */
  selectionPositions(): Uint32Array {
    const mask = this.selectionMask();
    this.cache.selectionPositions ??= positionsOf(mask, this.cache.selectionCount);
    return this.cache.selectionPositions;
  }

  selectionCount(): number {
    this.selectionMask();
    return this.cache.selectionCount;
  }

  /** Replace the selection: every view redraws now; Python hears it once. */
  setSelection(mask: Uint8Array): void {
    // A DataView: the form every host (ipywidgets, marimo) sends as a binary buffer.
    const count = countSelected(mask);
    const bytes = toDataView(encodeSelection(mask, count));
    // Prime the shared cache so the views redrawing on this change skip the decode.
    this.cache.selectionSource = bytes;
    this.cache.selectionMask = mask;
    this.cache.selectionCount = count;
    this.cache.selectionPositions = null;
    pageSelections.add(bytes);
    this.model.set("selection", bytes);
    this.model.save_changes();
  }

  clearSelection(): void {
    this.setSelection(new Uint8Array(this.n));
  }

  /** Listen to a table event; removed by dispose().
   *
   * `change:selection` fires only when the selected rows differ from the ones
   * this view last handled: ipywidgets sends every selection the page sets
   * back from the kernel as a new object, and handling that echo would redo
   * every view's decode, recount and redraw (twice the work per lasso).
   */
  on(event: string, cb: (...args: never[]) => void): void {
    if (event !== "change:selection") {
      this.listen(event, cb);
      return;
    }
    let seen = this.model.get("selection"); // per listener: each handles every real change
    const filtered = (...args: never[]) => {
      const src = this.model.get("selection");
      const same = selectionBytesEqual(src as Bytes | null, seen as Bytes | null);
      seen = src;
      if (!same) cb(...args);
    };
    this.listen(event, filtered);
  }

  private listen(event: string, cb: (...args: never[]) => void): void {
    this.listeners.push([event, cb]);
    this.model.on(event, cb, this.context);
  }

  private unlisten(event: string, cb: (...args: never[]) => void): void {
    const index = this.listeners.findIndex(([e, c]) => e === event && c === cb);
    if (index >= 0) this.listeners.splice(index, 1);
    this.model.off(event, cb, this.context);
  }

  /**
   * Send a request to Python and resolve with its reply (matched by request_id).
   *
   * A notebook kernel is busy most of the time (a training cell runs for
   * minutes) and answers comm messages only when the cell ends, so no answer
   * after `slowMs` is not a failure: `onWaiting(true)` says so, the request
   * keeps waiting, and `onWaiting(false)` follows when the answer comes. Only
   * an error reply rejects (or `dispose`, which drops the listener).
   */
  request<T = Record<string, unknown>>(
    content: Record<string, unknown>,
    slowMs = 20000,
    onWaiting: WaitingListener = () => {},
  ): Promise<{ reply: T; buffers: DataView[] }> {
    let result: { reply: T; buffers: DataView[] } | null = null;
    return this.stream(
      content,
      (msg, buffers) => {
        result = { reply: msg as T, buffers };
        return true;
      },
      slowMs,
      onWaiting,
    ).then(() => result as unknown as { reply: T; buffers: DataView[] });
  }

  /** Like {@link request} for a reply of several messages: `onMessage` gets each one and
   * returns true at the last; an error reply, or an exception in `onMessage`, rejects. */
  stream(
    content: Record<string, unknown>,
    onMessage: (msg: Record<string, unknown>, buffers: DataView[]) => boolean,
    slowMs = 20000,
    onWaiting: WaitingListener = () => {},
  ): Promise<void> {
    const requestId = nextRequestId();
    return new Promise((resolve, reject) => {
      let waiting = false;
      const finish = () => {
        this.unlisten("msg:custom", handler as never);
        clearTimeout(timer);
        if (waiting) onWaiting(false);
      };
      const handler = (msg: Record<string, unknown>, buffers: DataView[]) => {
        if (msg.request_id !== requestId) return;
        if (msg.type === "error") {
          finish();
          reject(new Error(String(msg.error)));
          return;
        }
        try {
          if (!onMessage(msg, buffers ?? [])) return;
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        waiting = true;
        onWaiting(true);
      }, slowMs);
      this.listen("msg:custom", handler as never);
      this.model.send({ ...content, request_id: requestId });
    });
  }

  /** Fetch one column (colour by any column); rejects with Python's error (e.g. an
   * unknown column) instead of waiting forever. */
  async ensureColumn(name: string): Promise<void> {
    await this.want([name]);
    if (!this.hasColumn(name)) {
      throw new Error(`nbdatalens: the kernel did not provide column ${name}`);
    }
  }

  /** Remove every listener this client added to the shared table model. */
  dispose(): void {
    for (const [event, cb] of this.listeners.splice(0)) this.model.off(event, cb, this.context);
    for (const cb of this.ownListeners.splice(0)) this.cache.listeners.delete(cb);
  }
}
