// The render functions of the views a container draws by kind (the marimo dashboard and
// the offline report): the same functions anywidget calls for each view on its own.

import confusion from "../confusion";
import gallery from "../gallery";
import issues from "../issues";
import scatter from "../scatter";

export type Cleanup = undefined | (() => void) | Promise<undefined | (() => void)>;
export type Render = (props: { model: never; el: HTMLElement }) => Cleanup;

/** Kind (nbdatalens.views.dashboard.KINDS) → render; the toolbar is the dashboard's own. */
export const VIEW_RENDERERS: Record<string, Render> = {
  confusion: confusion.render as unknown as Render,
  gallery: gallery.render as unknown as Render,
  issues: issues.render as unknown as Render,
  scatter: scatter.render as unknown as Render,
};
