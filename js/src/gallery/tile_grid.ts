// The scrolled grid of tiles: only the visible window (plus a little
// overscan) exists in the DOM; scrolling rebuilds that window once per
// animation frame and asks the loader for its thumbnails, on-screen rows first.

import { h } from "../lib/dom";
import { NextFrame } from "../lib/next_frame";
import {
  type GridLayout,
  gridLayout,
  scrollToReveal,
  type TileBox,
  tilePosition,
  visibleWindow,
} from "./grid";
import type { KernelData } from "./kernel";
import type { ThumbEntry } from "./thumbs";
import {
  buildTile,
  fillMedia,
  type MediaKind,
  setTileAnnotations,
  setTileState,
  type TileFacts,
  type TileParts,
  tileBox,
} from "./tile";

const OVERSCAN_ROWS = 2;

/** What the grid asks of the view that owns it. */
export interface TileGridSource {
  /** The display order; its first `needed` entries final (the rest may still be sorting). */
  order(needed?: number): Uint32Array;
  tileSize(): number;
  tileFacts(index: number): TileFacts;
  onTileClick(index: number, event: MouseEvent): void;
  /** After each draw: the window now in the DOM. */
  onDrawn(first: number, last: number): void;
}

export class TileGrid {
  readonly scroller: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly tiles = new Map<number, TileParts>();
  private readonly kind: MediaKind;
  private readonly kernel: KernelData;
  private readonly source: TileGridSource;
  private readonly resize: ResizeObserver;
  private box: TileBox;
  private layout: GridLayout;
  private readonly frame = new NextFrame(() => this.draw());
  /**
   * The scroller's size and scroll offset as last read. Reading them after a
   * DOM write forces a layout of the whole page (the notebook around the
   * widget), so they are read only when they change: on resize and on scroll.
   */
  private size: { width: number; height: number } | null = null;
  private scrollY = 0;

  constructor(kind: MediaKind, kernel: KernelData, source: TileGridSource) {
    this.kind = kind;
    this.kernel = kernel;
    this.source = source;
    this.sizer = h("div", { className: "nbdl-gallery-sizer", attrs: { role: "listbox" } });
    this.scroller = h("div", { className: "nbdl-gallery-scroller" }, this.sizer);
    this.box = tileBox(kind, source.tileSize());
    this.layout = gridLayout(0, 0, this.box);
    this.sizer.addEventListener("click", this.onClick);
    this.scroller.addEventListener("scroll", this.onScroll, { passive: true });
    this.resize = new ResizeObserver(() => {
      this.size = null;
      this.relayout();
    });
    this.resize.observe(this.scroller);
  }

  get columns(): number {
    return this.layout.columns;
  }

  /** Index of the first tile on screen. */
  firstOnScreen(): number {
    return this.onScreen().first;
  }

  private onScreen() {
    return visibleWindow(
      this.layout,
      this.source.order().length,
      this.top(),
      this.view().height,
      0,
    );
  }

  private view(): { width: number; height: number } {
    if (this.size !== null) return this.size;
    const size = { width: this.scroller.clientWidth, height: this.scroller.clientHeight };
    if (size.width > 0) this.size = size; // not attached yet: read again next time
    return size;
  }

  /** The scroll offset, within what the current layout can scroll to. */
  private top(): number {
    const max = Math.max(0, this.layout.totalHeight - this.view().height);
    return Math.min(Math.max(0, this.scrollY), max);
  }

  private readonly onScroll = (): void => {
    this.scrollY = this.scroller.scrollTop;
    this.frame.request();
  };

  /** New order, tile size or width: every tile moves, so the window is rebuilt. */
  relayout(toTop = false): void {
    this.box = tileBox(this.kind, this.source.tileSize());
    this.layout = gridLayout(this.source.order().length, this.view().width, this.box);
    this.sizer.style.height = `${this.layout.totalHeight}px`;
    if (toTop) {
      this.scroller.scrollTop = 0;
      this.scrollY = 0;
    }
    for (const parts of this.tiles.values()) parts.root.remove();
    this.tiles.clear();
    this.draw();
  }

  /** The size thumbnails are asked for: the tile size in device pixels (at most 2×). */
  thumbSize(): number {
    const dpr = Math.min(2, Math.max(1, globalThis.devicePixelRatio || 1));
    return Math.min(512, Math.round(this.source.tileSize() * dpr));
  }

  /** Build the tiles of the visible window (and drop the rest); ask for their thumbnails. */
  private draw(): void {
    const { width, height } = this.view();
    if (width === 0) return; // not attached yet: the ResizeObserver calls back
    const top = this.top();
    const { first, last } = visibleWindow(
      this.layout,
      this.source.order().length,
      top,
      height,
      OVERSCAN_ROWS,
    );
    const order = this.source.order(last);
    for (const [index, parts] of this.tiles) {
      if (index < first || index >= last) {
        parts.root.remove();
        this.tiles.delete(index);
      }
    }
    const size = this.thumbSize();
    const tileSize = this.source.tileSize();
    const fresh = document.createDocumentFragment();
    for (let index = first; index < last; index++) {
      if (this.tiles.has(index)) continue;
      const { x, y } = tilePosition(this.layout, index);
      const parts = buildTile(this.source.tileFacts(index), this.kind, this.box, tileSize, x, y);
      const entry = this.kernel.cache.get(order[index], size);
      if (entry) this.fill(parts, entry);
      this.tiles.set(index, parts);
      fresh.append(parts.root);
    }
    this.sizer.append(fresh);
    // Room for the window several times over, so scrolling back finds it cached.
    this.kernel.cache.capacity = Math.max(1500, 4 * (last - first));
    const screen = visibleWindow(this.layout, order.length, top, height, 0);
    const wanted: number[] = [];
    for (let i = screen.first; i < screen.last; i++) wanted.push(order[i]);
    for (let i = first; i < last; i++) {
      if (i < screen.first || i >= screen.last) wanted.push(order[i]);
    }
    this.kernel.loader.want(wanted, size);
    this.source.onDrawn(first, last);
  }

  private fill(parts: TileParts, entry: ThumbEntry): void {
    fillMedia(parts, entry, this.kind, (pos, b) => void this.kernel.player.toggle(pos, b));
  }

  /** Thumbnails arrived: fill the tiles still showing those positions. */
  onThumbs(positions: number[], size: number): void {
    if (size !== this.thumbSize()) return;
    const loaded = new Set(positions);
    for (const parts of this.tiles.values()) {
      const pos = Number(parts.root.dataset.pos);
      if (!loaded.has(pos)) continue;
      const entry = this.kernel.cache.get(pos, size);
      if (entry) this.fill(parts, entry);
    }
  }

  /** Scroll tile `index` into view (building it if needed). */
  reveal(index: number): void {
    const target = scrollToReveal(this.layout, index, this.top(), this.view().height);
    if (target === null) return;
    this.scroller.scrollTop = target;
    this.scrollY = target;
    this.draw();
  }

  /** Update the focus / mark look of every built tile. */
  restyle(isFocused: (index: number) => boolean, isMarked: (pos: number) => boolean): void {
    for (const [index, parts] of this.tiles) {
      setTileState(parts.root, isFocused(index), isMarked(Number(parts.root.dataset.pos)));
    }
  }

  /** Tags or corrections changed: rewrite them on the built tiles, in place (no reload). */
  refreshAnnotations(): void {
    for (const [index, parts] of this.tiles) {
      setTileAnnotations(parts, this.source.tileFacts(index));
    }
  }

  private readonly onClick = (event: MouseEvent): void => {
    const tile = (event.target as Element).closest<HTMLElement>(".nbdl-tile");
    if (tile) this.source.onTileClick(Number(tile.dataset.index), event);
  };

  dispose(): void {
    this.frame.cancel();
    this.resize.disconnect();
    this.scroller.removeEventListener("scroll", this.onScroll);
    this.sizer.removeEventListener("click", this.onClick);
  }
}
