// The report's selection bar: how many samples are selected, "Copy ids" (to the
// clipboard, and into a textarea for pages without clipboard permission) and "Clear".

import { h, setText } from "../lib/dom";
import { formatCount } from "../lib/format";
import type { TableClient } from "../lib/table_client";

/** The ids of the selected rows, one per line, in table order. */
export function selectedIds(mask: Uint8Array, ids: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(ids[i] ?? String(i));
  return out;
}

export class SelectionBar {
  readonly root: HTMLDivElement;
  private readonly count: HTMLSpanElement;
  private readonly copy: HTMLButtonElement;
  private readonly status: HTMLSpanElement;
  private readonly box: HTMLTextAreaElement;
  private readonly table: TableClient;
  private readonly ids: readonly string[];

  constructor(table: TableClient, ids: readonly string[]) {
    this.table = table;
    this.ids = ids;
    this.count = h("span", { className: "nbdl-report-count" });
    this.status = h("span", { className: "nbdl-report-status", attrs: { role: "status" } });
    this.copy = h(
      "button",
      {
        className: "nbdl-button nbdl-report-copy",
        title: "Copy the ids of the selected samples (one per line)",
        attrs: { type: "button" },
        on: { click: () => void this.copyIds() },
      },
      "Copy ids",
    );
    const clear = h(
      "button",
      {
        className: "nbdl-button nbdl-report-clear",
        title: "Select nothing (Esc)",
        attrs: { type: "button" },
        on: { click: () => table.clearSelection() },
      },
      "Clear",
    );
    this.box = h("textarea", {
      className: "nbdl-report-ids",
      attrs: { readonly: "", rows: 3, "aria-label": "ids of the selected samples" },
    });
    this.box.hidden = true;
    this.root = h(
      "div",
      { className: "nbdl-report-selection" },
      this.count,
      this.copy,
      clear,
      this.status,
      this.box,
    );
    table.on("change:selection", () => this.update());
    this.update();
  }

  update(): void {
    const n = this.table.selectionCount();
    this.root.dataset.selectedCount = String(n);
    setText(this.count, n === 0 ? "nothing selected" : `${formatCount(n)} selected`);
    this.copy.disabled = n === 0;
    this.box.hidden = true;
    setText(this.status, "");
  }

  /** Put the ids on the clipboard where the page may, and always in the textarea. */
  async copyIds(): Promise<void> {
    const ids = selectedIds(this.table.selectionMask(), this.ids);
    const text = ids.join("\n");
    this.box.value = text;
    this.box.hidden = false;
    this.box.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      copied = false; // no clipboard permission (a file:// page, an iframe): the box has them
    }
    setText(
      this.status,
      copied
        ? `copied ${formatCount(ids.length)} ids`
        : `${formatCount(ids.length)} ids below (the page may not use the clipboard)`,
    );
  }
}
