// The data map and the cluster map: one bundle, the view's `kind` trait says which.
//
// Everything lives in scatter/: the viewport maths, the two renderers (pixels
// for many points, canvas circles for few), the point index, the DOM chrome,
// gestures and the view that wires them to the shared table.

import type { AnyModel } from "@anywidget/types";
import { TableClient } from "./lib/table_client";
import { type ScatterTraits, ScatterView } from "./scatter/view";

async function render({ model, el }: { model: AnyModel<ScatterTraits>; el: HTMLElement }) {
  const table = await TableClient.fromView(model);
  const view = new ScatterView(model, table);
  el.append(view.root);
  view.start();
  return () => {
    view.dispose();
    view.root.remove();
  };
}

export default { render };
