// Gallery view entry (anywidget ESM): the selection, or a random sample when
// nothing is selected, as lazily loaded thumbnails. See gallery/view.ts.

import type { RenderProps } from "@anywidget/types";
import { type GalleryModel, type GalleryState, GalleryView } from "./gallery/view";
import { TableClient } from "./lib/table_client";
import { watchTheme } from "./lib/theme";

async function render({ model, el }: RenderProps<GalleryState>): Promise<() => void> {
  const table = await TableClient.fromView(model);
  const view = new GalleryView(model as unknown as GalleryModel, table);
  el.appendChild(view.root);
  // Colours follow the host's theme (lib/theme.ts); the view itself draws only DOM.
  const stopTheme = watchTheme(view.root);
  return () => {
    stopTheme();
    view.dispose();
  };
}

export default { render };
