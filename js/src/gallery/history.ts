// A sample's history in the detail panel: the given label's probability after
// each epoch as a small line chart (dots: green where the prediction was the
// given label, red where not) and the predicted class per epoch as runs
// ("3 at 0–1 → 8 at 2–11"). Built from the table model's `history` reply.

import { chartSvg, h, svg } from "../lib/dom";
import { linePoints, predRuns } from "../lib/epochs";

/** The `{type: "history"}` reply: one entry per epoch, null where unknown. */
export interface HistoryReply {
  pos: number;
  label: number;
  given: (number | null)[];
  pred: (number | null)[];
}

const WIDTH = 240;
const HEIGHT = 56;
const LEFT = 22;
const TOP = 4;
const BOTTOM = 12;

/**
 * The predicted classes as runs of epochs (0-based, as in Python).
 *
 * @example predictionRunsText([3, 3, 8], ["0", "1", "2", "3", "4", "5", "6", "7", "8"]) // "3 (0–1) → 8 (2)"
 */
export function predictionRunsText(
  pred: readonly (number | null)[],
  names: readonly string[],
): string {
  return predRuns(pred)
    .map(({ code, from, to }) => {
      const name = code === null ? "?" : (names[code] ?? String(code));
      return `${name} (${from === to ? from : `${from}–${to}`})`;
    })
    .join(" → ");
}

/** The history block, or null when the table has no training dynamics. */
export function buildHistory(reply: HistoryReply, names: readonly string[]): HTMLElement | null {
  const { given, pred, label } = reply;
  if (given.length === 0) return null;
  const n = given.length;
  const x = (e: number) => (n <= 1 ? WIDTH / 2 : (e * WIDTH) / (n - 1));
  const plot = svg("g", { transform: `translate(${LEFT},${TOP})` });
  for (const v of [0, 0.5, 1]) {
    const y = (1 - v) * HEIGHT;
    plot.append(
      svg("line", { class: "nbdl-history-grid", x1: 0, x2: WIDTH, y1: y, y2: y }),
      svg("text", { class: "nbdl-history-tick", x: -4, y: y + 3, "text-anchor": "end" }, String(v)),
    );
  }
  plot.append(
    svg("text", { class: "nbdl-history-tick", x: 0, y: HEIGHT + 10 }, "0"),
    svg(
      "text",
      { class: "nbdl-history-tick", x: WIDTH, y: HEIGHT + 10, "text-anchor": "end" },
      String(n - 1),
    ),
  );
  for (const points of linePoints(given, WIDTH, HEIGHT)) {
    plot.append(svg("polyline", { class: "nbdl-history-line", points }));
  }
  given.forEach((v, e) => {
    if (v === null) return;
    const p = pred[e];
    const state = p === undefined || p === null ? "unknown" : p === label ? "right" : "wrong";
    const predName = p === undefined || p === null ? "?" : (names[p] ?? String(p));
    plot.append(
      svg(
        "circle",
        { class: `nbdl-history-dot is-${state}`, cx: x(e), cy: (1 - v) * HEIGHT, r: 2.5 },
        svg(
          "title",
          {},
          `epoch ${e}: p(given) ${v.toFixed(3)}${pred.length ? `, predicted ${predName}` : ""}`,
        ),
      ),
    );
  });
  const chart = chartSvg(
    "nbdl-history-svg",
    LEFT + WIDTH + 6,
    TOP + HEIGHT + BOTTOM,
    "probability of the given label after each epoch",
    plot,
  );
  return h(
    "div",
    { className: "nbdl-history", attrs: { "data-epochs": n } },
    h("div", { className: "nbdl-history-title" }, `p(given label) over ${n} epochs`),
    chart,
    pred.length
      ? h(
          "div",
          { className: "nbdl-history-preds", title: "predicted class (epochs)" },
          h("span", { className: "nbdl-history-key" }, "predicted "),
          predictionRunsText(pred, names),
        )
      : null,
  );
}
