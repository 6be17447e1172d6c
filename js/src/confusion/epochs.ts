// The confusion matrix over epochs: the epoch bar (play button, slider, text,
// or a one-line reason when the table has no per-epoch predictions) and the
// per-class recall-over-epochs chart beside the matrix (a line per class, a
// marker at the shown epoch, a clickable legend).

import { categoricalColor, rgbaToCss } from "../lib/colors";
import { chartSvg, h, replaceChildren, setText, svg } from "../lib/dom";
import { epochText, learnedBy, linePoints, seriesOf, sliderOfEpoch } from "../lib/epochs";

export interface EpochBar {
  el: HTMLDivElement;
  play: HTMLButtonElement;
  slider: HTMLInputElement;
  text: HTMLSpanElement;
}

/** The bar above the matrix; with `nEpochs` 0 it holds only `note` (why there is no slider). */
export function buildEpochBar(nEpochs: number, note: string): EpochBar {
  const play = h(
    "button",
    {
      className: "nbdl-cm-play",
      title: "Play: step through the epochs",
      attrs: { type: "button", "aria-label": "play the epochs" },
    },
    "▶",
  );
  const slider = h("input", {
    className: "nbdl-cm-slider",
    title: "Epoch whose predictions the matrix shows (rightmost = final predictions)",
    attrs: {
      type: "range",
      min: 0,
      max: nEpochs,
      step: 1,
      value: nEpochs,
      "aria-label": "epoch",
    },
  });
  const text = h("span", { className: "nbdl-cm-epoch" }, epochText(null, nEpochs));
  const el = h("div", { className: "nbdl-cm-epochs" });
  if (nEpochs > 0) el.append(play, slider, text);
  else el.append(h("span", { className: "nbdl-cm-epochs-note", title: note }, note));
  return { el, play, slider, text };
}

/** Show `epoch` (null = final) on the bar without firing its events. */
export function setBarEpoch(bar: EpochBar, epoch: number | null, nEpochs: number): void {
  bar.slider.value = String(sliderOfEpoch(epoch, nEpochs));
  setText(bar.text, epochText(epoch, nEpochs));
}

export function setPlaying(bar: EpochBar, playing: boolean): void {
  setText(bar.play, playing ? "❚❚" : "▶");
  bar.play.setAttribute("aria-pressed", String(playing));
  bar.play.title = playing ? "Pause" : "Play: step through the epochs";
}

/** Chart geometry (CSS px of the plot area inside the SVG). */
const CHART = { width: 150, height: 96, left: 24, top: 6, bottom: 14 };
/** A class whose recall stays at or above this is "learned" in the legend's text. */
export const LEARNED_RECALL = 0.8;

export interface RecallChart {
  el: HTMLDivElement;
  marker: SVGLineElement;
  legend: HTMLDivElement;
}

/**
 * The recall-over-epochs chart of `recall` (E rows × C classes, null = class
 * never given). Lines and legend entries carry `data-class`; a click on
 * either is the caller's (it selects that class's samples).
 */
export function buildRecallChart(
  recall: (number | null)[][],
  names: readonly string[],
): RecallChart {
  const { width, height, left, top, bottom } = CHART;
  const nEpochs = recall.length;
  const lo = recallFloor(recall);
  const scaled = (v: number | null) => (v === null ? null : (v - lo) / (1 - lo));
  const plot = svg("g", { transform: `translate(${left},${top})` });
  for (const v of [lo, (lo + 1) / 2, 1]) {
    const y = (1 - (scaled(v) ?? 0)) * height;
    plot.append(
      svg("line", { class: "nbdl-cm-rc-grid", x1: 0, x2: width, y1: y, y2: y }),
      svg(
        "text",
        { class: "nbdl-cm-rc-tick", x: -4, y: y + 3, "text-anchor": "end" },
        String(Math.round(v * 100) / 100),
      ),
    );
  }
  plot.append(
    svg("text", { class: "nbdl-cm-rc-tick", x: 0, y: height + 11 }, "0"),
    svg(
      "text",
      { class: "nbdl-cm-rc-tick", x: width, y: height + 11, "text-anchor": "end" },
      String(nEpochs - 1),
    ),
  );
  const marker = svg("line", {
    class: "nbdl-cm-rc-marker",
    x1: width,
    x2: width,
    y1: 0,
    y2: height,
  });
  plot.append(marker);
  const legendItems: HTMLElement[] = [];
  names.forEach((name, c) => {
    const series = seriesOf(recall, c);
    if (series.every((v) => v === null)) return; // a class nobody is given has no recall
    const color = rgbaToCss(categoricalColor(c));
    const group = svg("g", { class: "nbdl-cm-rc-line", "data-class": c });
    for (const points of linePoints(series.map(scaled), width, height)) {
      group.append(
        svg("polyline", { class: "nbdl-cm-rc-stroke", points, stroke: color }),
        svg("polyline", { class: "nbdl-cm-rc-hit", points }),
      );
    }
    group.append(svg("title", {}, `${name} — click to select its samples`));
    plot.append(group);
    const by = learnedBy(series, LEARNED_RECALL);
    const when = by === null ? "never ≥80%" : by === 0 ? "" : `≥80% from ${by}`;
    legendItems.push(
      h(
        "button",
        {
          className: "nbdl-cm-rc-item",
          title: `given ${name}: recall per epoch ${series
            .map((v) => (v === null ? "–" : `${Math.round(v * 100)}%`))
            .join(" ")} — click to select`,
          attrs: { type: "button", "data-class": c },
        },
        h("span", { className: "nbdl-cm-rc-swatch", style: { background: color } }),
        h("span", { className: "nbdl-cm-name" }, name),
        h("span", { className: "nbdl-cm-rc-value" }, ""),
        h("span", { className: "nbdl-cm-rc-when" }, when),
      ),
    );
  });
  const chart = chartSvg(
    "nbdl-cm-rc-svg",
    left + width + 6,
    top + height + bottom,
    "recall of each class over epochs",
    plot,
  );
  const legend = h("div", { className: "nbdl-cm-rc-legend" }, ...legendItems);
  const el = h(
    "div",
    { className: "nbdl-cm-recall" },
    h(
      "div",
      { className: "nbdl-cm-rc-title", title: "recall = correct / given, after each epoch" },
      "Recall over epochs",
    ),
    chart,
    legend,
  );
  return { el, marker, legend };
}

/**
 * The chart's lowest recall: the lowest value rounded down to a tenth (at most
 * 0.8), so classes that all end near 90 % are told apart.
 *
 * @example recallFloor([[0.42, 0.9], [0.85, 0.95]]) // 0.4
 */
export function recallFloor(recall: readonly (readonly (number | null)[])[]): number {
  let lowest = 1;
  for (const row of recall) for (const v of row) if (v !== null && v < lowest) lowest = v;
  return Math.min(0.8, Math.floor(lowest * 10) / 10);
}

/** Move the marker to `epoch` (null = final: the last epoch) and show each class's recall there. */
export function setChartEpoch(
  chart: RecallChart,
  recall: (number | null)[][],
  epoch: number | null,
): void {
  const n = recall.length;
  const e = epoch === null ? n - 1 : epoch;
  const x = n <= 1 ? CHART.width / 2 : (e * CHART.width) / (n - 1);
  for (const name of ["x1", "x2"])
    chart.marker.setAttribute(name, String(Math.round(x * 100) / 100));
  for (const item of Array.from(chart.legend.children) as HTMLElement[]) {
    const c = Number(item.dataset.class);
    const v = recall[e]?.[c];
    const value = item.querySelector(".nbdl-cm-rc-value");
    if (value) setText(value, v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);
  }
}

/** Emphasise one class's line (or none with -1). */
export function highlightClass(chart: RecallChart, svgRoot: Element, c: number): void {
  for (const line of Array.from(svgRoot.querySelectorAll(".nbdl-cm-rc-line"))) {
    line.classList.toggle("is-hover", Number((line as SVGElement).dataset.class) === c);
  }
  for (const item of Array.from(chart.legend.children)) {
    item.classList.toggle("is-hover", Number((item as HTMLElement).dataset.class) === c);
  }
  svgRoot.classList.toggle("has-hover", c >= 0);
}

export function clearChart(el: Element): void {
  replaceChildren(el);
}
