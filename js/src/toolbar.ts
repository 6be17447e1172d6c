// Selection toolbar entry (anywidget ESM; Python: nbdatalens.views.toolbar).
// Tag, relabel, save and export the current selection. See toolbar/view.ts.

import type { RenderProps } from "@anywidget/types";
import { TableClient } from "./lib/table_client";
import { watchTheme } from "./lib/theme";
import { type ToolbarModel, type ToolbarState, ToolbarView } from "./toolbar/view";

async function render({ model, el }: RenderProps<ToolbarState>): Promise<() => void> {
  const table = await TableClient.fromView(model);
  const view = new ToolbarView(model as unknown as ToolbarModel, table);
  el.appendChild(view.root);
  // Colours follow the host's theme (lib/theme.ts); the view itself draws only DOM.
  const stopTheme = watchTheme(view.root);
  return () => {
    stopTheme();
    view.dispose();
  };
}

export default { render };
