// The DOM around the canvases: header (title, layout method, selected count,
// colour-by menu, mouse-mode toolbar), layout progress, legend or colour bar,
// tooltip and the "nothing to show" message. Every user string (column names,
// class names, ids) goes in as text through the dom.ts builder.

import { colormapColor, type RGB } from "../lib/colors";
import { h, replaceChildren, setText } from "../lib/dom";
import { formatCount, formatMetric } from "../lib/format";
import type { Coloring, LegendEntry } from "./coloring";
import type { MouseMode } from "./gestures";

/** Most legend entries listed; the rest are summarised in one line. */
const MAX_LEGEND = 24;

const METHOD_NAMES: Record<string, string> = { pca: "PCA", umap: "UMAP", given: "given" };

export interface ChromeHandlers {
  onColorBy(name: string): void;
  onMode(mode: MouseMode): void;
  onReset(): void;
  onLegendClick(entry: LegendEntry, ev: MouseEvent): void;
  onLegendHover(entry: LegendEntry | null): void;
}

/** A colour-bar end: 3 significant digits without trailing zeros ("0", "1", "0.123"). */
export function scaleText(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : formatMetric(x);
}

function rgbCss(rgb: RGB): string {
  return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}

export class ScatterChrome {
  readonly root: HTMLDivElement;
  readonly plot: HTMLDivElement;
  private readonly count = h("span", { className: "nbdl-scatter-count" });
  /** Invisible, as wide as the longest count ("N of N selected"), stacked under the count:
   * the header keeps its width and wrapping whatever is selected, so a selection never
   * resizes the plot (a resize draws every point again: ~90 ms per map at 5M). */
  private readonly countRoom = h("span", {
    className: "nbdl-scatter-count-room",
    attrs: { "aria-hidden": "true" },
  });
  private readonly method = h("span", { className: "nbdl-scatter-method" });
  private readonly select = h("select", {
    className: "nbdl-scatter-color",
    attrs: { "aria-label": "colour by" },
  });
  private readonly modeButtons = new Map<MouseMode, HTMLButtonElement>();
  private readonly status = h("div", { className: "nbdl-scatter-status", attrs: { hidden: true } });
  private readonly statusText = h("span", { className: "nbdl-scatter-status-text" });
  private readonly legend = h("div", { className: "nbdl-scatter-legend" });
  /** The plot area's CSS size, as the view last laid it out. */
  plotSize: [number, number] = [0, 0];
  private tipText = "";
  private tipSize: [number, number] = [0, 0];
  private readonly tooltip = h("div", {
    className: "nbdl-scatter-tooltip",
    attrs: { hidden: true, role: "tooltip" },
  });
  private readonly message = h("div", {
    className: "nbdl-scatter-message",
    attrs: { hidden: true },
  });
  private readonly handlers: ChromeHandlers;

  constructor(kind: string, handlers: ChromeHandlers) {
    this.handlers = handlers;
    const title = kind === "data_map" ? "Data map" : "Cluster map";
    this.select.addEventListener("change", () => handlers.onColorBy(this.select.value));
    const modeGroup = h("div", { className: "nbdl-scatter-modes" });
    const modes: Array<[MouseMode, string, string]> = [
      ["lasso", "Lasso", "Lasso select (Shift adds, Alt subtracts)"],
      ["box", "Box", "Box select (Shift adds, Alt subtracts)"],
      ["pan", "Pan", "Pan (or hold Space / drag with the middle button)"],
    ];
    for (const [mode, label, tip] of modes) {
      const button = h(
        "button",
        {
          className: "nbdl-scatter-tool",
          title: tip,
          attrs: { type: "button", "data-mode": mode, "aria-pressed": "false" },
          on: { click: () => handlers.onMode(mode) },
        },
        label,
      );
      this.modeButtons.set(mode, button);
      modeGroup.append(button);
    }
    const tools = h(
      "div",
      { className: "nbdl-scatter-tools", attrs: { role: "toolbar" } },
      modeGroup,
      h(
        "button",
        {
          className: "nbdl-scatter-reset",
          title: "Fit the data (or double-click the plot)",
          attrs: { type: "button" },
          on: { click: () => handlers.onReset() },
        },
        "Reset",
      ),
    );
    const header = h(
      "div",
      { className: "nbdl-scatter-header" },
      h("span", { className: "nbdl-scatter-title" }, title),
      kind === "cluster_map" ? this.method : null,
      h("span", { className: "nbdl-scatter-count-box" }, this.count, this.countRoom),
      h("span", { className: "nbdl-scatter-spacer" }),
      h("label", { className: "nbdl-scatter-color-label" }, "colour ", this.select),
      tools,
    );
    this.status.append(h("span", { className: "nbdl-scatter-progress" }), this.statusText);
    this.plot = h("div", { className: "nbdl-scatter-plot" }, this.tooltip, this.message);
    this.root = h(
      "div",
      { className: "nbdl-scatter", attrs: { tabindex: 0, "data-kind": kind } },
      header,
      this.status,
      this.plot,
      this.legend,
    );
  }

  setCount(selected: number, total: number): void {
    setText(
      this.count,
      selected > 0
        ? `${formatCount(selected)} of ${formatCount(total)} selected`
        : `${formatCount(total)} points`,
    );
    setText(this.countRoom, `${formatCount(total)} of ${formatCount(total)} selected`);
    this.root.dataset.selectedCount = String(selected);
  }

  setLayoutStatus(method: string, status: string): void {
    setText(this.method, METHOD_NAMES[method] ?? method);
    this.method.hidden = method === "";
    setText(this.statusText, status);
    this.status.hidden = status === "";
  }

  setMode(mode: MouseMode): void {
    for (const [m, button] of this.modeButtons) {
      button.setAttribute("aria-pressed", String(m === mode));
    }
    this.plot.dataset.mode = mode;
  }

  /** Fill the colour-by menu (options are text, whatever the column is called). */
  setColumns(names: readonly string[], current: string): void {
    const list = names.includes(current) || current === "" ? names : [...names, current];
    replaceChildren(
      this.select,
      ...list.map((name) => h("option", { attrs: { value: name } }, name)),
    );
    this.select.value = current;
  }

  /** A clickable legend for categories, a colour bar for numbers, or "loading". */
  setLegend(coloring: Coloring | null, pending: string | null): void {
    if (pending !== null) {
      replaceChildren(
        this.legend,
        h("span", { className: "nbdl-scatter-muted" }, `loading column ${pending}…`),
      );
      return;
    }
    if (coloring === null) {
      replaceChildren(this.legend);
      return;
    }
    if (coloring.kind === "numeric") {
      const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => rgbCss(colormapColor(t))).join(", ");
      replaceChildren(
        this.legend,
        h("span", { className: "nbdl-scatter-legend-title" }, coloring.column),
        h("span", { className: "nbdl-scatter-colorbar-value" }, scaleText(coloring.min)),
        h("span", {
          className: "nbdl-scatter-colorbar",
          style: { background: `linear-gradient(to right, ${stops})` },
        }),
        h("span", { className: "nbdl-scatter-colorbar-value" }, scaleText(coloring.max)),
      );
      return;
    }
    const shown = coloring.legend.slice(0, MAX_LEGEND);
    const rest = coloring.legend.length - shown.length;
    replaceChildren(
      this.legend,
      h("span", { className: "nbdl-scatter-legend-title" }, coloring.column),
      ...shown.map((entry) =>
        h(
          "button",
          {
            className: "nbdl-scatter-legend-item",
            title: `${entry.name}: ${formatCount(entry.count)} — click to select (Shift adds, Alt subtracts)`,
            attrs: { type: "button", "data-index": entry.index },
            on: {
              click: (ev) => this.handlers.onLegendClick(entry, ev),
              mouseenter: () => this.handlers.onLegendHover(entry),
              mouseleave: () => this.handlers.onLegendHover(null),
            },
          },
          h("span", {
            className: "nbdl-scatter-swatch",
            style: { background: rgbCss(coloring.colors[entry.index]) },
          }),
          entry.name,
        ),
      ),
      rest > 0
        ? h("span", { className: "nbdl-scatter-muted" }, `+${formatCount(rest)} more`)
        : null,
    );
  }

  /** Show a message over the plot instead of points (null hides it). */
  setMessage(text: string | null): void {
    this.message.hidden = text === null;
    setText(this.message, text ?? "");
  }

  /** Tooltip at (x, y) CSS px in the plot container, rows of [name, value]. */
  showTooltip(x: number, y: number, rows: Array<[string, string]>): void {
    // Moving over the same point only moves the box: no new rows, no measuring
    // (a read after a DOM write lays out the whole notebook, on every move).
    const text = JSON.stringify(rows);
    if (text !== this.tipText || this.tooltip.hidden) {
      this.tipText = text;
      replaceChildren(
        this.tooltip,
        ...rows.map(([k, v]) =>
          h(
            "div",
            { className: "nbdl-scatter-tip-row" },
            h("span", { className: "nbdl-scatter-tip-key" }, k),
            v,
          ),
        ),
      );
      this.tooltip.hidden = false;
      this.tipSize = [this.tooltip.offsetWidth, this.tooltip.offsetHeight];
    }
    // Flip to the other side of the cursor near the right or bottom edge.
    const [tw, th] = this.tipSize;
    const [width, height] = this.plotSize;
    const left = x + 14 + tw > width ? x - 14 - tw : x + 14;
    const top = y + 14 + th > height ? Math.max(0, y - 14 - th) : y + 14;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${top}px`;
  }

  hideTooltip(): void {
    this.tooltip.hidden = true;
  }
}
