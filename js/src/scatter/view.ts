// One scatter view (data map or cluster map) wired to the shared table.
//
// State other views share (selection, columns, layout) is read from the
// TableClient; state of this view alone (viewport, hover, drawing) stays
// here. Frames are drawn on requestAnimationFrame, at most one per frame.
// The view asks for its columns when it first draws them; while their chunks
// arrive it draws the rows that are here, a few times a second.

import type { AnyModel } from "@anywidget/types";
import { parseCssColor, readTheme, type Theme } from "../lib/colors";
import type { Point } from "../lib/lasso";
import { NextFrame } from "../lib/next_frame";
import type { TableClient } from "../lib/table_client";
import { applyTheme, watchTheme } from "../lib/theme";
import { CoordsAnimation } from "./animation";
import {
  CLUSTER_MAP_MARGINS,
  DATA_MAP_MARGINS,
  DEFAULT_REGION_THRESHOLDS,
  type RegionThresholds,
} from "./axes";
import { ScatterChrome } from "./chrome";
import { type Coloring, maskOfIndex, packedPalettes } from "./coloring";
import { attachGestures, type MouseMode } from "./gestures";
import { Picking } from "./picking";
import { autoDiameter, PlotCanvases, type Scene, VECTOR_LIMIT } from "./renderer";
import {
  axisColumns,
  colourableColumns,
  loadPoints,
  pointBounds,
  type ResolvedColoring,
  resolveColoring,
  type ScatterKind,
} from "./source";
import { groupByColor } from "./vector";
import {
  domainOf,
  fitDomain,
  panBy,
  resized,
  toScreenX,
  toScreenY,
  type Viewport,
  zoomAt,
  zoomLevel,
} from "./viewport";

/** The view model's synced traits (same names as the Python class). */
export interface ScatterTraits {
  [key: string]: unknown;
  kind: ScatterKind;
  color_by: string;
  point_size: number;
  mode: MouseMode;
  height: number;
}

/** A full redraw slower than this is replaced by a moved copy of the last frame during drags. */
const FAST_FRAME_MS = 14;
/**
 * After the last wheel or drag event, wait this long before drawing every
 * point again: longer than the gap between the events of one trackpad or
 * wheel gesture (≈ 16–50 ms), short enough that the full frame follows a
 * single wheel step within ~100 ms at 1M points.
 */
const SETTLE_MS = 60;
/** While columns arrive, draw the rows so far at most this often, and never more often
 * than lets a partial redraw (colouring and raster) take one ninth of the main thread:
 * at 5M rows one costs ~100 ms, and every ms of it delays the columns still arriving
 * (the page reads its websocket on the main thread). */
const PARTIAL_DRAW_MS = 300;
const PARTIAL_DRAW_SHARE = 8;
/** After a full frame, rest this long before preparing the next selection's frame:
 * sooner than the point index and the gallery's row order start (200 and 400 ms),
 * since the next lasso's frame needs it most. */
const PREPARE_DELAY_MS = 100;
/** The data map's fixed axes: variability 0..0.5, confidence 0..1, with a little air. */
const DATA_MAP_DOMAIN = { x0: -0.0125, x1: 0.5125, y0: -0.025, y1: 1.025 };

export class ScatterView {
  readonly root: HTMLDivElement;
  private readonly model: AnyModel<ScatterTraits>;
  private readonly table: TableClient;
  private readonly kind: ScatterKind;
  private readonly chrome: ScatterChrome;
  private readonly canvases: PlotCanvases;
  private readonly picking: Picking;
  private readonly disposers: Array<() => void> = [];
  private theme: Theme;
  private xs: ArrayLike<number> | null = null;
  private ys: ArrayLike<number> | null = null;
  /** The point or colour columns are still arriving. */
  private loading = true;
  /** The columns this view draws from (as fetched: label comes inside "cell"). */
  private sources = new Set<string>();
  private partialTimer: ReturnType<typeof setTimeout> | null = null;
  /** What the last reload (columns, colours, fit) cost; see PARTIAL_DRAW_SHARE. */
  private reloadMs = 0;
  private resolved: ResolvedColoring | null = null;
  private palettes: Scene["palettes"] | null = null;
  private groups: Scene["groups"] = null;
  private viewport: Viewport | null = null;
  private fitted: Viewport | null = null;
  private userMoved = false;
  private highlight: Uint8Array | null = null;
  private drawing: { kind: "lasso" | "box"; path: Point[] } | null = null;
  private readonly frame = new NextFrame(() => this.draw());
  private wantFull = false;
  private interacting = false;
  private lastFullMs = 0;
  /** What drawing every point at a new place last cost (a selection frame is cheaper). */
  private lastPlaceMs = 0;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private animation: CoordsAnimation | null = null;
  private prepareTimer: ReturnType<typeof setTimeout> | null = null;

  private get coloring(): Coloring | null {
    return this.resolved?.coloring ?? null;
  }

  constructor(model: AnyModel<ScatterTraits>, table: TableClient) {
    this.model = model;
    this.table = table;
    this.kind = model.get("kind") === "data_map" ? "data_map" : "cluster_map";
    this.chrome = new ScatterChrome(this.kind, {
      onColorBy: (name) => this.setTrait("color_by", name),
      onMode: (mode) => this.setTrait("mode", mode),
      onReset: () => this.resetView(),
      onLegendClick: (entry, ev) => {
        if (this.coloring)
          this.picking.select(maskOfIndex(this.coloring.colorIndex, entry.index), ev);
      },
      onLegendHover: (entry) => {
        const c = this.coloring;
        this.highlight = entry && c ? maskOfIndex(c.colorIndex, entry.index) : null;
        this.request(true);
      },
    });
    this.root = this.chrome.root;
    this.canvases = new PlotCanvases(this.chrome.plot);
    this.theme = readTheme(this.root);
    this.picking = new Picking(
      table,
      this.chrome,
      () => ({
        xs: this.xs,
        ys: this.ys,
        viewport: this.viewport,
        busy: this.interacting || this.animation !== null,
        colorBy: this.colorBy(),
        plotOffset: [this.canvases.margins.left, this.canvases.margins.top],
      }),
      () => this.request(false),
    );
  }

  /** Wire listeners and draw; call once the root is in the document. */
  start(): void {
    const onModel = (event: string, fn: () => void) => {
      this.model.on(event, fn);
      this.disposers.push(() => this.model.off(event as "change:kind", fn));
    };
    onModel("change:color_by", () => this.reload()); // may fetch the new column
    onModel("change:point_size", () => this.request(true));
    onModel("change:mode", () => this.chrome.setMode(this.model.get("mode")));
    onModel("change:height", () => this.applyHeight());
    const t = this.table;
    t.on("change:selection", () => {
      this.updateCount();
      this.request(true);
    });
    // A column appeared or got a new version (a new layout, corrected labels).
    t.on("change:column_info", () => this.reload());
    t.onColumns((name, complete) => this.onChunk(name, complete));
    t.on("change:categories", () => this.recolor());
    t.on("change:column_names", () => this.updateColumns());
    t.on("change:thresholds", () => this.request(true));
    t.on("change:coords_status", () => this.updateStatus());
    t.on("change:coords_method", () => this.updateStatus());

    this.disposers.push(
      attachGestures(this.canvases.overlay, this.root, {
        mode: () => this.model.get("mode") ?? "lasso",
        plotRect: () => this.canvases.points.getBoundingClientRect(),
        onHover: (p) => this.picking.hover(p),
        onPan: (dx, dy) => this.moveView(this.viewport && panBy(this.viewport, dx, dy)),
        onPanEnd: () => this.settle(),
        onZoom: (p, f) => this.moveView(this.viewport && zoomAt(this.viewport, p[0], p[1], f)),
        onDrawing: (kind, path) => {
          this.drawing = path.length > 0 ? { kind, path } : null;
          this.request(false);
        },
        onLasso: (path, mods) => {
          const ms = this.picking.lasso(path, mods);
          if (ms !== null) this.root.dataset.lassoMs = ms.toFixed(1);
        },
        onBox: (a, b, mods) => this.picking.box(a, b, mods),
        onClick: (p, mods) => this.picking.click(p, mods),
        onReset: () => {
          this.picking.cancelClear();
          this.resetView();
        },
        onEscape: () => {
          if (this.table.selectionCount() > 0) this.table.clearSelection();
        },
      }),
    );
    const resize = new ResizeObserver(() => this.layout());
    resize.observe(this.chrome.plot);
    this.disposers.push(() => resize.disconnect());
    // The host may switch theme at any time (see lib/theme.ts watchTheme): repaint then.
    this.disposers.push(watchTheme(this.root, (theme) => this.retheme(theme)));

    this.chrome.setMode(this.model.get("mode") ?? "lasso");
    this.applyHeight();
    this.updateStatus();
    this.updateCount();
    this.reload();
    this.layout();
  }

  dispose(): void {
    for (const off of this.disposers.splice(0)) off();
    this.frame.cancel();
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    if (this.partialTimer !== null) clearTimeout(this.partialTimer);
    if (this.prepareTimer !== null) clearTimeout(this.prepareTimer);
    this.animation = null;
    this.picking.dispose();
    this.table.dispose();
  }

  private setTrait(name: "color_by" | "mode", value: string): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  // ------------------------------------------------------------ data
  private colorBy(): string {
    return this.model.get("color_by") || (this.kind === "data_map" ? "correctness" : "label");
  }

  /** A chunk of some column arrived: redraw when it is one this view draws from. */
  private onChunk(name: string, complete: boolean): void {
    if (!this.sources.has(name)) return;
    if (complete) {
      if (this.partialTimer !== null) clearTimeout(this.partialTimer);
      this.partialTimer = null;
      this.reload();
    } else if (this.partialTimer === null) {
      // The first rows at once, then a few frames a second until the rest is here.
      const cost = this.reloadMs + this.lastFullMs;
      const wait = this.xs === null ? 0 : Math.max(PARTIAL_DRAW_MS, PARTIAL_DRAW_SHARE * cost);
      this.partialTimer = setTimeout(() => {
        this.partialTimer = null;
        this.reload();
      }, wait);
    }
  }

  /** Coordinates and colours from the table; a new cluster layout glides in. */
  private reload(): void {
    const t0 = performance.now();
    const old = { xs: this.xs, ys: this.ys, v: this.viewport };
    const points = loadPoints(this.table, this.kind, this.colorBy());
    this.xs = points.xs;
    this.ys = points.ys;
    this.loading = points.loading;
    const t = this.table;
    this.sources = new Set(
      [...(axisColumns(t, this.kind) ?? []), this.colorBy(), "label"].map((n) => t.sourceOf(n)),
    );
    this.chrome.setMessage(points.message);
    this.recolor(false);
    const moved = this.kind === "cluster_map" && this.xs !== old.xs;
    // A new layout has nothing in common with the old one's zoom: show all of it.
    if (moved) this.userMoved = false;
    this.refit();
    this.animation = null;
    if (moved && old.xs && old.ys && old.v && this.xs && this.ys && this.viewport) {
      this.animation = CoordsAnimation.start(
        old.xs,
        old.ys,
        old.v,
        this.xs,
        this.ys,
        this.viewport,
      );
    }
    this.request(true);
    this.reloadMs = performance.now() - t0;
  }

  private recolor(redraw = true): void {
    const previous = this.resolved;
    this.resolved = resolveColoring(this.table, this.colorBy(), previous);
    const { coloring, pending } = this.resolved;
    if (pending !== null) this.sources.add(this.table.sourceOf(pending));
    this.highlight = null;
    if (this.resolved.coloring !== previous?.coloring) this.repalette();
    this.chrome.setLegend(coloring, pending);
    this.updateColumns();
    if (redraw) this.request(true);
  }

  private repalette(): void {
    const c = this.coloring;
    if (c === null) return;
    const bg = parseCssColor(this.theme.background) ?? [255, 255, 255, 1];
    this.palettes = packedPalettes(c.colors, bg);
    this.groups = this.table.n <= VECTOR_LIMIT ? groupByColor(c.colorIndex, c.colors.length) : null;
  }

  /** Re-read the theme; repaint only when it changed. */
  private retheme(theme: Theme = applyTheme(this.root)): void {
    // The colours the canvas writes text in (the data map's ticks and titles), for contrast tests.
    this.chrome.plot.dataset.nbdlCanvasText = JSON.stringify(
      this.kind === "data_map" ? [theme.foreground, theme.muted] : [],
    );
    if (JSON.stringify(theme) === JSON.stringify(this.theme)) return;
    this.theme = theme;
    this.repalette();
    this.request(true);
  }

  private updateColumns(): void {
    this.chrome.setColumns(colourableColumns(this.table), this.colorBy());
  }

  private updateStatus(): void {
    if (this.kind !== "cluster_map") return;
    this.chrome.setLayoutStatus(
      this.table.get("coords_method") ?? "",
      this.table.get("coords_status") ?? "",
    );
  }

  private updateCount(): void {
    this.chrome.setCount(this.table.selectionCount(), this.table.n);
  }

  private applyHeight(): void {
    this.root.style.height = `${Math.max(160, this.model.get("height") || 420)}px`;
  }

  // ------------------------------------------------------------ viewport
  private layout(): void {
    const box = this.chrome.plot.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    this.chrome.plotSize = [box.width, box.height];
    // The widget may be rendered before it is in the page, where no theme variable
    // resolves; the first real layout is the first moment the theme can be read.
    this.retheme();
    const margins = this.kind === "data_map" ? DATA_MAP_MARGINS : CLUSTER_MAP_MARGINS;
    this.canvases.resize(box.width, box.height, margins, window.devicePixelRatio || 1);
    const { plotWidth: w, plotHeight: h } = this.canvases;
    if (this.viewport && this.userMoved) this.viewport = resized(this.viewport, w, h);
    this.refit();
    this.request(true);
  }

  private refit(): void {
    const { plotWidth: w, plotHeight: h } = this.canvases;
    if (this.kind === "data_map") {
      this.fitted = fitDomain(DATA_MAP_DOMAIN, w, h, false);
    } else {
      const axes = axisColumns(this.table, this.kind);
      const bounds =
        this.xs && this.ys
          ? pointBounds(this.table, axes, this.xs, this.ys, 0.04)
          : DATA_MAP_DOMAIN;
      this.fitted = fitDomain(bounds, w, h, true);
    }
    if (!this.userMoved || this.viewport === null) this.viewport = this.fitted;
  }

  private resetView(): void {
    this.userMoved = false;
    this.viewport = this.fitted;
    this.request(true);
  }

  private moveView(v: Viewport | null): void {
    if (v === null) return;
    this.viewport = v;
    this.userMoved = true;
    this.interacting = true;
    this.request(false);
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.settle(), SETTLE_MS);
  }

  private settle(): void {
    this.interacting = false;
    this.request(true);
  }

  // ------------------------------------------------------------ drawing
  /** Draw on the next animation frame; `full` redraws every point, else a cheap frame may do. */
  private request(full: boolean): void {
    this.wantFull ||= full;
    this.frame.request();
  }

  private draw(): void {
    const v = this.viewport;
    if (v === null) return;
    const anim = this.animation;
    if (anim !== null) {
      anim.step(performance.now());
      this.wantFull = true;
      if (!anim.running) this.animation = null;
    }
    const xs = anim?.xs ?? this.xs;
    const ys = anim?.ys ?? this.ys;
    const viewChanged = this.wantFull || this.interacting;
    if (viewChanged) {
      const thresholds = this.kind === "data_map" && xs ? this.thresholds() : null;
      this.canvases.drawBack(v, this.theme, thresholds);
      this.canvases.drawFrame(v, this.theme, thresholds);
      const cheap = this.interacting && !this.wantFull && this.lastPlaceMs > FAST_FRAME_MS;
      if (!xs || !ys || !this.coloring || !this.palettes) {
        this.publish(v, 0);
      } else if (!(cheap && this.canvases.drawCachedPoints(v))) {
        const t0 = performance.now();
        const drawn = this.canvases.drawPoints(this.scene(xs, ys, v), v);
        this.lastFullMs = performance.now() - t0;
        if (this.canvases.framePath === "full") this.lastPlaceMs = this.lastFullMs;
        this.publish(v, drawn);
        this.picking.pointsDrawn(!this.loading);
        this.prepareLater();
      }
    }
    this.wantFull = false;
    if (this.animation !== null) this.request(true);
    this.drawOverlay(v);
  }

  /**
   * Once the view rests, make the dimmed picture of every point, so that the
   * next lasso or legend hover draws only the points it puts in front.
   */
  private prepareLater(): void {
    if (this.prepareTimer !== null) clearTimeout(this.prepareTimer);
    this.prepareTimer = setTimeout(() => {
      this.prepareTimer = null;
      // Not while the page's columns arrive: a full raster then delays their chunks.
      if (this.table.fetching()) return this.prepareLater();
      const v = this.viewport;
      if (this.interacting || this.animation || !v || !this.xs || !this.ys) return;
      if (!this.coloring || !this.palettes) return;
      this.canvases.prepareSelection(this.scene(this.xs, this.ys, v), v);
      this.root.dataset.prepared = this.canvases.selectionPrepared() ? "1" : "0";
    }, PREPARE_DELAY_MS);
  }

  private scene(xs: ArrayLike<number>, ys: ArrayLike<number>, v: Viewport): Scene {
    const size = this.model.get("point_size");
    const selected = this.table.selectionCount() > 0 ? this.table.selectionMask() : null;
    return {
      xs,
      ys,
      coloring: this.coloring as Coloring,
      palettes: this.palettes as Scene["palettes"],
      groups: this.groups,
      front: this.highlight ?? selected,
      frontRows:
        this.highlight === null && selected !== null ? this.table.selectionPositions() : null,
      diameter: size > 0 ? size : autoDiameter(this.table.n, zoomLevel(v, this.fitted ?? v)),
      settled: this.animation === null && !this.loading,
    };
  }

  private thresholds(): RegionThresholds {
    const t = this.table.get("thresholds") ?? {};
    const d = DEFAULT_REGION_THRESHOLDS;
    return {
      ambiguous_variability: t.ambiguous_variability ?? d.ambiguous_variability,
      easy_confidence: t.easy_confidence ?? d.easy_confidence,
    };
  }

  /** Attributes tests and benchmarks read (documented in nbdatalens/views/scatter.py). */
  private publish(v: Viewport, drawn: number): void {
    const d = domainOf(v);
    const ds = this.root.dataset;
    ds.domain = [d.x0, d.x1, d.y0, d.y1].map(String).join(",");
    const r = this.canvases.points.getBoundingClientRect();
    const root = this.root.getBoundingClientRect();
    ds.plotRect = [r.left - root.left, r.top - root.top, r.width, r.height].map(String).join(",");
    ds.nDrawn = String(drawn);
    ds.frameMs = this.lastFullMs.toFixed(1);
    ds.framePath = this.canvases.framePath;
    ds.prepared = this.canvases.selectionPrepared() ? "1" : "0";
    // Ready once every row of the points and their colours is drawn (or there is nothing to draw).
    ds.ready = this.loading ? "0" : "1";
    if (!this.loading) this.table.drawn(this.kind);
    ds.loading = this.loading ? "1" : "0";
  }

  private drawOverlay(v: Viewport): void {
    const i = this.picking.hovered;
    const ring: Point | null =
      i >= 0 && this.xs && this.ys && !this.interacting
        ? [toScreenX(v, this.xs[i]), toScreenY(v, this.ys[i])]
        : null;
    this.canvases.drawOverlay(this.theme, ring, this.drawing);
  }
}
