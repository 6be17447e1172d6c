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
import type { IssueFlags, IssuesPayload } from "./issue_flags";

export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** The synced traits of the Python TableModel (same snake_case names). */
export interface TableState {
  n_rows: number;
  columns: Record<string, Payload>;
  categories: Record<string, string[]>;
  coords: { x?: Payload; y?: Payload };
  coords_method: string;
  coords_status: string;
  thresholds: Record<string, number>;
  extra_columns: Record<string, Payload>;
  column_names: string[];
  selection: Bytes | null;
  annotations: AnnotationPayloads;
  tag_names: string[];
  issues: IssuesPayload;
  active_issue: string;
}

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

interface SharedCache {
  arrays: WeakMap<object, NumericArray>;
  selectionSource: unknown;
  selectionMask: Uint8Array;
  selectionCount: number;
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

  constructor(model: RawModel) {
    this.model = model;
    let cache = caches.get(model);
    if (!cache) {
      cache = {
        arrays: new WeakMap(),
        selectionSource: undefined,
        selectionMask: new Uint8Array(0),
        selectionCount: 0,
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

  /** A core or extra column, decoded (zero-copy) and cached. */
  column(name: string): NumericArray | undefined {
    const core = (this.model.get("columns") as Record<string, Payload>)[name];
    if (core) return this.decode(core);
    return this.decode((this.model.get("extra_columns") as Record<string, Payload>)[name]);
  }

  hasColumn(name: string): boolean {
    return this.column(name) !== undefined;
  }

  categories(name: string): string[] | undefined {
    return (this.model.get("categories") as Record<string, string[]>)[name];
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

  /** The cluster-map layout, or null when the table has none. */
  coords(): { x: Float32Array; y: Float32Array } | null {
    const c = this.model.get("coords") as TableState["coords"];
    if (!c?.x || !c.y) return null;
    return { x: this.decode(c.x) as Float32Array, y: this.decode(c.y) as Float32Array };
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
      let count = 0;
      for (let i = 0; i < mask.length; i++) count += mask[i];
      this.cache.selectionSource = src;
      this.cache.selectionMask = mask;
      this.cache.selectionCount = count;
    }
    return this.cache.selectionMask;
  }

  selectionCount(): number {
    this.selectionMask();
    return this.cache.selectionCount;
  }

  /** Replace the selection: every view redraws now; Python hears it once. */
  setSelection(mask: Uint8Array): void {
    // A DataView: the form every host (ipywidgets, marimo) sends as a binary buffer.
    const bytes = toDataView(encodeSelection(mask));
    let count = 0;
    for (let i = 0; i < mask.length; i++) count += mask[i];
    // Prime the shared cache so the views redrawing on this change skip the decode.
    this.cache.selectionSource = bytes;
    this.cache.selectionMask = mask;
    this.cache.selectionCount = count;
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
    const requestId = nextRequestId();
    return new Promise((resolve, reject) => {
      let waiting = false;
      const handler = (msg: Record<string, unknown>, buffers: DataView[]) => {
        if (msg.request_id !== requestId) return;
        this.unlisten("msg:custom", handler as never);
        clearTimeout(timer);
        if (waiting) onWaiting(false);
        if (msg.type === "error") reject(new Error(String(msg.error)));
        else resolve({ reply: msg as T, buffers: buffers ?? [] });
      };
      const timer = setTimeout(() => {
        waiting = true;
        onWaiting(true);
      }, slowMs);
      this.listen("msg:custom", handler as never);
      this.model.send({ ...content, request_id: requestId });
    });
  }

  /** Ask Python to add a column to extra_columns (colour by any column); rejects with
   * Python's error (e.g. an unknown column) instead of waiting forever. */
  async ensureColumn(name: string): Promise<void> {
    if (this.hasColumn(name)) return;
    await this.request({ type: "column", name });
    if (!this.hasColumn(name)) {
      throw new Error(`nbdatalens: the kernel did not provide column ${name}`);
    }
  }

  /** Remove every listener this client added to the shared table model. */
  dispose(): void {
    for (const [event, cb] of this.listeners.splice(0)) this.model.off(event, cb, this.context);
  }
}
