// The DOM around the canvas: toolbar (counts, clear, raw / row-normalised),
// axis titles, sticky row and column headers (class names as text, with a
// `title` holding the full name), the canvas, the hover box and the tooltip.

import { h, replaceChildren, setText } from "../lib/dom";
import { computeLayout, HEADER_FONT_PX, type Hit, type Layout } from "./layout";
import type { Normalize } from "./palette";
import type { TooltipContent } from "./text";

export interface Frame {
  root: HTMLDivElement;
  status: HTMLSpanElement;
  clear: HTMLButtonElement;
  modeButtons: Record<Normalize, HTMLButtonElement>;
  body: HTMLDivElement;
  xTitle: HTMLDivElement;
  scroller: HTMLDivElement;
  grid: HTMLDivElement;
  columns: HTMLDivElement;
  rows: HTMLDivElement;
  plot: HTMLDivElement;
  canvas: HTMLCanvasElement;
  hover: HTMLDivElement;
  tooltip: HTMLDivElement;
  message: HTMLDivElement;
}

/** Build the skeleton; class names are filled in by {@link setClassHeaders}. */
export function buildFrame(): Frame {
  const status = h("span", { className: "nbdl-cm-status", attrs: { "aria-live": "polite" } });
  const clear = h(
    "button",
    { className: "nbdl-cm-clear", title: "Clear the selection (Esc)", attrs: { type: "button" } },
    "Clear",
  );
  const modeButton = (mode: Normalize, text: string, title: string) =>
    h(
      "button",
      { className: "nbdl-cm-mode", title, attrs: { type: "button", "data-mode": mode } },
      text,
    );
  const modeButtons = {
    none: modeButton("none", "Counts", "Show raw counts"),
    row: modeButton("row", "Row %", "Show each cell as a share of its given class (row)"),
  };
  const toolbar = h(
    "div",
    { className: "nbdl-cm-toolbar" },
    h("span", { className: "nbdl-cm-title" }, "Confusion matrix"),
    status,
    clear,
    h("span", { className: "nbdl-cm-spacer" }),
    h(
      "div",
      { className: "nbdl-cm-segmented", attrs: { role: "group", "aria-label": "Cell values" } },
      modeButtons.none,
      modeButtons.row,
    ),
  );
  const columns = h("div", { className: "nbdl-cm-cols" });
  const rows = h("div", { className: "nbdl-cm-rows" });
  const canvas = h("canvas", { className: "nbdl-cm-canvas" });
  const hover = h("div", { className: "nbdl-cm-hover" });
  const plot = h("div", { className: "nbdl-cm-plot" }, canvas, hover);
  const grid = h(
    "div",
    { className: "nbdl-cm-grid" },
    h("div", { className: "nbdl-cm-corner" }),
    columns,
    rows,
    plot,
  );
  const scroller = h("div", { className: "nbdl-cm-scroller" }, grid);
  const xTitle = h("div", { className: "nbdl-cm-xtitle" }, "Predicted label →");
  const body = h(
    "div",
    { className: "nbdl-cm-body" },
    h("div", { className: "nbdl-cm-ytitle" }, "Given label →"),
    xTitle,
    scroller,
  );
  const tooltip = h("div", { className: "nbdl-cm-tooltip", attrs: { role: "tooltip" } });
  const message = h("div", { className: "nbdl-cm-message" });
  const root = h(
    "div",
    { className: "nbdl-confusion", attrs: { tabindex: 0, "data-ready": "0" } },
    toolbar,
    body,
    message,
    tooltip,
  );
  return {
    root,
    status,
    clear,
    modeButtons,
    body,
    xTitle,
    scroller,
    grid,
    columns,
    rows,
    plot,
    canvas,
    hover,
    tooltip,
    message,
  };
}

/** One header button per class (given classes down the left, predicted across the top). */
export function setClassHeaders(frame: Frame, names: readonly string[]): void {
  const button = (axis: "row" | "col", k: number) =>
    h(
      "button",
      {
        className: `nbdl-cm-${axis}`,
        title: `${axis === "row" ? "given" : "predicted"} ${names[k]} — click to select`,
        attrs: { type: "button", "data-index": k },
      },
      h("span", { className: "nbdl-cm-name" }, names[k]),
    );
  replaceChildren(frame.rows, ...names.map((_, k) => button("row", k)));
  replaceChildren(
    frame.columns,
    ...names.map((_, k) => button("col", k)),
    h("span", { className: "nbdl-cm-marginhead", title: "recall = correct / given" }, "recall"),
    h("span", { className: "nbdl-cm-marginhead", title: "support = samples given" }, "support"),
  );
  frame.rows.append(
    h(
      "span",
      { className: "nbdl-cm-marginhead", title: "precision = correct / predicted" },
      "precision",
    ),
  );
}

// Width of the vertical "Given label" title column (see .nbdl-cm-body in confusion.css).
const Y_TITLE_WIDTH = 16;

/**
 * The layout for the space the body has now, measuring the class names and
 * the widest texts with the canvas' font. `cellShapes` are the cell texts'
 * shapes (cellTextShapes) with exact and with short counts.
 */
export function measureLayout(
  frame: Frame,
  names: readonly string[],
  cellShapes: { exact: readonly string[]; short: readonly string[] },
  widestSupport: string,
  fontFamily: string,
): Layout {
  const ctx = frame.canvas.getContext("2d");
  const widthAt = (text: string, px: number) => {
    if (!ctx) return text.length * px * 0.6;
    ctx.font = `400 ${px}px ${fontFamily}`;
    return ctx.measureText(text).width;
  };
  const widest = (texts: readonly string[], px: number) =>
    texts.reduce((w, text) => Math.max(w, widthAt(text, px)), 0);
  const labelWidth = widest(names, HEADER_FONT_PX);
  return computeLayout({
    width: frame.body.clientWidth - Y_TITLE_WIDTH,
    height: frame.body.clientHeight - frame.xTitle.offsetHeight,
    nClasses: names.length,
    labelWidth,
    cellTextWidth10: widest(cellShapes.exact, 10),
    shortTextWidth10: widest(cellShapes.short, 10),
    supportTextWidth: widthAt(widestSupport, 12),
  });
}

/** Size the grid, canvas and headers for `layout` (`scale` = canvas pixels per CSS px). */
export function applyLayout(frame: Frame, layout: Layout, scale: number): void {
  const { cell, nClasses: c } = layout;
  const grid = c * cell;
  const px = (v: number) => `${v}px`;
  frame.grid.style.gridTemplateColumns = `${px(layout.rowHeaderWidth)} ${px(layout.canvasWidth)}`;
  frame.grid.style.gridTemplateRows = `${px(layout.colHeaderHeight)} ${px(layout.canvasHeight)}`;
  frame.xTitle.style.paddingLeft = px(layout.rowHeaderWidth);
  frame.root.style.setProperty("--nbdl-cm-col-header", px(layout.colHeaderHeight));
  frame.root.classList.toggle("nbdl-cm-rotated", layout.rotateColumnLabels);
  frame.root.dataset.cellPx = String(cell);
  frame.root.dataset.scrolls = layout.scrolls ? "1" : "0";

  const canvas = frame.canvas;
  canvas.style.width = px(layout.canvasWidth);
  canvas.style.height = px(layout.canvasHeight);
  canvas.width = Math.round(layout.canvasWidth * scale);
  canvas.height = Math.round(layout.canvasHeight * scale);

  const cols = frame.columns.children;
  for (let k = 0; k < cols.length; k++) {
    const el = cols[k] as HTMLElement;
    if (k < c) {
      el.style.left = px(k * cell);
      el.style.width = px(cell);
    } else {
      // The "recall" and "support" heads sit over the margin columns.
      const isRecall = k === c;
      el.style.left = px(grid + (isRecall ? 0 : layout.recallWidth));
      el.style.width = px(isRecall ? layout.recallWidth : layout.supportWidth);
    }
  }
  const rows = frame.rows.children;
  for (let k = 0; k < rows.length; k++) {
    const el = rows[k] as HTMLElement;
    el.style.top = px(k < c ? k * cell : grid + 4);
    el.style.height = px(k < c ? cell - 1 : layout.marginHeight - 6);
  }
}

/** Fill the tooltip with `content`, or hide it (null). */
export function setTooltip(frame: Frame, content: TooltipContent | null): void {
  const tip = frame.tooltip;
  if (content === null) {
    tip.style.display = "none";
    return;
  }
  replaceChildren(
    tip,
    h("div", { className: "nbdl-cm-tiptitle" }, content.title),
    ...content.lines.map((line) => h("div", {}, line)),
  );
  tip.style.display = "block";
}

/** Place the tooltip near (x, y) in root coordinates, flipped to stay inside the root. */
export function moveTooltip(frame: Frame, x: number, y: number): void {
  const tip = frame.tooltip;
  const w = tip.offsetWidth;
  const th = tip.offsetHeight;
  const left = x + 14 + w > frame.root.clientWidth ? Math.max(0, x - 14 - w) : x + 14;
  const top = y + 14 + th > frame.root.clientHeight ? Math.max(0, y - 14 - th) : y + 14;
  tip.style.transform = `translate(${left}px, ${top}px)`;
}

/** Outline the hovered cell and highlight its row and column headers (null = nothing). */
export function markHover(frame: Frame, layout: Layout | null, hit: Hit | null): void {
  const given = hit && "given" in hit ? hit.given : -1;
  const pred = hit && "pred" in hit ? hit.pred : -1;
  for (const [container, index] of [
    [frame.rows, given],
    [frame.columns, pred],
  ] as const) {
    const previous = container.querySelector(".is-hover");
    const next = index >= 0 ? (container.children[index] as HTMLElement | undefined) : undefined;
    if (previous === next) continue;
    previous?.classList.remove("is-hover");
    next?.classList.add("is-hover");
  }
  const box = frame.hover.style;
  if (layout === null || hit?.kind !== "cell") {
    box.display = "none";
    return;
  }
  const cell = layout.cell;
  box.display = "block";
  box.transform = `translate(${hit.pred * cell - 1}px, ${hit.given * cell - 1}px)`;
  box.width = `${cell + 1}px`;
  box.height = `${cell + 1}px`;
}

/** The header line: "N samples · k selected", and whether Clear does anything. */
export function setStatus(frame: Frame, text: string, selected: number): void {
  setText(frame.status, text);
  frame.clear.disabled = selected === 0;
  frame.root.dataset.selectedCount = String(selected);
}
