// One scatter view (data map or cluster map) wired to the shared table.
//
// State that other views share (selection, columns, layout) is read from the
// TableClient; state of this view alone (viewport, hover, drawing) stays
// here. Selection writes happen once per gesture, on release.

import type { AnyModel } from "@anywidget/types";
import { parseCssColor, readTheme, type Theme } from "../lib/colors";
import { boxSelect, lassoMask, type Point } from "../lib/lasso";
import { applyMode, modeFromEvent } from "../lib/selection";
import type { TableClient } from "../lib/table_client";
import { CoordsAnimation } from "./animation";
import {
  CLUSTER_MAP_MARGINS,
  DATA_MAP_MARGINS,
  DEFAULT_REGION_THRESHOLDS,
  type RegionThresholds,
} from "./axes";
import { ScatterChrome } from "./chrome";
import {
  type Coloring,
  categoricalColoring,
  maskOfIndex,
  numericColoring,
  packedPalettes,
} from "./coloring";
import { attachGestures, type Modifiers, type MouseMode } from "./gestures";
import { HoverGrid } from "./hover_grid";
import { PlotCanvases, type Scene } from "./renderer";
import { IdLookup, tooltipRows } from "./tooltip";
import { groupByColor } from "./vector";
import {
  dataBounds,
  domainOf,
  fitDomain,
  panBy,
  resized,
  toDataX,
  toDataY,
  toScreenX,
  toScreenY,
  type Viewport,
  zoomAt,
  zoomLevel,
} from "./viewport";

/** The view model's synced traits (same names as the Python class). */
export interface ScatterTraits {
  [key: string]: unknown;
  kind: "data_map" | "cluster_map";
  color_by: string;
  point_size: number;
  mode: MouseMode;
  height: number;
}

/** Up to this many points are drawn as antialiased circles; more are drawn as pixels. */
export const VECTOR_LIMIT = 20_000;
/** Hover and click pick the nearest point within this many CSS pixels. */
const HOVER_RADIUS = 6;
/** A full redraw slower than this is replaced by a moved copy of the last frame during drags. */
const FAST_FRAME_MS = 14;
/** After the last wheel or drag event, wait this long before drawing every point again. */
const SETTLE_MS = 140;
/** The data map's fixed axes: variability 0..0.5, confidence 0..1, with a little air. */
const DATA_MAP_DOMAIN = { x0: -0.0125, x1: 0.5125, y0: -0.025, y1: 1.025 };

/** Point diameter in CSS px: smaller as N grows, larger when zoomed in. */
export function autoDiameter(n: number, zoom: number): number {
  const base =
    n <= 2000 ? 6 : n <= VECTOR_LIMIT ? 4.5 : n <= 100_000 ? 2.5 : n <= 400_000 ? 1.5 : 1;
  return base * Math.min(3, Math.max(1, Math.sqrt(zoom)));
}

export class ScatterView {
  readonly root: HTMLDivElement;
  private readonly model: AnyModel<ScatterTraits>;
  private readonly table: TableClient;
  private readonly kind: "data_map" | "cluster_map";
  private readonly chrome: ScatterChrome;
  private readonly canvases: PlotCanvases;
  private readonly ids: IdLookup;
  private readonly disposers: Array<() => void> = [];
  private theme: Theme;
  private xs: ArrayLike<number> | null = null;
  private ys: ArrayLike<number> | null = null;
  private coloring: Coloring | null = null;
  private palettes: Scene["palettes"] | null = null;
  private groups: Scene["groups"] = null;
  private pending: string | null = null;
  private viewport: Viewport | null = null;
  private fitted: Viewport | null = null;
  private userMoved = false;
  private highlight: Uint8Array | null = null;
  private grid: HoverGrid | null = null;
  private hovered = -1;
  private hoverAt: Point | null = null;
  private drawing: { kind: "lasso" | "box"; path: Point[] } | null = null;
  private frame = 0;
  private wantFull = false;
  private interacting = false;
  private lastFullMs = 0;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private gridTimer: ReturnType<typeof setTimeout> | null = null;
  private animation: CoordsAnimation | null = null;

  constructor(model: AnyModel<ScatterTraits>, table: TableClient) {
    this.model = model;
    this.table = table;
    this.kind = model.get("kind") === "data_map" ? "data_map" : "cluster_map";
    this.chrome = new ScatterChrome(this.kind, {
      onColorBy: (name) => {
        model.set("color_by", name);
        model.save_changes();
      },
      onMode: (mode) => {
        model.set("mode", mode);
        model.save_changes();
      },
      onReset: () => this.resetView(),
      onLegendClick: (entry, ev) => {
        if (this.coloring === null) return;
        this.select(maskOfIndex(this.coloring.colorIndex, entry.index), ev);
      },
      onLegendHover: (entry) => {
        this.highlight =
          entry && this.coloring ? maskOfIndex(this.coloring.colorIndex, entry.index) : null;
        this.request(true);
      },
    });
    this.root = this.chrome.root;
    this.canvases = new PlotCanvases(this.chrome.plot);
    this.theme = readTheme(this.root);
    this.ids = new IdLookup(table, (pos) => {
      if (pos === this.hovered) this.showHover();
    });
  }

  /** Wire listeners and draw; call once the root is in the document. */
  start(): void {
    const onModel = (event: string, fn: () => void) => {
      this.model.on(event, fn);
      this.disposers.push(() => this.model.off(event as "change:kind", fn));
    };
    onModel("change:color_by", () => this.recolor());
    onModel("change:point_size", () => this.request(true));
    onModel("change:mode", () => this.chrome.setMode(this.model.get("mode")));
    onModel("change:height", () => this.applyHeight());
    const t = this.table;
    t.on("change:selection", () => {
      this.updateCount();
      this.request(true);
    });
    t.on("change:columns", () => this.reload());
    t.on("change:extra_columns", () => this.recolor());
    t.on("change:categories", () => this.recolor());
    t.on("change:column_names", () => this.updateColumns());
    t.on("change:thresholds", () => this.request(true));
    t.on("change:coords", () => this.reload());
    t.on("change:coords_status", () => this.updateStatus());
    t.on("change:coords_method", () => this.updateStatus());

    this.disposers.push(
      attachGestures(this.canvases.overlay, this.root, {
        mode: () => this.model.get("mode") ?? "lasso",
        plotRect: () => this.canvases.points.getBoundingClientRect(),
        onHover: (p) => this.hover(p),
        onPan: (dx, dy) => this.moveView(this.viewport && panBy(this.viewport, dx, dy)),
        onPanEnd: () => this.settle(),
        onZoom: (p, f) => this.moveView(this.viewport && zoomAt(this.viewport, p[0], p[1], f)),
        onDrawing: (kind, path) => {
          this.drawing = path.length > 0 ? { kind, path } : null;
          this.request(false);
        },
        onLasso: (path, mods) => this.lasso(path, mods),
        onBox: (a, b, mods) => this.box(a, b, mods),
        onClick: (p, mods) => this.click(p, mods),
        onReset: () => this.resetView(),
        onEscape: () => {
          if (this.table.selectionCount() > 0) this.table.clearSelection();
        },
      }),
    );
    const resize = new ResizeObserver(() => this.layout());
    resize.observe(this.chrome.plot);
    this.disposers.push(() => resize.disconnect());
    // JupyterLab switches themes by changing attributes on <body>; VS Code by its class.
    const themeWatch = new MutationObserver(() => this.retheme());
    themeWatch.observe(document.body, {
      attributes: true,
      attributeFilter: ["class", "data-jp-theme-light", "data-jp-theme-name"],
    });
    this.disposers.push(() => themeWatch.disconnect());

    this.chrome.setMode(this.model.get("mode") ?? "lasso");
    this.applyHeight();
    this.updateColumns();
    this.updateStatus();
    this.updateCount();
    this.reload();
    this.layout();
  }

  dispose(): void {
    for (const off of this.disposers.splice(0)) off();
    cancelAnimationFrame(this.frame);
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    if (this.gridTimer !== null) clearTimeout(this.gridTimer);
    this.animation = null;
    this.ids.dispose();
    this.table.dispose();
  }

  // ------------------------------------------------------------ data
  private colorBy(): string {
    return this.model.get("color_by") || (this.kind === "data_map" ? "correctness" : "label");
  }

  /** Coordinates (and colours) from the table; a new cluster layout animates in. */
  private reload(): void {
    const previous = { xs: this.xs, ys: this.ys, v: this.viewport };
    if (this.kind === "data_map") {
      const x = this.table.column("variability");
      const y = this.table.column("confidence");
      const known = y !== undefined && x !== undefined && hasFinite(y);
      this.xs = known ? x : null;
      this.ys = known ? y : null;
    } else {
      const c = this.table.coords();
      this.xs = c?.x ?? null;
      this.ys = c?.y ?? null;
    }
    if (this.table.n === 0) this.chrome.setMessage("The table has no rows.");
    else if (this.xs === null)
      this.chrome.setMessage(
        this.kind === "data_map"
          ? "No training dynamics in this table, so there is no data map. Pass per-epoch probabilities as a `dynamics` column (or a TrainingDynamics recorder)."
          : "No embedding in this table, so there is no cluster map. Pass an `embedding` column of vectors, or `x` and `y` columns.",
      );
    else this.chrome.setMessage(null);
    this.recolor(false);
    const moved = this.kind === "cluster_map" && this.xs !== previous.xs;
    // A new layout has nothing in common with the old one's zoom: show all of it.
    if (moved) this.userMoved = false;
    this.refit();
    const { xs: oldX, ys: oldY, v: oldV } = previous;
    this.animation = null;
    if (moved && oldX && oldY && oldV && this.xs && this.ys && this.viewport) {
      this.animation = CoordsAnimation.start(oldX, oldY, oldV, this.xs, this.ys, this.viewport);
    }
    this.request(true);
  }

  private recolor(redraw = true): void {
    const name = this.colorBy();
    const values = this.table.column(name);
    if (values === undefined) {
      const known = this.table.get("column_names") ?? [];
      if (known.includes(name)) {
        this.pending = name;
        void this.table.ensureColumn(name);
      }
    } else {
      this.pending = null;
      const names = this.table.categories(name);
      this.coloring = names
        ? categoricalColoring(name, values, names)
        : numericColoring(name, values);
    }
    if (this.coloring === null || (this.pending === null && this.coloring.column !== name)) {
      // Nothing to show yet (first draw waits for a column): the labels are always there.
      const labels = this.table.column("label");
      if (labels)
        this.coloring = categoricalColoring("label", labels, this.table.categories("label") ?? []);
    }
    this.repalette();
    this.chrome.setLegend(this.coloring, this.pending);
    this.updateColumns();
    if (redraw) this.request(true);
  }

  private repalette(): void {
    if (this.coloring === null) return;
    const bg = parseCssColor(this.theme.background) ?? [255, 255, 255, 1];
    this.palettes = packedPalettes(this.coloring.colors, bg);
    this.groups =
      this.table.n <= VECTOR_LIMIT
        ? groupByColor(this.coloring.colorIndex, this.coloring.colors.length)
        : null;
  }

  private retheme(): void {
    this.theme = readTheme(this.root);
    this.repalette();
    this.request(true);
  }

  private updateColumns(): void {
    const names = [...(this.table.get("column_names") ?? [])];
    // correctness is the data map's own colouring even where the table does not list it.
    if (this.table.column("correctness") && !names.includes("correctness"))
      names.push("correctness");
    this.chrome.setColumns(names, this.colorBy());
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
    const margins = this.kind === "data_map" ? DATA_MAP_MARGINS : CLUSTER_MAP_MARGINS;
    this.canvases.resize(box.width, box.height, margins, window.devicePixelRatio || 1);
    const { plotWidth: w, plotHeight: h } = this.canvases;
    if (this.viewport && this.userMoved) this.viewport = resized(this.viewport, w, h);
    this.refit();
    this.request(true);
  }

  private refit(): void {
    const { plotWidth: w, plotHeight: h } = this.canvases;
    this.fitted =
      this.kind === "data_map"
        ? fitDomain(DATA_MAP_DOMAIN, w, h, false)
        : fitDomain(
            this.xs && this.ys ? dataBounds(this.xs, this.ys, 0.04) : DATA_MAP_DOMAIN,
            w,
            h,
            true,
          );
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
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const v = this.viewport;
    if (v === null) return;
    const thresholds = this.kind === "data_map" ? this.thresholds() : null;
    if (this.animation !== null) {
      this.animation.step(performance.now());
      this.wantFull = true;
    }
    const anim = this.animation;
    const xs = anim?.xs ?? this.xs;
    const ys = anim?.ys ?? this.ys;
    if (anim !== null && !anim.running) this.animation = null;
    const viewChanged = this.wantFull || this.interacting;
    if (viewChanged) {
      this.canvases.drawBack(v, this.theme, xs ? thresholds : null);
      this.canvases.drawFrame(v, this.theme, xs ? thresholds : null);
    }
    const cheap = this.interacting && !this.wantFull && this.lastFullMs > FAST_FRAME_MS;
    if (xs && ys && this.coloring && this.palettes && viewChanged) {
      if (!(cheap && this.canvases.drawCachedPoints(v))) {
        const t0 = performance.now();
        const drawn = this.canvases.drawPoints(this.scene(xs, ys, v), v);
        this.lastFullMs = performance.now() - t0;
        this.publish(v, drawn);
        this.scheduleGrid();
      }
    } else if (viewChanged && !xs) {
      this.publish(v, 0);
    }
    this.wantFull = false;
    if (this.animation !== null) this.request(true);
    this.drawOverlay();
  }

  private scene(xs: ArrayLike<number>, ys: ArrayLike<number>, v: Viewport): Scene {
    const size = this.model.get("point_size");
    const front =
      this.highlight ?? (this.table.selectionCount() > 0 ? this.table.selectionMask() : null);
    return {
      xs,
      ys,
      coloring: this.coloring as Coloring,
      palettes: this.palettes as Scene["palettes"],
      groups: this.groups,
      front,
      diameter: size > 0 ? size : autoDiameter(this.table.n, zoomLevel(v, this.fitted ?? v)),
    };
  }

  private thresholds(): RegionThresholds {
    const t = this.table.get("thresholds") ?? {};
    return {
      ambiguous_variability:
        t.ambiguous_variability ?? DEFAULT_REGION_THRESHOLDS.ambiguous_variability,
      easy_confidence: t.easy_confidence ?? DEFAULT_REGION_THRESHOLDS.easy_confidence,
    };
  }

  /** Attributes tests and benchmarks read (see the Python class docstring). */
  private publish(v: Viewport, drawn: number): void {
    const d = domainOf(v);
    const ds = this.root.dataset;
    ds.domain = [d.x0, d.x1, d.y0, d.y1].map(String).join(",");
    const r = this.canvases.points.getBoundingClientRect();
    const root = this.root.getBoundingClientRect();
    ds.plotRect = [r.left - root.left, r.top - root.top, r.width, r.height].map(String).join(",");
    ds.nDrawn = String(drawn);
    ds.frameMs = this.lastFullMs.toFixed(1);
    ds.ready = "1";
  }

  private drawOverlay(): void {
    const ctx = this.canvases.overlayContext();
    const v = this.viewport;
    if (this.hovered >= 0 && v && this.xs && this.ys && !this.interacting) {
      const sx = toScreenX(v, this.xs[this.hovered]);
      const sy = toScreenY(v, this.ys[this.hovered]);
      ctx.strokeStyle = this.theme.foreground;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(sx, sy, 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.drawing === null) return;
    const path = this.drawing.path;
    ctx.strokeStyle = this.theme.selection;
    ctx.fillStyle = this.theme.selection;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    if (this.drawing.kind === "box") {
      const [[x0, y0], [x1, y1]] = path;
      ctx.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    } else {
      ctx.moveTo(path[0][0], path[0][1]);
      for (let k = 1; k < path.length; k++) ctx.lineTo(path[k][0], path[k][1]);
      ctx.closePath();
    }
    ctx.globalAlpha = 0.08;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // ------------------------------------------------------------ hover
  private scheduleGrid(): void {
    this.grid = null;
    if (this.gridTimer !== null) clearTimeout(this.gridTimer);
    // Built when the view has rested, so a drag never pays for it.
    this.gridTimer = setTimeout(() => {
      this.gridTimer = null;
      if (!this.interacting) this.hoverGrid();
    }, 200);
  }

  private hoverGrid(): HoverGrid | null {
    if (this.grid === null && this.xs && this.ys && this.viewport && this.animation === null) {
      this.grid = HoverGrid.build(this.xs, this.ys, this.viewport, 8);
    }
    return this.grid;
  }

  private nearest(p: Point): number {
    const grid = this.hoverGrid();
    if (grid === null) return -1;
    const front = this.table.selectionCount() > 0 ? this.table.selectionMask() : null;
    return grid.nearest(p[0], p[1], HOVER_RADIUS, front);
  }

  private hover(p: Point | null): void {
    this.hoverAt = p;
    const i = p === null || this.interacting ? -1 : this.nearest(p);
    if (i !== this.hovered) {
      this.hovered = i;
      this.ids.want(i);
      this.request(false);
    }
    this.showHover();
  }

  private showHover(): void {
    const p = this.hoverAt;
    if (this.hovered < 0 || p === null) {
      this.chrome.hideTooltip();
      return;
    }
    const rows = tooltipRows(this.table, this.hovered, this.ids.get(this.hovered), this.colorBy());
    const m = this.canvases.margins;
    this.chrome.showTooltip(p[0] + m.left, p[1] + m.top, rows);
  }

  // ------------------------------------------------------------ selection
  private select(hits: Uint8Array | Uint32Array, mods: Modifiers): void {
    this.table.setSelection(applyMode(this.table.selectionMask(), hits, modeFromEvent(mods)));
  }

  private lasso(path: Point[], mods: Modifiers): void {
    const v = this.viewport;
    if (!v || !this.xs || !this.ys || path.length < 3) return;
    const t0 = performance.now();
    const polygon: Point[] = path.map(([px, py]) => [toDataX(v, px), toDataY(v, py)]);
    const hits = lassoMask(this.xs, this.ys, polygon);
    const t1 = performance.now();
    this.select(hits, mods);
    this.root.dataset.lassoMs = (t1 - t0).toFixed(1);
    this.root.dataset.commitMs = (performance.now() - t0).toFixed(1);
  }

  private box(a: Point, b: Point, mods: Modifiers): void {
    const v = this.viewport;
    if (!v || !this.xs || !this.ys) return;
    const hits = boxSelect(
      this.xs,
      this.ys,
      toDataX(v, a[0]),
      toDataY(v, a[1]),
      toDataX(v, b[0]),
      toDataY(v, b[1]),
    );
    this.select(hits, mods);
  }

  private click(p: Point, mods: Modifiers): void {
    const i = this.nearest(p);
    if (i >= 0) this.select(Uint32Array.of(i), mods);
    else if (!mods.shiftKey && !mods.altKey && this.table.selectionCount() > 0)
      this.table.clearSelection();
  }
}

function hasFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}
