// Selection toolbar entry (anywidget ESM; Python: nbdatalens.views.toolbar).
// Tag, relabel, save and export the current selection. See toolbar/view.ts.

import type { RenderProps } from "@anywidget/types";
import { TableClient } from "./lib/table_client";
import { type ToolbarModel, type ToolbarState, ToolbarView } from "./toolbar/view";

async function render({ model, el }: RenderProps<ToolbarState>): Promise<() => void> {
  const table = await TableClient.fromView(model);
  const view = new ToolbarView(model as unknown as ToolbarModel, table);
  el.appendChild(view.root);
  return () => view.dispose();
}

export default { render };
