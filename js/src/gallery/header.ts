// The gallery's header: what is shown ("12 selected · sorted by loss ↓" or
// "random sample of 60 — look at your data"), and the controls: sort key,
// direction, tile size, shuffle, and actions on the tiles marked with
// Ctrl/Cmd/Shift-click.

import { h, setText } from "../lib/dom";
import { formatCount } from "../lib/format";
import type { SortKey } from "./order";

export const SORT_LABELS: Record<SortKey, string> = {
  issue: "issue severity",
  loss: "loss",
  confidence: "confidence",
  margin: "margin",
  label: "label",
  table: "table order",
};

/** The size choices offered; any other `tile_size` shows as "custom". */
export const TILE_SIZES: Record<string, number> = { small: 64, medium: 96, large: 160 };

export interface HeaderActions {
  sortBy(key: SortKey): void;
  flipDirection(): void;
  tileSize(size: number): void;
  shuffle(): void;
  keepMarked(): void;
  removeMarked(): void;
  clearMarks(): void;
  /** Ask the kernel again after a failed request. */
  retry(): void;
}

export interface HeaderState {
  mode: "selection" | "sample";
  count: number;
  sampleSize: number;
  sortKey: SortKey;
  descending: boolean;
  marked: number;
}

/** "12 selected · sorted by loss ↓" / "random sample of 60 — look at your data · …". */
export function headerText(state: HeaderState): string {
  const arrow = state.descending ? "↓" : "↑";
  const sorted = `sorted by ${SORT_LABELS[state.sortKey]} ${arrow}`;
  const what =
    state.mode === "selection"
      ? `${formatCount(state.count)} selected`
      : `random sample of ${formatCount(state.count)} — look at your data`;
  return `${what} · ${sorted}`;
}

export class GalleryHeader {
  readonly el: HTMLDivElement;
  private readonly summary: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private readonly retryButton: HTMLButtonElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly direction: HTMLButtonElement;
  private readonly sizeSelect: HTMLSelectElement;
  private readonly shuffleButton: HTMLButtonElement;
  private readonly markActions: HTMLSpanElement;
  private readonly markCount: HTMLSpanElement;
  private readonly removeButton: HTMLButtonElement;
  private readonly keepButton: HTMLButtonElement;

  constructor(actions: HeaderActions) {
    const button = (text: string, title: string, onClick: () => void, className = "nbdl-button") =>
      h("button", { className, title, attrs: { type: "button" }, on: { click: onClick } }, text);
    this.summary = h("span", {
      className: "nbdl-gallery-summary",
      attrs: { "aria-live": "polite" },
    });
    this.status = h("span", { className: "nbdl-gallery-status", attrs: { role: "status" } });
    this.retryButton = button("retry", "ask the kernel again", () => actions.retry());
    this.retryButton.classList.add("nbdl-gallery-retry");
    this.retryButton.hidden = true;
    this.sortSelect = h("select", {
      className: "nbdl-select",
      title: "sort the tiles by",
      attrs: { "aria-label": "sort by" },
      on: { change: () => actions.sortBy(this.sortSelect.value as SortKey) },
    });
    this.direction = button("↓", "flip the sort direction", () => actions.flipDirection());
    this.direction.classList.add("nbdl-gallery-direction");
    this.sizeSelect = h(
      "select",
      {
        className: "nbdl-select",
        title: "thumbnail size",
        attrs: { "aria-label": "thumbnail size" },
        on: { change: () => actions.tileSize(Number(this.sizeSelect.value)) },
      },
      ...Object.entries(TILE_SIZES).map(([name, size]) =>
        h("option", { attrs: { value: size } }, name),
      ),
    );
    this.shuffleButton = button("shuffle", "draw another random sample", () => actions.shuffle());
    this.shuffleButton.classList.add("nbdl-gallery-shuffle");
    this.markCount = h("span", { className: "nbdl-gallery-marked" });
    this.keepButton = button("keep only these", "select only the marked tiles", () =>
      actions.keepMarked(),
    );
    this.removeButton = button("remove from selection", "unselect the marked tiles", () =>
      actions.removeMarked(),
    );
    this.markActions = h(
      "span",
      { className: "nbdl-gallery-mark-actions", attrs: { hidden: true } },
      this.markCount,
      this.keepButton,
      this.removeButton,
      button("×", "unmark all (Esc)", () => actions.clearMarks()),
    );
    this.el = h(
      "div",
      { className: "nbdl-gallery-toolbar" },
      this.summary,
      this.shuffleButton,
      this.markActions,
      this.status,
      this.retryButton,
      h("span", { className: "nbdl-gallery-spacer" }),
      h("label", { className: "nbdl-gallery-control" }, "sort ", this.sortSelect),
      this.direction,
      h("label", { className: "nbdl-gallery-control" }, "size ", this.sizeSelect),
    );
  }

  /** Offer only the keys this table can sort by. */
  setSortKeys(keys: readonly SortKey[]): void {
    this.sortSelect.replaceChildren(
      ...keys.map((key) => h("option", { attrs: { value: key } }, SORT_LABELS[key])),
    );
  }

  update(state: HeaderState, tileSize: number): void {
    setText(this.summary, headerText(state));
    this.sortSelect.value = state.sortKey;
    setText(this.direction, state.descending ? "↓" : "↑");
    this.direction.title = state.descending
      ? "highest first — click for lowest first"
      : "lowest first — click for highest first";
    this.shuffleButton.hidden = state.mode !== "sample";
    this.markActions.hidden = state.marked === 0;
    setText(this.markCount, `${formatCount(state.marked)} marked`);
    this.keepButton.textContent = state.mode === "sample" ? "select these" : "keep only these";
    this.removeButton.hidden = state.mode === "sample";
    this.setTileSize(tileSize);
  }

  private setTileSize(size: number): void {
    const known = Object.values(TILE_SIZES).includes(size);
    const custom = this.sizeSelect.querySelector("option[data-custom]");
    if (known) {
      custom?.remove();
    } else if (!custom || custom.getAttribute("value") !== String(size)) {
      custom?.remove();
      this.sizeSelect.append(
        h("option", { attrs: { value: size, "data-custom": "1" } }, `${size} px`),
      );
    }
    this.sizeSelect.value = String(size);
  }

  /** A short status next to the summary ("" hides it); errors from the kernel go here,
   * with a retry button. */
  setStatus(text: string, isError = false): void {
    setText(this.status, text);
    this.status.classList.toggle("nbdl-error", isError);
    this.status.title = text;
    this.retryButton.hidden = !isError;
  }
}
