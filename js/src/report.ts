// The self-contained HTML report (Python: nbdatalens.views.report, `lens.to_html`).
//
// The page embeds every widget's exported state as JSON (`#nbdl-report-data`); this
// bundle rebuilds the models (report/host.ts), answers the views' requests from the
// replies computed at export, and draws each view with its own render function in the
// grid of views/layout.py, with a selection bar ("Copy ids") in the header.

import { TableClient } from "./lib/table_client";
import { VIEW_RENDERERS as RENDERERS } from "./lib/view_renderers";
import { SelectionBar } from "./report/bar";
import { connectResponder, type ReportData, ReportManager } from "./report/host";

/** Draw the report into `grid` (the views) and `bar` (the selection bar). */
export async function renderReport(
  data: ReportData,
  grid: HTMLElement,
  bar: HTMLElement,
): Promise<void> {
  const manager = new ReportManager(data.models);
  const tableModel = manager.model(data.table);
  connectResponder(data, tableModel);
  const table = new TableClient(tableModel);
  bar.append(new SelectionBar(table, data.ids).root);
  const drawn = data.children.map(async (child) => {
    const cell = document.createElement("div");
    cell.className = "nbdl-report-cell";
    cell.dataset.kind = child.kind;
    if (child.wide) cell.classList.add("nbdl-report-wide");
    grid.append(cell);
    const render = RENDERERS[child.kind];
    if (!render) throw new Error(`nbdatalens report: no view of kind "${child.kind}"`);
    await render({ model: manager.model(child.id) as never, el: cell });
  });
  const results = await Promise.allSettled(drawn);
  for (const result of results) {
    if (result.status === "rejected") console.error("nbdatalens report:", result.reason);
  }
  grid.dataset.ready = "1";
}

function boot(): void {
  const script = document.getElementById("nbdl-report-data");
  const grid = document.getElementById("nbdl-report-grid");
  const bar = document.getElementById("nbdl-report-bar");
  if (!script || !grid || !bar) return; // imported, not in a report page
  void renderReport(JSON.parse(script.textContent ?? "{}") as ReportData, grid, bar);
}

if (typeof document !== "undefined") boot();

export default { renderReport };
