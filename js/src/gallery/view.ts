// The gallery view: the current selection (or a seeded random sample) as a
// virtual-scrolled grid of tiles, sorted in the browser, with thumbnails
// fetched from the kernel for the visible window only.

import { h } from "../lib/dom";
import { formatMetric } from "../lib/format";
import { applyMode, maskFromPositions, positionsOf } from "../lib/selection";
import type { NumericArray, TableClient } from "../lib/table_client";
import { AudioPlayer } from "./audio";
import { DetailPanel, type RowReply } from "./detail";
import {
  type GridLayout,
  gridLayout,
  neighbourIndex,
  scrollToReveal,
  type TileBox,
  tilePosition,
  visibleWindow,
} from "./grid";
import {
  displayOrder,
  hasValues,
  isSortKey,
  randomSample,
  SORT_KEYS,
  type SortKey,
  SUSPECT_FIRST,
} from "./order";
import { ThumbCache, type ThumbEntry, type ThumbItem, ThumbLoader } from "./thumbs";
import {
  buildTile,
  fillMedia,
  type MediaKind,
  setTileState,
  type TileParts,
  tileBox,
} from "./tile";
import { Toolbar } from "./toolbar";

/** The synced traits of the Python Gallery (same snake_case names). */
export interface GalleryState {
  height: number;
  sort_by: string;
  descending: boolean;
  tile_size: number;
  sample_size: number;
  sample_seed: number;
  _media_kind: string;
}

/** The part of the anywidget model the gallery uses. */
export interface GalleryModel {
  get<K extends keyof GalleryState>(name: K): GalleryState[K];
  set<K extends keyof GalleryState>(name: K, value: GalleryState[K]): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

const OVERSCAN_ROWS = 2;
const METRIC_NAMES: Partial<Record<SortKey, string>> = {
  loss: "loss",
  confidence: "conf",
  margin: "margin",
};

export class GalleryView {
  readonly root: HTMLDivElement;
  private readonly model: GalleryModel;
  private readonly table: TableClient;
  private readonly kind: MediaKind;
  private readonly toolbar: Toolbar;
  private readonly scroller: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly detail: DetailPanel;
  private readonly cache = new ThumbCache(1500);
  private readonly loader: ThumbLoader;
  private readonly player: AudioPlayer;
  private readonly rows = new Map<number, RowReply>();
  private readonly tiles = new Map<number, TileParts>();
  private readonly marks = new Set<number>();
  private readonly resize: ResizeObserver;
  private readonly modelEvents: [string, () => void][];
  private columns: Record<string, NumericArray | undefined> = {};
  private sortKeys: SortKey[] = ["label", "table"];
  private order: Uint32Array = new Uint32Array(0);
  private mode: "selection" | "sample" = "sample";
  private box: TileBox;
  private layout: GridLayout;
  private focused = -1;
  private frame = 0;
  private thumbsLoaded = 0;

  constructor(model: GalleryModel, table: TableClient) {
    this.model = model;
    this.table = table;
    const kind = String(model.get("_media_kind"));
    this.kind = (["image", "audio", "text"].includes(kind) ? kind : "none") as MediaKind;
    this.toolbar = new Toolbar({
      sortBy: (key) => this.setSort(key, SUSPECT_FIRST[key]),
      flipDirection: () => this.setSort(this.sortKey(), !model.get("descending")),
      tileSize: (size) => this.save("tile_size", size),
      shuffle: () => this.save("sample_seed", (model.get("sample_seed") + 1) >>> 0),
      keepMarked: () => this.keepMarked(),
      removeMarked: () => this.removeMarked(),
      clearMarks: () => this.clearMarks(),
    });
    this.sizer = h("div", { className: "nbdl-gallery-sizer", attrs: { role: "listbox" } });
    this.scroller = h("div", { className: "nbdl-gallery-scroller" }, this.sizer);
    this.player = new AudioPlayer(
      async (pos) => {
        const { reply, buffers } = await table.request<{ mime: string }>({ type: "audio", pos });
        return { mime: reply.mime, bytes: buffers[0] };
      },
      (message) => this.toolbar.setStatus(message, true),
    );
    this.detail = new DetailPanel(
      {
        row: (pos) => this.row(pos),
        thumb: (pos, size) => this.thumb(pos, size),
        play: (pos, button) => void this.player.toggle(pos, button),
      },
      this.kind,
      { close: () => this.closeDetail(), step: (delta) => this.step(delta) },
    );
    this.root = h(
      "div",
      {
        className: `nbdl-gallery nbdl-gallery-${this.kind}`,
        attrs: { tabindex: 0, "data-ready": "0", "data-media": this.kind },
        on: { keydown: (event) => this.onKey(event) },
      },
      this.toolbar.el,
      // The panel overlays the grid, never the toolbar: sort and size stay reachable.
      h("div", { className: "nbdl-gallery-body" }, this.scroller, this.detail.el),
    );
    this.loader = new ThumbLoader(
      this.cache,
      async (positions, size) => {
        const { reply, buffers } = await table.request<{ items: ThumbItem[] }>({
          type: "thumbs",
          positions,
          size,
        });
        return { items: reply.items, buffers };
      },
      (positions, size) => this.onThumbs(positions, size),
      (error) => this.toolbar.setStatus(`thumbnails: ${error.message}`, true),
    );
    this.box = tileBox(this.kind, model.get("tile_size"));
    this.layout = gridLayout(0, 0, this.box);
    this.sizer.addEventListener("click", this.onClick);
    this.scroller.addEventListener("scroll", this.schedule, { passive: true });
    this.resize = new ResizeObserver(() => this.relayout());
    this.resize.observe(this.scroller);
    const reorder = () => this.recompute(true);
    this.modelEvents = [
      ["change:sort_by", reorder],
      ["change:descending", reorder],
      ["change:sample_size", reorder],
      ["change:sample_seed", reorder],
      ["change:tile_size", () => this.relayout()],
      ["change:height", () => this.applyHeight()],
    ];
    for (const [event, cb] of this.modelEvents) model.on(event, cb);
    table.on("change:selection", () => this.onSelection());
    table.on("change:columns", () => this.onColumns());
    table.on("change:categories", () => this.recompute(false));
    this.applyHeight();
    this.onColumns();
  }

  // ------------------------------------------------------------ state
  private save<K extends keyof GalleryState>(name: K, value: GalleryState[K]): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  private setSort(key: SortKey, descending: boolean): void {
    this.model.set("sort_by", key);
    this.model.set("descending", descending);
    this.model.save_changes();
  }

  /** The key in effect: the trait when this table can sort by it, else the best one it can. */
  private sortKey(): SortKey {
    const wanted = this.model.get("sort_by");
    if (isSortKey(wanted) && this.sortKeys.includes(wanted)) return wanted;
    return this.sortKeys[0];
  }

  private onColumns(): void {
    const t = this.table;
    this.columns = Object.fromEntries(
      ["loss", "confidence", "margin", "label", "pred", "correct"].map((name) => [
        name,
        t.column(name),
      ]),
    );
    this.sortKeys = SORT_KEYS.filter(
      (key) => key === "label" || key === "table" || hasValues(this.columns[key]),
    );
    this.toolbar.setSortKeys(this.sortKeys);
    this.recompute(false);
  }

  private onSelection(): void {
    this.marks.clear();
    this.recompute(true);
  }

  /** New rows or a new order: rebuild the order, the header and the visible tiles. */
  private recompute(toTop: boolean): void {
    const count = this.table.selectionCount();
    let base: Uint32Array;
    if (count > 0) {
      this.mode = "selection";
      base = positionsOf(this.table.selectionMask());
    } else {
      this.mode = "sample";
      base = randomSample(
        this.table.n,
        this.model.get("sample_size"),
        this.model.get("sample_seed"),
      );
    }
    const key = this.sortKey();
    const descending = this.model.get("descending");
    const c = this.columns;
    const focusedPos = this.focused >= 0 ? this.order[this.focused] : -1;
    this.order = displayOrder(base, key, descending, {
      loss: c.loss,
      confidence: c.confidence,
      margin: c.margin,
      label: c.label,
    });
    this.focused = focusedPos >= 0 ? this.order.indexOf(focusedPos) : -1;
    Object.assign(this.root.dataset, {
      mode: this.mode,
      selectedCount: String(count),
      count: String(this.order.length),
      sort: key,
      descending: descending ? "1" : "0",
    });
    this.updateHeader();
    if (toTop) this.scroller.scrollTop = 0;
    this.relayout();
    // The open sample stays open while it is still shown (at its new place).
    const openPos = this.detail.pos;
    if (openPos >= 0) {
      const index = this.order.indexOf(openPos);
      if (index < 0) this.closeDetail();
      else this.openDetail(index);
    }
  }

  private updateHeader(): void {
    this.toolbar.update(
      {
        mode: this.mode,
        count: this.order.length,
        sampleSize: this.model.get("sample_size"),
        sortKey: this.sortKey(),
        descending: this.model.get("descending"),
        marked: this.marks.size,
      },
      this.model.get("tile_size"),
    );
  }

  private applyHeight(): void {
    this.root.style.height = `${this.model.get("height")}px`;
  }

  // ----------------------------------------------------------- drawing
  private relayout(): void {
    this.box = tileBox(this.kind, this.model.get("tile_size"));
    this.layout = gridLayout(this.order.length, this.scroller.clientWidth, this.box);
    this.sizer.style.height = `${this.layout.totalHeight}px`;
    // A wider tile or another column count moves every tile: rebuild the window.
    for (const parts of this.tiles.values()) parts.root.remove();
    this.tiles.clear();
    this.updateHeader();
    this.draw();
  }

  private readonly schedule = (): void => {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  };

  private thumbSize(): number {
    const dpr = Math.min(2, Math.max(1, globalThis.devicePixelRatio || 1));
    return Math.min(512, Math.round(this.model.get("tile_size") * dpr));
  }

  /** Build the tiles of the visible window (and drop the rest); ask for their thumbnails. */
  private draw(): void {
    if (this.scroller.clientWidth === 0) return; // not attached yet: the ResizeObserver calls back
    const { first, last } = visibleWindow(
      this.layout,
      this.order.length,
      this.scroller.scrollTop,
      this.scroller.clientHeight,
      OVERSCAN_ROWS,
    );
    for (const [index, parts] of this.tiles) {
      if (index < first || index >= last) {
        parts.root.remove();
        this.tiles.delete(index);
      }
    }
    const size = this.thumbSize();
    const tileSize = this.model.get("tile_size");
    const fresh = document.createDocumentFragment();
    for (let index = first; index < last; index++) {
      if (this.tiles.has(index)) continue;
      const { x, y } = tilePosition(this.layout, index);
      const parts = buildTile(this.facts(index), this.kind, this.box, tileSize, x, y);
      const entry = this.cache.get(this.order[index], size);
      if (entry) this.fill(parts, entry);
      this.tiles.set(index, parts);
      fresh.append(parts.root);
    }
    this.sizer.append(fresh);
    this.root.dataset.ready = "1";
    this.root.dataset.first = String(first);
    this.root.dataset.last = String(last);
    this.cache.capacity = Math.max(1500, 4 * (last - first));
    this.loader.want(this.visibleFirst(first, last), size);
  }

  /** The window's positions, the rows on screen before the overscan rows. */
  private visibleFirst(first: number, last: number): number[] {
    const onScreen = visibleWindow(
      this.layout,
      this.order.length,
      this.scroller.scrollTop,
      this.scroller.clientHeight,
      0,
    );
    const ordered: number[] = [];
    for (let i = onScreen.first; i < onScreen.last; i++) ordered.push(this.order[i]);
    for (let i = first; i < last; i++)
      if (i < onScreen.first || i >= onScreen.last) ordered.push(this.order[i]);
    return ordered;
  }

  private facts(index: number) {
    const pos = this.order[index];
    const c = this.columns;
    const labelNames = this.table.categories("label") ?? [];
    const predNames = this.table.categories("pred") ?? labelNames;
    const label = c.label ? (labelNames[c.label[pos]] ?? String(c.label[pos])) : "";
    const pred = c.pred ? (predNames[c.pred[pos]] ?? String(c.pred[pos])) : null;
    const key = this.sortKey();
    // Table and label order still show the loss: it is what makes a tile suspect.
    const metricKey = METRIC_NAMES[key] ? key : this.sortKeys.includes("loss") ? "loss" : null;
    const value = metricKey ? (c[metricKey] as NumericArray)[pos] : Number.NaN;
    return {
      index,
      pos,
      label,
      pred,
      wrong: c.correct ? c.correct[pos] === 0 : false,
      metric: metricKey ? `${METRIC_NAMES[metricKey]} ${formatMetric(value)}` : "",
      focused: index === this.focused,
      marked: this.marks.has(pos),
    };
  }

  private fill(parts: TileParts, entry: ThumbEntry): void {
    fillMedia(parts, entry, this.kind, (pos, button) => void this.player.toggle(pos, button));
  }

  private onThumbs(positions: number[], size: number): void {
    this.toolbar.setStatus("");
    this.thumbsLoaded += positions.length;
    this.root.dataset.thumbsLoaded = String(this.thumbsLoaded);
    if (size !== this.thumbSize()) return;
    const loaded = new Set(positions);
    for (const parts of this.tiles.values()) {
      const pos = Number(parts.root.dataset.pos);
      if (!loaded.has(pos)) continue;
      const entry = this.cache.get(pos, size);
      if (entry) this.fill(parts, entry);
    }
  }

  // ------------------------------------------------------- interaction
  private readonly onClick = (event: MouseEvent): void => {
    const tile = (event.target as Element).closest<HTMLElement>(".nbdl-tile");
    if (!tile) return;
    const index = Number(tile.dataset.index);
    this.root.focus({ preventScroll: true });
    if (event.ctrlKey || event.metaKey || event.shiftKey) {
      const pos = this.order[index];
      if (this.marks.has(pos)) this.marks.delete(pos);
      else this.marks.add(pos);
      setTileState(tile, index === this.focused, this.marks.has(pos));
      this.updateHeader();
      return;
    }
    this.openDetail(index);
  };

  private setFocus(index: number): void {
    const old = this.tiles.get(this.focused);
    this.focused = index;
    if (old) setTileState(old.root, false, this.marks.has(Number(old.root.dataset.pos)));
    const reveal = scrollToReveal(
      this.layout,
      index,
      this.scroller.scrollTop,
      this.scroller.clientHeight,
    );
    if (reveal !== null) {
      this.scroller.scrollTop = reveal;
      this.draw();
    }
    const now = this.tiles.get(index);
    if (now) setTileState(now.root, true, this.marks.has(this.order[index]));
  }

  private openDetail(index: number): void {
    if (index < 0 || index >= this.order.length) return;
    this.setFocus(index);
    const f = this.facts(index);
    this.detail.show({
      index,
      count: this.order.length,
      pos: f.pos,
      label: f.label,
      pred: f.pred,
      wrong: f.wrong,
    });
    this.root.dataset.detail = String(f.pos);
  }

  private closeDetail(): void {
    this.detail.close();
    delete this.root.dataset.detail;
    this.root.focus({ preventScroll: true });
  }

  private step(delta: number): void {
    const next = Math.min(this.order.length - 1, Math.max(0, this.focused + delta));
    this.openDetail(next);
  }

  private onKey(event: KeyboardEvent): void {
    const arrows: Record<string, "left" | "right" | "up" | "down"> = {
      ArrowLeft: "left",
      ArrowRight: "right",
      ArrowUp: "up",
      ArrowDown: "down",
    };
    const direction = arrows[event.key];
    if (direction) {
      event.preventDefault();
      if (this.detail.isOpen) this.step(direction === "left" || direction === "up" ? -1 : 1);
      else
        this.setFocus(
          neighbourIndex(
            Math.max(0, this.focused),
            direction,
            this.layout.columns,
            this.order.length,
          ),
        );
    } else if (event.key === "Enter" && !this.detail.isOpen && this.focused >= 0) {
      event.preventDefault();
      this.openDetail(this.focused);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (this.detail.isOpen) this.closeDetail();
      else if (this.marks.size > 0) this.clearMarks();
      else if (this.mode === "selection") this.table.clearSelection();
    }
  }

  private clearMarks(): void {
    this.marks.clear();
    for (const [index, parts] of this.tiles)
      setTileState(parts.root, index === this.focused, false);
    this.updateHeader();
  }

  private keepMarked(): void {
    if (this.marks.size === 0) return;
    this.table.setSelection(maskFromPositions([...this.marks], this.table.n));
  }

  private removeMarked(): void {
    if (this.marks.size === 0) return;
    this.table.setSelection(
      applyMode(this.table.selectionMask(), Uint32Array.from(this.marks), "subtract"),
    );
  }

  // --------------------------------------------------------- kernel data
  private async row(pos: number): Promise<RowReply> {
    const cached = this.rows.get(pos);
    if (cached) return cached;
    const { reply } = await this.table.request<{ rows: RowReply[] }>({
      type: "rows",
      positions: [pos],
    });
    const row = reply.rows.find((r) => r.pos === pos);
    if (!row) throw new Error(`the kernel sent no row ${pos}`);
    if (this.rows.size >= 200) this.rows.delete(this.rows.keys().next().value as number);
    this.rows.set(pos, row);
    return row;
  }

  private async thumb(pos: number, size: number): Promise<ThumbEntry> {
    const cached = this.cache.get(pos, size);
    if (cached) return cached;
    const { reply, buffers } = await this.table.request<{ items: ThumbItem[] }>({
      type: "thumbs",
      positions: [pos],
      size,
    });
    const item = reply.items[0];
    if (!item) throw new Error(`the kernel sent no thumbnail for row ${pos}`);
    return this.cache.put(item, size, buffers[0]);
  }

  /** Remove every listener, observer, timer, object URL and the table's listeners. */
  dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.resize.disconnect();
    this.scroller.removeEventListener("scroll", this.schedule);
    this.sizer.removeEventListener("click", this.onClick);
    for (const [event, cb] of this.modelEvents) this.model.off(event, cb);
    this.loader.dispose();
    this.player.stop();
    this.cache.clear();
    this.table.dispose();
    this.root.remove();
  }
}
