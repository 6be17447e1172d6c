// Issues view entry (anywidget ESM; Python: nbdatalens.views.issues).
// One row per issue check; a click selects the flagged samples. See issues/view.ts.

import type { RenderProps } from "@anywidget/types";
import { IssuesView, type IssuesViewModel, type IssuesViewState } from "./issues/view";
import { TableClient } from "./lib/table_client";
import { watchTheme } from "./lib/theme";

async function render({ model, el }: RenderProps<IssuesViewState>): Promise<() => void> {
  const table = await TableClient.fromView(model);
  const view = new IssuesView(model as unknown as IssuesViewModel, table);
  el.appendChild(view.root);
  // Colours follow the host's theme (lib/theme.ts); the view itself draws only DOM.
  const stopTheme = watchTheme(view.root);
  return () => {
    stopTheme();
    view.dispose();
  };
}

export default { render };
