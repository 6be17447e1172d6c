// The selection toolbar: "k of N selected", and what to do with them: tag,
// relabel, save under a name, export to a file. Actions are custom messages
// to the table model (nbdatalens/views/annotation_messages.py); their effect
// comes back through its annotations / tag_names / saved_selections traits.

import { h, replaceChildren, setText } from "../lib/dom";
import { formatCount } from "../lib/format";
import type { TableClient } from "../lib/table_client";
import { BUILTIN_TAGS, button, Controls } from "./controls";
import {
  type AnnotationArrays,
  type AnnotationState,
  annotatedMask,
  type Counts,
  countAnnotations,
  decodeAnnotations,
  defaultFileName,
  type SavedSelection,
  summaryText,
  tagAction,
  withFormatSuffix,
} from "./state";

/** The synced traits of the Python SelectionToolbar (same snake_case names). */
export interface ToolbarState {
  export_format: string;
  height: number;
}

export interface ToolbarModel {
  get<K extends keyof ToolbarState>(name: K): ToolbarState[K];
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

/** Exports may encode thousands of images: give the kernel time. */
const EXPORT_TIMEOUT_MS = 300_000;
const CONFIRM_MS = 3000;

type StatusKind = "ok" | "error" | "busy" | "";

export class ToolbarView {
  readonly root: HTMLDivElement;
  private readonly model: ToolbarModel;
  private readonly table: TableClient;
  private readonly ui: Controls;
  private arrays: AnnotationArrays = { bits: null, corrected: null, classes: [] };
  private counts: Counts | null = null;
  private autoName = true;
  private busy = 0;
  private readonly modelEvents: [string, () => void][];
  private confirmTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(model: ToolbarModel, table: TableClient) {
    this.model = model;
    this.table = table;
    this.ui = new Controls({
      clear: () => this.table.clearSelection(),
      toggleTag: (tag) => this.toggleTag(tag),
      addFreeTag: () => this.addFreeTag(),
      relabel: () => this.relabel(),
      selectAnnotated: (value) => this.selectAnnotated(value),
      save: () => this.save(),
      exportFile: (overwrite) => this.exportFile(overwrite),
      formatChanged: () => this.formatChanged(),
      fileNameEdited: () => {
        this.autoName = false;
        this.ui.replaceButton.hidden = true;
      },
      inputsChanged: () => this.updateEnabled(),
    });
    this.root = h(
      "div",
      {
        className: "nbdl-toolbar",
        attrs: { tabindex: 0, "data-ready": "0", "data-selected-count": "0" },
        on: { keydown: (event) => this.onKey(event) },
      },
      this.ui.selectionRow,
      this.ui.filesRow,
      this.ui.statusRow,
    );
    this.ui.formatSelect.value = model.get("export_format");
    this.ui.fileName.value = defaultFileName(new Date(), this.ui.formatSelect.value);
    this.modelEvents = [
      ["change:export_format", () => this.setFormat(model.get("export_format"))],
      ["change:height", () => this.applyHeight()],
    ];
    for (const [event, cb] of this.modelEvents) model.on(event, cb);
    table.on("change:selection", () => this.refresh(false));
    table.on("change:annotations", () => this.refresh(true));
    table.on("change:tag_names", () => this.refresh(true));
    table.on("change:saved_selections", () => this.renderSaved());
    this.applyHeight();
    this.refresh(true);
    this.renderSaved();
    this.root.dataset.ready = "1";
  }

  dispose(): void {
    for (const [event, cb] of this.modelEvents) this.model.off(event, cb);
    if (this.confirmTimer !== null) clearTimeout(this.confirmTimer);
    this.table.dispose();
  }

  // ------------------------------------------------------------- state
  private tagNames(): string[] {
    return (this.table.model.get("tag_names") as string[] | undefined) ?? [...BUILTIN_TAGS];
  }

  /** Recount after a selection or annotation change; `annotations` = the arrays changed too. */
  private refresh(annotations: boolean): void {
    if (annotations) {
      this.arrays = decodeAnnotations(this.table.model.get("annotations") as AnnotationState);
    }
    const mask = this.table.selectionMask();
    const selected = this.table.selectionCount();
    const names = this.tagNames();
    this.counts = countAnnotations(this.arrays, mask, names.length);
    setText(this.ui.summary, summaryText(selected, this.table.n, this.counts));
    this.root.dataset.selectedCount = String(selected);
    this.renderTags(names, selected);
    if (annotations) {
      this.renderClasses();
      this.renderAnnotatedMenu(names);
    }
    this.updateEnabled();
  }

  private renderTags(names: string[], selected: number): void {
    const counts = this.counts;
    replaceChildren(
      this.ui.tagButtons,
      ...names.map((tag, i) => {
        const carrying = counts ? counts.tagSelected[i] : 0;
        const action = tagAction(selected, carrying);
        const b = button(
          tag,
          action === "untag"
            ? `remove "${tag}" from the ${formatCount(selected)} selected`
            : `tag the ${formatCount(selected)} selected "${tag}"`,
          () => this.toggleTag(tag),
          "nbdl-tb-button nbdl-tb-tag",
        );
        b.dataset.tag = tag;
        b.setAttribute("aria-pressed", action === "untag" ? "true" : "false");
        if (carrying > 0 && action === "tag") b.classList.add("nbdl-tb-partial");
        if (carrying > 0)
          b.append(h("span", { className: "nbdl-tb-count" }, formatCount(carrying)));
        b.disabled = selected === 0;
        return b;
      }),
    );
  }

  private renderClasses(): void {
    const select = this.ui.relabelSelect;
    const previous = select.value;
    replaceChildren(
      select,
      h("option", { attrs: { value: "", disabled: true } }, "class…"),
      ...this.arrays.classes.map((name, code) => h("option", { attrs: { value: code } }, name)),
      h("option", { attrs: { value: "-1" } }, "no correction"),
    );
    select.value = [...select.options].some((o) => o.value === previous) ? previous : "";
  }

  private renderAnnotatedMenu(names: string[]): void {
    const c = this.counts;
    const items: [string, string][] = [];
    if (c) {
      names.forEach((tag, i) => {
        if (c.tagTotal[i] > 0) items.push([String(i), `${tag} (${formatCount(c.tagTotal[i])})`]);
      });
      if (c.taggedTotal > 0) items.push(["any", `any tag (${formatCount(c.taggedTotal)})`]);
      if (c.correctedTotal > 0) {
        items.push(["corrected", `corrected (${formatCount(c.correctedTotal)})`]);
      }
    }
    replaceChildren(
      this.ui.annotatedSelect,
      h("option", { attrs: { value: "" } }, items.length ? "select tagged…" : "nothing tagged"),
      ...items.map(([value, text]) => h("option", { attrs: { value } }, text)),
    );
    this.ui.annotatedSelect.value = "";
    this.ui.annotatedSelect.disabled = items.length === 0;
  }

  private renderSaved(): void {
    const saved = (this.table.model.get("saved_selections") as SavedSelection[] | undefined) ?? [];
    replaceChildren(
      this.ui.savedList,
      ...saved.map((s) => {
        const restore = button(
          `${s.name} · ${formatCount(s.count)}`,
          `select the ${formatCount(s.count)} samples saved as "${s.name}"`,
          () => this.restore(s),
          "nbdl-tb-button nbdl-tb-chip",
        );
        restore.dataset.name = s.name;
        const forget = button("×", `forget "${s.name}" (click twice)`, () =>
          this.forget(s, forget),
        );
        forget.classList.add("nbdl-tb-forget");
        return h("span", { className: "nbdl-tb-saved-item" }, restore, forget);
      }),
    );
  }

  private updateEnabled(): void {
    const none = this.table.selectionCount() === 0;
    const ui = this.ui;
    const idle = this.busy === 0;
    ui.clearButton.disabled = none;
    ui.addTagButton.disabled = none || !idle || ui.freeTag.value.trim() === "";
    ui.relabelButton.disabled = none || !idle || ui.relabelSelect.value === "";
    ui.saveButton.disabled = none || !idle || ui.saveName.value.trim() === "";
    ui.exportButton.disabled = none || !idle;
    ui.replaceButton.disabled = none || !idle;
    const why = none ? "select samples in a view first" : "";
    for (const b of [ui.exportButton, ui.saveButton, ui.relabelButton]) b.dataset.why = why;
  }

  private applyHeight(): void {
    const height = this.model.get("height");
    this.root.style.height = height > 0 ? `${height}px` : "";
    this.root.style.overflowY = height > 0 ? "auto" : "";
  }

  // ----------------------------------------------------------- actions
  private setStatus(kind: StatusKind, ...parts: (string | Node)[]): void {
    replaceChildren(this.ui.status, ...parts);
    this.ui.status.dataset.kind = kind;
    this.root.dataset.status = kind;
    this.ui.status.title = this.ui.status.textContent ?? "";
  }

  /** Send one action to the kernel; resolves with its reply, or null after showing its error. */
  private async send(
    content: Record<string, unknown>,
    busyText: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown> | null> {
    this.busy += 1;
    this.updateEnabled();
    this.setStatus("busy", busyText);
    try {
      const { reply } = await this.table.request(
        { ...content, expected_count: this.table.selectionCount() },
        timeoutMs,
      );
      if (typeof reply.message === "string") this.setStatus("ok", reply.message);
      else this.setStatus("", "");
      return reply;
    } catch (error) {
      this.setStatus("error", String((error as Error).message ?? error));
      return null;
    } finally {
      this.busy -= 1;
      this.updateEnabled();
    }
  }

  private toggleTag(tag: string): void {
    const i = this.tagNames().indexOf(tag);
    const carrying = this.counts && i >= 0 ? this.counts.tagSelected[i] : 0;
    const action = tagAction(this.table.selectionCount(), carrying);
    void this.send({ type: "annotate", action, tag }, `${action}ging…`);
  }

  private addFreeTag(): void {
    const tag = this.ui.freeTag.value.trim();
    if (tag === "" || this.table.selectionCount() === 0) return;
    void this.send({ type: "annotate", action: "tag", tag }, "tagging…").then((reply) => {
      if (reply) this.ui.freeTag.value = "";
      this.updateEnabled();
    });
  }

  private relabel(): void {
    const value = this.ui.relabelSelect.value;
    if (value === "") return;
    void this.send(
      { type: "annotate", action: "relabel", label_code: Number(value) },
      "relabeling…",
    );
  }

  private selectAnnotated(value: string): void {
    const which = value === "any" || value === "corrected" ? value : Number(value);
    this.table.setSelection(annotatedMask(this.arrays, which, this.table.n));
  }

  private save(): void {
    const name = this.ui.saveName.value.trim();
    if (name === "" || this.table.selectionCount() === 0) return;
    void this.send({ type: "save_selection", name }, "saving…").then((reply) => {
      if (!reply) return;
      this.ui.saveName.value = "";
      this.setStatus("ok", `saved ${formatCount(Number(reply.count))} samples as "${name}"`);
      this.updateEnabled();
    });
  }

  private restore(saved: SavedSelection): void {
    void this.send({ type: "restore_selection", name: saved.name }, "restoring…").then((r) => {
      if (r)
        this.setStatus(
          "ok",
          `selected the ${formatCount(Number(r.count))} saved as "${saved.name}"`,
        );
    });
  }

  private forget(saved: SavedSelection, forget: HTMLButtonElement): void {
    if (forget.dataset.confirm !== "1") {
      forget.dataset.confirm = "1";
      setText(forget, "forget?");
      if (this.confirmTimer !== null) clearTimeout(this.confirmTimer);
      this.confirmTimer = setTimeout(() => {
        delete forget.dataset.confirm;
        setText(forget, "×");
      }, CONFIRM_MS);
      return;
    }
    void this.send({ type: "delete_selection", name: saved.name }, "forgetting…").then((r) => {
      if (r) this.setStatus("ok", `forgot "${saved.name}"`);
    });
  }

  private formatChanged(): void {
    const format = this.ui.formatSelect.value;
    const name = this.ui.fileName.value;
    this.ui.fileName.value = this.autoName
      ? defaultFileName(new Date(), format)
      : withFormatSuffix(name, format);
    this.ui.replaceButton.hidden = true;
  }

  private setFormat(format: string): void {
    this.ui.formatSelect.value = format;
    this.formatChanged();
  }

  private exportFile(overwrite: boolean): void {
    if (this.table.selectionCount() === 0) {
      this.setStatus("error", "nothing selected: select samples in a view first");
      return;
    }
    const path = this.ui.fileName.value.trim();
    const format = this.ui.formatSelect.value;
    this.ui.replaceButton.hidden = true;
    void this.send(
      { type: "export", path, format, overwrite },
      "exporting…",
      EXPORT_TIMEOUT_MS,
    ).then((reply) => {
      if (!reply) {
        const exists = /already exists/.test(this.ui.status.textContent ?? "");
        this.ui.replaceButton.hidden = !exists;
        return;
      }
      const written = String(reply.path);
      this.root.dataset.lastExport = written;
      this.setStatus(
        "ok",
        `wrote ${formatCount(Number(reply.count))} samples to `,
        h("code", { className: "nbdl-tb-path" }, written),
      );
      if (this.autoName) this.ui.fileName.value = defaultFileName(new Date(), format);
    });
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key !== "Escape") return;
    const target = event.target as HTMLElement;
    if (target instanceof HTMLInputElement && target.value !== "" && target !== this.ui.fileName) {
      target.value = "";
      this.updateEnabled();
      return;
    }
    if (this.table.selectionCount() > 0) this.table.clearSelection();
  }
}
