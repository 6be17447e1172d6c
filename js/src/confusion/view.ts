// The confusion matrix view: wires the table (counts, selection), the frame
// (DOM) and the canvas together. Counting is redone only when the label or
// pred column changes, per-cell selected counts only when the selection
// changes; hover is arithmetic on the layout and the counts.

import { EpochColumns, epochOfSlider, nextPlayPosition, sliderOfEpoch } from "../lib/epochs";
import { formatCount } from "../lib/format";
import { NextFrame } from "../lib/next_frame";
import { applyMode, modeFromEvent } from "../lib/selection";
import type { NumericArray, TableClient } from "../lib/table_client";
import { watchTheme } from "../lib/theme";
import {
  type Codes,
  countPairs,
  countSelectedPairs,
  type Margins,
  margins,
  selectionIsExactly,
  type Target,
  targetMask,
} from "./counts";
import {
  buildEpochBar,
  buildRecallChart,
  type EpochBar,
  highlightClass,
  type RecallChart,
  setBarEpoch,
  setChartEpoch,
  setPlaying,
} from "./epochs";
import {
  applyLayout,
  buildFrame,
  type Frame,
  markHover,
  measureLayout,
  moveTooltip,
  setClassHeaders,
  setStatus,
  setTooltip,
} from "./frame";
import { canvasScale, type Hit, hitTest, type Layout, targetOfHit } from "./layout";
import { paintMatrix } from "./paint";
import { type Colors, cellIntensity, type Normalize, readColors } from "./palette";
import {
  allCellTexts,
  cellTextShapes,
  compactCount,
  type SelectionCounts,
  tooltipFor,
} from "./text";

/** The synced traits of the Python ConfusionMatrix (same names). */
export interface ConfusionModel {
  get(name: "normalize"): string;
  get(name: "height"): number;
  get(name: "epoch"): number | null;
  get(name: "n_epochs"): number;
  get(name: "epochs_note"): string;
  get(name: "epoch_recall"): (number | null)[][];
  set(name: "normalize", value: string): void;
  set(name: "epoch", value: number | null): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

interface Matrix {
  label: Codes;
  pred: Codes;
  names: string[];
  counts: Int32Array;
  margins: Margins;
}

/** Milliseconds per epoch while playing. */
const PLAY_STEP_MS = 700;

const NO_PREDICTION =
  "This table has no predictions, so there is no confusion matrix to show. " +
  "Give DataLens a prediction column (or class probabilities) to see one.";

export class ConfusionView {
  readonly frame: Frame = buildFrame();
  private matrix: Matrix | null = null;
  private selection: SelectionCounts | null = null;
  private layout: Layout | null = null;
  private colors: Colors | null = null;
  private intensity: Float32Array = new Float32Array(0);
  private pending = { recount: true, reselect: true, relayout: true };
  private readonly nextFrame = new NextFrame(() => this.update());
  private hovered = "";
  private layoutRetries = 0;
  private layoutTimer: ReturnType<typeof setTimeout> | undefined;
  private pointerInside = false;
  private readonly listeners = new AbortController();
  private readonly resize: ResizeObserver;
  private readonly stopTheme: () => void;
  private readonly epochs: EpochColumns;
  private readonly nEpochs: number;
  private readonly bar: EpochBar;
  private readonly chart: RecallChart | null = null;
  private playTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly model: ConfusionModel,
    private readonly table: TableClient,
  ) {
    const f = this.frame;
    f.root.style.height = `${model.get("height")}px`;
    const signal = this.listeners.signal;
    f.plot.addEventListener("pointermove", (e) => this.onHover(e), { signal });
    f.plot.addEventListener("pointerleave", () => this.endHover(), { signal });
    f.plot.addEventListener("click", (e) => this.onPlotClick(e), { signal });
    f.rows.addEventListener("click", (e) => this.onHeaderClick(e, "row"), { signal });
    f.columns.addEventListener("click", (e) => this.onHeaderClick(e, "column"), { signal });
    f.clear.addEventListener("click", () => this.clearSelection(), { signal });
    for (const mode of ["none", "row"] as const) {
      f.modeButtons[mode].addEventListener("click", () => this.setNormalize(mode), { signal });
    }
    f.root.addEventListener("keydown", (e) => this.onKey(e), { signal });
    f.root.addEventListener("pointerenter", () => (this.pointerInside = true), { signal });
    f.root.addEventListener("pointerleave", () => (this.pointerInside = false), { signal });
    // Escape also works while the pointer is over the view and focus is elsewhere.
    document.addEventListener(
      "keydown",
      (e) => {
        if (this.pointerInside && !f.root.contains(document.activeElement)) this.onKey(e);
      },
      { signal },
    );
    f.scroller.addEventListener("scroll", () => this.endHover(), { signal, passive: true });

    // Over epochs: the bar under the toolbar, the recall chart beside the matrix.
    this.epochs = new EpochColumns(table);
    this.nEpochs = Math.max(0, Number(model.get("n_epochs") ?? 0));
    this.bar = buildEpochBar(this.nEpochs, String(model.get("epochs_note") ?? ""));
    f.body.before(this.bar.el);
    if (this.nEpochs > 0) {
      const main = document.createElement("div");
      main.className = "nbdl-cm-main";
      f.body.replaceWith(main);
      this.chart = buildRecallChart(
        model.get("epoch_recall") ?? [],
        table.categories("label") ?? [],
      );
      main.append(f.body, this.chart.el);
      this.bar.slider.addEventListener("input", () => this.onSlider(false), { signal });
      this.bar.slider.addEventListener("change", () => this.onSlider(true), { signal });
      this.bar.play.addEventListener("click", () => this.togglePlay(), { signal });
      const chartEl = this.chart.el;
      chartEl.addEventListener("click", (e) => this.onChartClick(e), { signal });
      chartEl.addEventListener("pointerover", (e) => this.onChartHover(e), { signal });
      chartEl.addEventListener("pointerleave", () => this.onChartHover(null), { signal });
      this.showEpoch();
    } else {
      f.root.dataset.epoch = "none";
    }

    this.resize = new ResizeObserver(() => this.schedule("relayout"));
    this.resize.observe(f.body);
    // The host may switch theme at any time; the canvas re-reads its colours then.
    this.stopTheme = watchTheme(f.root, () => {
      this.colors = null;
      this.schedule("relayout");
    });

    model.on("change:normalize", this.onNormalize);
    model.on("change:height", this.onHeight);
    model.on("change:epoch", this.onEpoch);
    table.on("change:column_info", this.onColumns as never);
    table.onColumns((name, complete) => {
      if (complete && (name === "cell" || name === "label" || name === "pred")) this.onColumns();
    });
    table.on("change:categories", this.onColumns as never);
    table.on("change:selection", this.onSelection as never);
  }

  private readonly onNormalize = () => this.schedule("relayout");
  private readonly onHeight = () => {
    this.frame.root.style.height = `${this.model.get("height")}px`;
    this.schedule("relayout");
  };
  private readonly onColumns = () => this.schedule("recount");
  private readonly onEpoch = () => {
    this.showEpoch();
    this.schedule("recount");
  };
  private readonly onSelection = () => this.schedule("reselect");

  private get normalize(): Normalize {
    return this.model.get("normalize") === "row" ? "row" : "none";
  }

  /** Queue work for the next animation frame (several changes in one frame cost one paint). */
  schedule(what?: "recount" | "reselect" | "relayout"): void {
    if (what) this.pending[what] = true;
    this.nextFrame.request();
  }

  private update(): void {
    const p = this.pending;
    this.pending = { recount: false, reselect: false, relayout: false };
    // Milliseconds of each step of this update, for benchmarks/ (data-timings on the root).
    const timings: Record<string, number> = {};
    const timed = (name: string, step: () => void) => {
      const start = performance.now();
      step();
      timings[name] = Math.round((performance.now() - start) * 100) / 100;
    };
    if (p.recount) timed("count", () => this.recount());
    if (this.matrix === null) return;
    if (p.recount || p.reselect) timed("select", () => this.reselect());
    if (p.recount || p.relayout) timed("layout", () => this.relayout());
    timed("paint", () => this.paint());
    this.frame.root.dataset.timings = JSON.stringify(timings);
  }

  /** The epoch the matrix should show: an index, or null for the final predictions. */
  private get epoch(): number | null {
    const e = this.model.get("epoch");
    return this.nEpochs > 0 && typeof e === "number" && e >= 0 && e < this.nEpochs ? e : null;
  }

  /** The predicted classes to count: the final ones, or the shown epoch's once they arrived. */
  private predictions(): NumericArray | undefined {
    const epoch = this.epoch;
    if (epoch === null) return this.table.column("pred");
    const column = this.epochs.peek(epoch);
    if (column) return column;
    this.frame.root.dataset.epochReady = "0";
    this.epochs.get(epoch).then(
      () => this.schedule("recount"),
      (error: unknown) => setStatus(this.frame, `epoch ${epoch + 1}: ${String(error)}`, 0),
    );
    return this.matrix?.pred as NumericArray | undefined; // keep the last matrix meanwhile
  }

  private recount(): void {
    const hasPred = this.table.columnInfo("pred") !== undefined;
    if (!hasPred && this.epoch === null) {
      // Nothing to count without predictions: say so instead of drawing an empty grid.
      this.showMessage(NO_PREDICTION, "no-prediction");
      return;
    }
    // The label and prediction codes (one "cell" column): drawn once they are here.
    if (!this.table.ready(hasPred ? ["label", "pred"] : ["label"])) return;
    const label = this.table.column("label");
    const pred = this.predictions();
    const names = this.table.categories("label") ?? [];
    const root = this.frame.root;
    if (!label || !pred) return;
    const previous = this.matrix;
    if (
      previous &&
      previous.label === label &&
      previous.pred === pred &&
      sameNames(previous.names, names)
    ) {
      this.markEpochReady();
      return;
    }
    const c = names.length;
    if (c === 0) {
      this.showMessage("This table has no classes to count.", "no-classes");
      return;
    }
    const counts = countPairs(label, pred, c);
    this.matrix = { label, pred, names, counts, margins: margins(counts, c) };
    root.classList.remove("nbdl-cm-empty");
    delete root.dataset.empty;
    root.dataset.nClasses = String(c);
    root.dataset.counts = JSON.stringify(Array.from(counts));
    this.markEpochReady();
    if (!previous || !sameNames(previous.names, names)) setClassHeaders(this.frame, names);
  }

  /** Say why there is no matrix instead of drawing an empty grid. */
  private showMessage(text: string, reason: string): void {
    const root = this.frame.root;
    this.matrix = null;
    root.classList.add("nbdl-cm-empty");
    this.frame.message.textContent = text;
    setStatus(this.frame, `${formatCount(this.table.n)} samples`, this.table.selectionCount());
    root.dataset.empty = reason;
    root.dataset.ready = "1";
    this.table.drawn("confusion");
  }

  private reselect(): void {
    const m = this.matrix;
    if (m === null) return;
    const total = this.table.selectionCount();
    this.selection =
      total > 0
        ? {
            cells: countSelectedPairs(
              m.label,
              m.pred,
              this.table.selectionPositions(),
              m.names.length,
            ),
            total,
          }
        : null;
    this.hovered = "";
    const samples = `${formatCount(m.margins.total)} samples`;
    setStatus(
      this.frame,
      total > 0 ? `${samples} · ${formatCount(total)} selected` : samples,
      total,
    );
  }

  private relayout(): void {
    const m = this.matrix;
    if (m === null) return;
    const f = this.frame;
    if (f.body.clientWidth === 0 || f.body.clientHeight === 0) {
      // Not rendered at this instant (not attached yet, a hidden tab, a theme being
      // swapped): keep the last layout and look again shortly. A size seen only
      // mid-swap never reaches the ResizeObserver, so it cannot be relied on alone.
      this.retryLayout();
      return;
    }
    this.layoutRetries = 0;
    this.endHover();
    const normalize = this.normalize;
    for (const mode of ["none", "row"] as const) {
      f.modeButtons[mode].setAttribute("aria-pressed", String(mode === normalize));
    }
    f.root.dataset.normalize = normalize;
    this.intensity = cellIntensity(m.counts, m.margins, normalize);

    const layout = measureLayout(
      f,
      m.names,
      {
        exact: cellTextShapes(m.counts, normalize),
        short: cellTextShapes(m.counts, normalize, true),
      },
      compactCount(Math.max(0, ...m.margins.support)),
      this.currentColors().palette.fontFamily,
    );
    this.layout = layout;
    const texts = allCellTexts(m.counts, m.margins, normalize, layout.shortCounts);
    f.root.dataset.cellTexts = JSON.stringify(texts);
    f.root.dataset.cellText = layout.showText ? (layout.shortCounts ? "short" : "exact") : "hidden";
    applyLayout(f, layout, canvasScale(layout.canvasWidth, layout.canvasHeight, devicePixelRatio));
  }

  private retryLayout(): void {
    if (this.layoutTimer !== undefined || this.layoutRetries >= 40) return;
    this.layoutRetries += 1;
    this.layoutTimer = setTimeout(() => {
      this.layoutTimer = undefined;
      this.schedule("relayout");
    }, 150);
  }

  private currentColors(): Colors {
    if (this.colors === null) this.colors = readColors(this.frame.root);
    return this.colors;
  }

  private paint(): void {
    const m = this.matrix;
    const layout = this.layout;
    const ctx = this.frame.canvas.getContext("2d");
    if (m === null || layout === null || ctx === null) return;
    const scale = this.frame.canvas.width / layout.canvasWidth;
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    const pairs = paintMatrix(ctx, {
      layout,
      counts: m.counts,
      margins: m.margins,
      intensity: this.intensity,
      normalize: this.normalize,
      selection: this.selection,
      ...this.currentColors(),
    });
    // What the canvas drew text with, on what: the theme's contrast test reads it.
    this.frame.canvas.dataset.nbdlCellText = JSON.stringify(pairs);
    this.frame.root.dataset.ready = "1";
    this.table.drawn("confusion");
  }

  // ------------------------------------------------------------ pointer
  private hitAt(e: MouseEvent): Hit | null {
    if (this.layout === null) return null;
    const rect = this.frame.canvas.getBoundingClientRect();
    return hitTest(this.layout, e.clientX - rect.left, e.clientY - rect.top);
  }

  private onHover(e: PointerEvent): void {
    const m = this.matrix;
    const layout = this.layout;
    const hit = this.hitAt(e);
    if (m === null || layout === null || hit === null) {
      this.endHover();
      return;
    }
    const f = this.frame;
    const key = JSON.stringify(hit);
    if (key !== this.hovered) {
      // The tooltip text changes only when the pointer enters another cell.
      this.hovered = key;
      markHover(f, layout, hit);
      setTooltip(f, tooltipFor(hit, m.names, m.counts, m.margins, this.selection));
    }
    const rootRect = f.root.getBoundingClientRect();
    moveTooltip(f, e.clientX - rootRect.left, e.clientY - rootRect.top);
  }

  private endHover(): void {
    this.hovered = "";
    markHover(this.frame, null, null);
    setTooltip(this.frame, null);
  }

  private onPlotClick(e: MouseEvent): void {
    const target = targetOfHit(this.hitAt(e));
    if (target) this.select(target, e);
  }

  private onHeaderClick(e: MouseEvent, axis: "row" | "column"): void {
    const button = (e.target as Element).closest("button[data-index]");
    if (!button) return;
    const k = Number((button as HTMLElement).dataset.index);
    this.select(axis === "row" ? { kind: "row", given: k } : { kind: "column", pred: k }, e);
  }

  /** Apply a click: replace, add (Shift) or subtract (Alt); a second plain click on the selection clears it. */
  private select(target: Target, e: MouseEvent): void {
    const m = this.matrix;
    if (m === null) return;
    e.preventDefault();
    this.frame.root.focus({ preventScroll: true });
    const mode = modeFromEvent(e);
    const c = m.names.length;
    if (
      mode === "replace" &&
      this.selection !== null &&
      selectionIsExactly(m.counts, this.selection.cells, this.selection.total, c, target)
    ) {
      this.clearSelection();
      return;
    }
    const start = performance.now();
    const hits = targetMask(m.label, m.pred, target);
    this.table.setSelection(applyMode(this.table.selectionMask(), hits, mode));
    this.frame.root.dataset.clickMs = (performance.now() - start).toFixed(2);
  }

  private markEpochReady(): void {
    if (this.nEpochs === 0) return;
    const epoch = this.epoch;
    const root = this.frame.root;
    const pred = this.matrix?.pred;
    const shown = epoch === null ? this.table.column("pred") : this.epochs.peek(epoch);
    root.dataset.epochReady = shown !== undefined && shown === pred ? "1" : "0";
    root.dataset.epoch = epoch === null ? "final" : String(epoch);
  }

  /** Bar and chart follow the `epoch` trait (set by the slider, play, or Python). */
  private showEpoch(): void {
    const epoch = this.epoch;
    setBarEpoch(this.bar, epoch, this.nEpochs);
    if (this.chart) setChartEpoch(this.chart, this.model.get("epoch_recall") ?? [], epoch);
    if (epoch !== null) this.epochs.get(epoch).catch(() => undefined); // start the fetch now
  }

  private onSlider(commit: boolean): void {
    const epoch = epochOfSlider(Number(this.bar.slider.value), this.nEpochs);
    if (this.model.get("epoch") !== epoch) this.model.set("epoch", epoch);
    // Python hears the epoch once per drag (on change), not per slider step.
    if (commit) this.model.save_changes();
  }

  private togglePlay(): void {
    if (this.playTimer !== undefined) {
      this.stopPlay();
      return;
    }
    let position = sliderOfEpoch(this.epoch, this.nEpochs);
    if (position >= this.nEpochs) position = 0;
    else position = nextPlayPosition(position, this.nEpochs);
    this.stepTo(position);
    setPlaying(this.bar, true);
    this.playTimer = setInterval(() => {
      const epoch = this.epoch;
      // Wait for the shown epoch's column before moving on (a slow kernel slows the play).
      if (epoch !== null && this.epochs.peek(epoch) === undefined) return;
      const next = nextPlayPosition(sliderOfEpoch(epoch, this.nEpochs), this.nEpochs);
      this.stepTo(next);
      if (next >= this.nEpochs) this.stopPlay();
    }, PLAY_STEP_MS);
  }

  private stepTo(position: number): void {
    const epoch = epochOfSlider(position, this.nEpochs);
    if (epoch !== null && epoch + 1 < this.nEpochs)
      this.epochs.get(epoch + 1).catch(() => undefined);
    this.model.set("epoch", epoch);
    this.model.save_changes();
  }

  private stopPlay(): void {
    clearInterval(this.playTimer);
    this.playTimer = undefined;
    setPlaying(this.bar, false);
  }

  private classOf(e: Event): number {
    const item = (e.target as Element | null)?.closest("[data-class]");
    return item ? Number((item as HTMLElement | SVGElement).dataset.class) : -1;
  }

  private onChartClick(e: MouseEvent): void {
    const c = this.classOf(e);
    if (c >= 0) this.select({ kind: "row", given: c }, e);
  }

  private onChartHover(e: Event | null): void {
    const chart = this.chart;
    if (!chart) return;
    const svgRoot = chart.el.querySelector("svg");
    if (svgRoot) highlightClass(chart, svgRoot, e === null ? -1 : this.classOf(e));
  }

  private clearSelection(): void {
    if (this.table.selectionCount() > 0) this.table.clearSelection();
  }

  private setNormalize(mode: Normalize): void {
    if (this.model.get("normalize") === mode) return;
    this.model.set("normalize", mode);
    this.model.save_changes();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    this.clearSelection();
  }

  /** Remove every listener, observer and pending frame; the table listeners too. */
  dispose(): void {
    this.nextFrame.cancel();
    clearInterval(this.playTimer);
    this.model.off("change:epoch", this.onEpoch);
    clearTimeout(this.layoutTimer);
    this.listeners.abort();
    this.resize.disconnect();
    this.stopTheme();
    this.model.off("change:normalize", this.onNormalize);
    this.model.off("change:height", this.onHeight);
    this.table.dispose();
    this.frame.root.remove();
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, k) => name === b[k]);
}
