// The toolbar's DOM: groups of controls built once, with the callbacks the
// view wires to them. User strings (tags, class names, selection names,
// paths) only ever become text.

import { h } from "../lib/dom";
import { EXPORT_FORMATS } from "./state";

// Copies of nbdatalens/annotations.py's constants, needed before the kernel answers;
// tests/contract_fixture.test.ts fails when they differ from Python's.
/** Built-in tags in bit order (BUILTIN_TAGS). */
export const BUILTIN_TAGS = ["mislabeled", "ambiguous", "duplicate", "bad-sample"];
/** Longest free-text tag (MAX_TAG_LENGTH). */
export const MAX_TAG_LENGTH = 40;
/** Longest saved-selection name (MAX_SELECTION_NAME_LENGTH). */
export const MAX_SELECTION_NAME_LENGTH = 80;

export interface ControlActions {
  clear(): void;
  toggleTag(tag: string): void;
  addFreeTag(): void;
  relabel(): void;
  selectAnnotated(value: string): void;
  save(): void;
  exportFile(overwrite: boolean): void;
  formatChanged(): void;
  fileNameEdited(): void;
  /** A text box or menu changed: buttons may become (un)usable. */
  inputsChanged(): void;
}

export function button(
  text: string,
  title: string,
  onClick: (event: MouseEvent) => void,
  className = "nbdl-tb-button",
): HTMLButtonElement {
  return h("button", { className, title, attrs: { type: "button" }, on: { click: onClick } }, text);
}

function group(label: string, ...children: (HTMLElement | string)[]): HTMLDivElement {
  return h(
    "div",
    { className: "nbdl-tb-group", attrs: { role: "group", "aria-label": label } },
    h("span", { className: "nbdl-tb-label" }, label),
    ...children,
  );
}

/** Every control of the toolbar, built once. */
export class Controls {
  readonly summary = h("span", { className: "nbdl-tb-summary", attrs: { "aria-live": "polite" } });
  readonly clearButton: HTMLButtonElement;
  readonly tagButtons = h("span", { className: "nbdl-tb-tags" });
  readonly freeTag = h("input", {
    className: "nbdl-tb-input nbdl-tb-free-tag",
    title: "a tag of your own: type it and press Enter",
    attrs: { type: "text", placeholder: "other tag…", maxlength: MAX_TAG_LENGTH, size: 10 },
  });
  readonly addTagButton: HTMLButtonElement;
  readonly relabelSelect = h("select", {
    className: "nbdl-tb-select nbdl-tb-relabel",
    title: "the corrected label for the selected samples",
    attrs: { "aria-label": "relabel as" },
  });
  readonly relabelButton: HTMLButtonElement;
  readonly annotatedSelect = h("select", {
    className: "nbdl-tb-select nbdl-tb-select-tagged",
    title: "select every sample with a tag or a correction",
    attrs: { "aria-label": "select tagged" },
  });
  readonly saveName = h("input", {
    className: "nbdl-tb-input nbdl-tb-save-name",
    title: "save the selection under this name (a regression set for lens.evaluate)",
    attrs: {
      type: "text",
      placeholder: "name this selection…",
      maxlength: MAX_SELECTION_NAME_LENGTH,
      size: 15,
    },
  });
  readonly saveButton: HTMLButtonElement;
  readonly savedList = h("span", { className: "nbdl-tb-saved" });
  readonly formatSelect: HTMLSelectElement;
  readonly fileName = h("input", {
    className: "nbdl-tb-input nbdl-tb-file",
    title: "file name; relative names land in the kernel's working directory",
    attrs: { type: "text", size: 30, spellcheck: "false", "aria-label": "export file name" },
  });
  readonly exportButton: HTMLButtonElement;
  readonly replaceButton: HTMLButtonElement;
  readonly status = h("span", {
    className: "nbdl-tb-status",
    attrs: { "aria-live": "polite", role: "status" },
  });
  readonly selectionRow: HTMLDivElement;
  readonly filesRow: HTMLDivElement;
  readonly statusRow: HTMLDivElement;

  constructor(actions: ControlActions) {
    this.clearButton = button("clear", "clear the selection (Esc)", () => actions.clear());
    this.addTagButton = button("tag", "tag the selected samples with this text", () =>
      actions.addFreeTag(),
    );
    this.freeTag.addEventListener("input", () => actions.inputsChanged());
    this.freeTag.addEventListener("keydown", (event) => {
      if (event.key === "Enter") actions.addFreeTag();
    });
    this.relabelButton = button("apply", "set the corrected label of the selected samples", () =>
      actions.relabel(),
    );
    this.relabelSelect.addEventListener("change", () => actions.inputsChanged());
    this.annotatedSelect.addEventListener("change", () => {
      const value = this.annotatedSelect.value;
      this.annotatedSelect.value = "";
      if (value !== "") actions.selectAnnotated(value);
    });
    this.saveButton = button("save", "save the selection under this name", () => actions.save());
    this.saveName.addEventListener("keydown", (event) => {
      if (event.key === "Enter") actions.save();
    });
    this.saveName.addEventListener("input", () => actions.inputsChanged());
    this.formatSelect = h(
      "select",
      {
        className: "nbdl-tb-select nbdl-tb-format",
        title: "export format",
        attrs: { "aria-label": "export format" },
        on: { change: () => actions.formatChanged() },
      },
      ...EXPORT_FORMATS.map((f) => h("option", { attrs: { value: f.value } }, f.label)),
    );
    this.fileName.addEventListener("input", () => actions.fileNameEdited());
    this.fileName.addEventListener("keydown", (event) => {
      if (event.key === "Enter") actions.exportFile(false);
    });
    this.exportButton = button("export", "write the selected samples to this file", () =>
      actions.exportFile(false),
    );
    this.exportButton.classList.add("nbdl-tb-primary");
    this.replaceButton = button("replace it", "overwrite the existing file", () =>
      actions.exportFile(true),
    );
    this.replaceButton.hidden = true;

    this.selectionRow = h(
      "div",
      { className: "nbdl-tb-row" },
      this.summary,
      this.clearButton,
      group("tag", this.tagButtons, this.freeTag, this.addTagButton),
      group("relabel as", this.relabelSelect, this.relabelButton),
    );
    this.filesRow = h(
      "div",
      { className: "nbdl-tb-row" },
      this.annotatedSelect,
      group("saved", this.saveName, this.saveButton, this.savedList),
      group("export", this.formatSelect, this.fileName, this.exportButton, this.replaceButton),
    );
    this.filesRow.lastElementChild?.classList.add("nbdl-tb-export");
    this.statusRow = h("div", { className: "nbdl-tb-row nbdl-tb-status-row" }, this.status);
  }
}
