// anywidget entry of the confusion matrix view (Python: nbdatalens.views.confusion).

import type { RenderProps } from "@anywidget/types";
import { type ConfusionModel, ConfusionView } from "./confusion/view";
import { TableClient } from "./lib/table_client";

interface ConfusionTraits {
  table: string;
  normalize: string;
  height: number;
  epoch: number | null;
  n_epochs: number;
  epochs_note: string;
  epoch_recall: (number | null)[][];
}

async function render({ model, el }: RenderProps<ConfusionTraits>): Promise<() => void> {
  const table = await TableClient.fromView(model);
  const view = new ConfusionView(model as unknown as ConfusionModel, table);
  el.appendChild(view.frame.root);
  view.schedule();
  return () => view.dispose();
}

export default { render };
