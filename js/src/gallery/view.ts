// The gallery view: the current selection (or a seeded random sample) as a
// virtual-scrolled grid of tiles, sorted in the browser, with thumbnails
// fetched from the kernel for the visible window only.

import { h } from "../lib/dom";
import { NextFrame } from "../lib/next_frame";
import { applyMode, maskFromPositions } from "../lib/selection";
import { Background, drain } from "../lib/steps";
import type { TableClient } from "../lib/table_client";
import { DetailPanel } from "./detail";
import { RowFacts } from "./facts";
import { GalleryHeader } from "./header";
import { KernelData } from "./kernel";
import { keyCommand } from "./keys";
import {
  displayOrderFirst,
  orderAfterHead,
  type PartialOrder,
  randomSample,
  type SortKey,
  SUSPECT_FIRST,
} from "./order";
import { RowOrders } from "./row_orders";
import type { MediaKind, TileFacts } from "./tile";
import { TileGrid } from "./tile_grid";

/** Entries of a new order sorted at once (many screens of tiles); the rest when idle. */
const HEAD = 1000;

/** The synced traits of the Python Gallery (same snake_case names). */
export interface GalleryState {
  height: number;
  sort_by: string;
  descending: boolean;
  tile_size: number;
  sample_size: number;
  sample_seed: number;
  _media_kind: string;
  _can_find_similar: boolean;
}

/** The part of the anywidget model the gallery uses. */
export interface GalleryModel {
  get<K extends keyof GalleryState>(name: K): GalleryState[K];
  set<K extends keyof GalleryState>(name: K, value: GalleryState[K]): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

export class GalleryView {
  readonly root: HTMLDivElement;
  private readonly model: GalleryModel;
  private readonly table: TableClient;
  private readonly header: GalleryHeader;
  private readonly grid: TileGrid;
  private readonly detail: DetailPanel;
  private readonly kernel: KernelData;
  private readonly facts: RowFacts;
  private readonly marks = new Set<number>();
  private readonly modelEvents: [string, () => void][];
  private order: Uint32Array = new Uint32Array(0);
  /** How the order's tail gets sorted: when idle, or at once when a tile past its head is shown. */
  private partial: PartialOrder | null = null;
  /** Sorts the order's tail in the background, from the task after the frame showing its head. */
  private readonly finishFrame = new NextFrame(() => this.finishInBackground(), {
    afterPaint: true,
  });
  private finishing: Background<void> | null = null;
  /** Every row in the sort order, kept for large tables (see row_orders.ts). */
  private readonly rowOrders: RowOrders;
  private mode: "selection" | "sample" = "sample";
  private focused = -1;
  private thumbsLoaded = 0;

  constructor(model: GalleryModel, table: TableClient) {
    this.model = model;
    this.table = table;
    this.rowOrders = new RowOrders(() => table.fetching());
    const wanted = String(model.get("_media_kind"));
    const kind = (["image", "audio", "text"].includes(wanted) ? wanted : "none") as MediaKind;
    this.header = new GalleryHeader({
      sortBy: (key) => this.setSort(key, SUSPECT_FIRST[key]),
      flipDirection: () => this.setSort(this.sortKey(), !model.get("descending")),
      tileSize: (size) => this.save("tile_size", size),
      shuffle: () => this.save("sample_seed", (model.get("sample_seed") + 1) >>> 0),
      keepMarked: () => this.keepMarked(),
      removeMarked: () => this.removeMarked(),
      clearMarks: () => this.clearMarks(),
      retry: () => this.retry(),
    });
    this.kernel = new KernelData(
      table,
      (positions, size) => this.onThumbs(positions, size),
      (message) => this.header.setStatus(message, true),
      (waiting) => this.onWaiting(waiting),
    );
    this.facts = new RowFacts(table);
    this.grid = new TileGrid(kind, this.kernel, {
      order: (needed) => this.ordered(needed),
      tileSize: () => model.get("tile_size"),
      tileFacts: (index) => this.tileFacts(index),
      onTileClick: (index, event) => this.onTileClick(index, event),
      onDrawn: (first, last) => {
        Object.assign(this.root.dataset, { ready: "1", first: String(first), last: String(last) });
        table.drawn("gallery");
      },
    });
    this.detail = new DetailPanel(
      {
        row: (pos) => this.kernel.row(pos),
        thumb: (pos, size) => this.kernel.thumb(pos, size),
        play: (pos, button) => void this.kernel.player.toggle(pos, button),
        issueLabel: (type) =>
          table.issueFlags().types.find((t) => t.issue_type === type)?.label ?? type,
        findSimilar: model.get("_can_find_similar")
          ? (pos) => this.kernel.findSimilar(pos)
          : undefined,
        history: (pos) => this.kernel.history(pos),
        classNames: () => this.table.categories("label") ?? [],
      },
      kind,
      { close: () => this.closeDetail(), step: (delta) => this.step(delta) },
    );
    this.root = h(
      "div",
      {
        className: `nbdl-gallery nbdl-gallery-${kind}`,
        attrs: { tabindex: 0, "data-ready": "0", "data-media": kind },
        on: { keydown: (event) => this.onKey(event) },
      },
      this.header.el,
      // The panel overlays the grid, never the header: sort and size stay reachable.
      h("div", { className: "nbdl-gallery-body" }, this.grid.scroller, this.detail.el),
    );
    const reorder = () => this.recompute(true);
    this.modelEvents = [
      // A new sort key may need its metric column first.
      ["change:sort_by", () => this.onColumns(true)],
      ["change:descending", reorder],
      ["change:sample_size", reorder],
      ["change:sample_seed", reorder],
      [
        "change:tile_size",
        () => {
          this.updateHeader();
          this.grid.relayout();
        },
      ],
      ["change:height", () => this.applyHeight()],
    ];
    for (const [event, cb] of this.modelEvents) model.on(event, cb);
    table.on("change:selection", () => this.onSelection());
    table.on("change:column_info", () => this.onColumns());
    table.onColumns((name, complete) => {
      if (complete && this.waitingFor(name)) this.onColumns();
    });
    table.on("change:categories", () => this.recompute(false));
    table.on("change:annotations", () => this.onAnnotations());
    table.on("change:tag_names", () => this.onAnnotations());
    table.on("change:issues", () => this.onIssues(false));
    table.on("change:active_issue", () => this.onIssues(true));
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
    return this.facts.sortKey(this.model.get("sort_by"));
  }

  /** The tiles' columns are all here (see RowFacts.refresh). */
  private loaded = false;

  /** Whether column `name` (as fetched) is one the tiles may be waiting for. */
  private waitingFor(name: string): boolean {
    return ["cell", "label", "pred", "correct", "loss", "confidence", "margin"].includes(name);
  }

  private onColumns(toTop = false): void {
    this.loaded = this.facts.refresh(this.model.get("sort_by"));
    this.header.setSortKeys(this.facts.sortKeys);
    if (this.loaded) this.recompute(toTop);
  }

  /** The issue checks (or the one picked) changed: badges follow; a newly picked check
   * sorts the gallery worst first, as the user asked for that check's samples. */
  private onIssues(picked: boolean): void {
    const key = this.sortKey();
    this.facts.refreshIssues();
    this.loaded = this.facts.refresh(this.model.get("sort_by"));
    this.header.setSortKeys(this.facts.sortKeys);
    if (picked && this.facts.sortKeys.includes("issue")) {
      this.setSort("issue", SUSPECT_FIRST.issue);
      return; // the sort change recomputes
    }
    this.grid.refreshAnnotations();
    // Only an order by issue depends on the checks' flags: any other one stays (a run
    // of checks changes the flags many times, and re-sorting 5M rows each time is not free).
    if (key !== "issue" && this.sortKey() === key && this.root.dataset.sort === key) return;
    this.recompute(false);
  }

  /** Tags or corrections changed: tiles and the open sample follow, without a reload.
   * Once per frame: one kernel update fires both change:annotations and change:tag_names. */
  private readonly annotationFrame = new NextFrame(() => this.redrawAnnotations());

  private onAnnotations(): void {
    this.annotationFrame.request();
  }

  private redrawAnnotations(): void {
    this.facts.refreshAnnotations();
    this.grid.refreshAnnotations();
    this.kernel.forgetRows();
    const openPos = this.detail.pos;
    if (openPos >= 0) this.openDetail(this.order.indexOf(openPos));
  }

  /** Sorting a large selection and building its tiles is the gallery's biggest cost: do
   * it once per frame, just after the frame in which the maps and the matrix show the
   * selection (so it never holds their pixels back), not inside the lasso's mouse-up. */
  private readonly selectionFrame = new NextFrame(() => this.recompute(true), {
    afterPaint: true,
  });

  private onSelection(): void {
    this.marks.clear();
    this.selectionFrame.request();
  }

  /** New rows or a new order: rebuild the order, the header and the visible tiles. */
  private recompute(toTop: boolean): void {
    if (!this.loaded) return; // drawn once the label and metric columns arrived
    const count = this.table.selectionCount();
    const key = this.sortKey();
    const descending = this.model.get("descending");
    const columns = this.facts.orderColumns();
    const focusedPos = this.focused >= 0 ? this.order[this.focused] : -1;
    let order: PartialOrder;
    if (count > 0) {
      this.mode = "selection";
      const positions = this.table.selectionPositions();
      const head = this.rowOrders.head(
        this.table.selectionMask(),
        count,
        key,
        descending,
        columns,
        HEAD,
      );
      order =
        head === null
          ? displayOrderFirst(positions, key, descending, columns, HEAD)
          : orderAfterHead(head, positions, key, descending, columns);
    } else {
      this.mode = "sample";
      const { n } = this.table;
      const sample = randomSample(n, this.model.get("sample_size"), this.model.get("sample_seed"));
      order = displayOrderFirst(sample, key, descending, columns, HEAD);
      this.rowOrders.want(n, key, descending, columns); // ready for the first selection
    }
    this.setOrder(order);
    // A focused or open sample keeps its place, wherever in the order it lands.
    if (focusedPos >= 0 || this.detail.pos >= 0) this.finishOrder();
    this.focused = focusedPos >= 0 ? this.order.indexOf(focusedPos) : -1;
    Object.assign(this.root.dataset, {
      mode: this.mode,
      selectedCount: String(count),
      count: String(this.order.length),
      sort: key,
      descending: descending ? "1" : "0",
    });
    this.updateHeader();
    this.grid.relayout(toTop);
    // The open sample stays open while it is still shown (at its new place).
    const openPos = this.detail.pos;
    if (openPos >= 0) {
      const index = this.order.indexOf(openPos);
      if (index < 0) this.closeDetail();
      else this.openDetail(index);
    }
  }

  /**
   * A new order. Sorting a large selection is the gallery's biggest cost, and
   * a screen shows a few dozen tiles: only the head is sorted now, the rest
   * once the frame that shows the selection has been painted.
   */
  private setOrder(partial: PartialOrder): void {
    this.stopFinishing();
    this.order = partial.order;
    this.partial = partial.rest === null ? null : partial;
    if (this.partial !== null) this.finishFrame.request();
  }

  /** The order, with at least its first `needed` entries final. */
  private ordered(needed = 0): Uint32Array {
    if (this.partial !== null && needed > this.partial.sorted) this.finishOrder();
    return this.order;
  }

  /** Sort the rest of the order now (a tile past its head is shown, a sample stays focused). */
  private finishOrder(): void {
    const partial = this.partial;
    const finishing = this.finishing;
    this.stopFinishing();
    if (finishing !== null) finishing.now();
    else if (partial?.rest) drain(partial.rest);
    this.partial = null;
  }

  private finishInBackground(): void {
    const rest = this.partial?.rest;
    if (!rest) return;
    const finishing = new Background(rest, {
      idleMs: 0,
      onDone: () => {
        if (this.finishing === finishing) {
          this.finishing = null;
          this.partial = null;
        }
      },
    });
    this.finishing = finishing;
  }

  private stopFinishing(): void {
    this.finishFrame.cancel();
    this.finishing?.cancel();
    this.finishing = null;
  }

  private updateHeader(): void {
    this.header.update(
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

  private tileFacts(index: number): TileFacts {
    const pos = this.order[index];
    return {
      index,
      pos,
      ...this.facts.describe(pos, this.sortKey()),
      focused: index === this.focused,
      marked: this.marks.has(pos),
    };
  }

  private onThumbs(positions: number[], size: number): void {
    if (!this.kernel.waiting) this.header.setStatus("");
    this.thumbsLoaded += positions.length;
    this.root.dataset.thumbsLoaded = String(this.thumbsLoaded);
    this.grid.onThumbs(positions, size);
  }

  /** A busy kernel is normal (a cell is running): say so; the tiles fill in when it is free. */
  private onWaiting(waiting: boolean): void {
    this.root.dataset.waiting = waiting ? "1" : "0";
    this.header.setStatus(waiting ? "waiting for the kernel… (busy running a cell)" : "");
  }

  /** After a failed request: clear the error and ask for the visible tiles again. */
  private retry(): void {
    this.header.setStatus("");
    this.grid.relayout();
  }

  // ------------------------------------------------------- interaction
  private restyle(): void {
    this.grid.restyle(
      (index) => index === this.focused,
      (pos) => this.marks.has(pos),
    );
  }

  private onTileClick(index: number, event: MouseEvent): void {
    this.root.focus({ preventScroll: true });
    if (event.ctrlKey || event.metaKey || event.shiftKey) {
      const pos = this.order[index];
      if (this.marks.has(pos)) this.marks.delete(pos);
      else this.marks.add(pos);
      this.restyle();
      this.updateHeader();
      return;
    }
    this.openDetail(index);
  }

  private setFocus(index: number): void {
    this.focused = index;
    this.grid.reveal(index);
    this.restyle();
  }

  private openDetail(index: number): void {
    if (index < 0 || index >= this.order.length) return;
    this.setFocus(index);
    const pos = this.ordered(index + 1)[index];
    const summary = this.facts.describe(pos, "table");
    this.detail.show({ index, count: this.order.length, pos, ...summary });
    this.root.dataset.detail = String(pos);
  }

  private closeDetail(): void {
    this.detail.close();
    delete this.root.dataset.detail;
    this.root.focus({ preventScroll: true });
  }

  private step(delta: number): void {
    this.openDetail(Math.min(this.order.length - 1, Math.max(0, this.focused + delta)));
  }

  private onKey(event: KeyboardEvent): void {
    const command = keyCommand(event.key, {
      panelOpen: this.detail.isOpen,
      focused: this.focused,
      firstOnScreen: this.grid.firstOnScreen(),
      columns: this.grid.columns,
      count: this.order.length,
      marked: this.marks.size,
      hasSelection: this.mode === "selection",
    });
    if (!command) return;
    event.preventDefault();
    if (command.kind === "focus") this.setFocus(command.index);
    else if (command.kind === "open") this.openDetail(command.index);
    else if (command.kind === "close") this.closeDetail();
    else if (command.kind === "clear-marks") this.clearMarks();
    else this.table.clearSelection();
  }

  private clearMarks(): void {
    this.marks.clear();
    this.restyle();
    this.updateHeader();
  }

  private keepMarked(): void {
    if (this.marks.size === 0) return;
    this.table.setSelection(maskFromPositions([...this.marks], this.table.n));
  }

  private removeMarked(): void {
    if (this.marks.size === 0) return;
    const mask = applyMode(this.table.selectionMask(), Uint32Array.from(this.marks), "subtract");
    this.table.setSelection(mask);
  }

  /** Remove every listener, observer, timer, object URL and the table's listeners. */
  dispose(): void {
    this.selectionFrame.cancel();
    this.annotationFrame.cancel();
    this.stopFinishing();
    this.rowOrders.dispose();
    this.grid.dispose();
    for (const [event, cb] of this.modelEvents) this.model.off(event, cb);
    this.kernel.dispose();
    this.table.dispose();
    this.root.remove();
  }
}
