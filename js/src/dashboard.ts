// `lens.show()` as one anywidget (Python: nbdatalens.views.dashboard.Dashboard), for hosts
// that display anywidgets but not ipywidgets containers (marimo's mo.ui.anywidget).
//
// The model holds references to the child view models (`IPY_MODEL_<id>` strings) and
// each child's kind; every child is resolved with widget_manager.get_model and drawn by
// its own view's render function in the same responsive grid as views/layout.py.
// When the page changes the selection, the dashboard copies it into its own
// `selection` trait: marimo re-runs the cells that read the wrapped dashboard only on
// updates of the widget it wraps, so this is what makes a selection reactive there.

import type { AnyModel } from "@anywidget/types";
import { type Bytes, selectionBytesEqual } from "./lib/codec";
import { isPageSelection, type RawModel } from "./lib/table_client";
import { type Render, VIEW_RENDERERS } from "./lib/view_renderers";
import toolbar from "./toolbar";

interface DashboardTraits {
  children: string[];
  kinds: string[];
  wide: boolean[];
  table: string;
  selection: unknown;
}

const RENDERERS: Record<string, Render> = {
  ...VIEW_RENDERERS,
  toolbar: toolbar.render as unknown as Render,
};

interface Manager {
  get_model(id: string): Promise<RawModel>;
}

function modelId(ref: string): string {
  if (typeof ref !== "string" || !ref.startsWith("IPY_MODEL_")) {
    throw new Error(`nbdatalens dashboard: expected a widget reference, got ${String(ref)}`);
  }
  return ref.slice("IPY_MODEL_".length);
}

/** The grid cell of one child: its kind's renderer, spanning the row when `wide`. */
function cell(grid: HTMLElement, wide: boolean): HTMLElement {
  const el = document.createElement("div");
  el.className = "nbdl-dashboard-cell";
  if (wide) el.classList.add("nbdl-dashboard-wide");
  grid.append(el);
  return el;
}

async function render({
  model,
  el,
}: {
  model: AnyModel<DashboardTraits>;
  el: HTMLElement;
}): Promise<() => void> {
  const manager = (model as unknown as { widget_manager: Manager }).widget_manager;
  const grid = document.createElement("div");
  grid.className = "nbdl-dashboard";
  el.append(grid);
  const kinds = model.get("kinds");
  const wide = model.get("wide");
  const refs = model.get("children");
  const cleanups: (() => void)[] = [];
  const cells = refs.map((_, i) => cell(grid, Boolean(wide[i])));
  const drawn = refs.map(async (ref, i) => {
    const render = RENDERERS[kinds[i]];
    if (!render) throw new Error(`nbdatalens dashboard: no view of kind "${kinds[i]}"`);
    const child = await manager.get_model(modelId(ref));
    const cleanup: unknown = await render({ model: child as never, el: cells[i] });
    if (typeof cleanup === "function") cleanups.push(cleanup as () => void);
  });

  // Mirror the selections the page makes into this widget's own trait (see the top).
  const table = await manager.get_model(modelId(model.get("table")));
  const mirror = () => {
    const current = table.get("selection") as Bytes | null;
    if (!isPageSelection(current)) return; // the kernel's own change: Python knows it
    if (selectionBytesEqual(current, model.get("selection") as Bytes | null)) return;
    model.set("selection", current);
    model.save_changes();
  };
  table.on("change:selection", mirror);
  const results = await Promise.allSettled(drawn);
  for (const result of results) {
    if (result.status === "rejected") console.error("nbdatalens dashboard:", result.reason);
  }
  grid.dataset.ready = "1";
  return () => {
    table.off("change:selection", mirror);
    for (const cleanup of cleanups) cleanup();
    grid.remove();
  };
}

export default { render };
