// The Issues view: one row per issue check, most severe first, with its count
// and share as a small bar. A click selects the flagged samples (Shift adds,
// Alt subtracts, as in every view) and makes the check the table's
// `active_issue`, which the gallery sorts by (worst first). "tag" tags every
// flagged sample of the check in one step (a custom message to the table
// model; the kernel answers with the count).

import { h, replaceChildren, setText } from "../lib/dom";
import { formatCount, formatShare } from "../lib/format";
import { countFlagged, type IssueFlags, type IssueType, runSummary } from "../lib/issue_flags";
import { applyMode, modeFromEvent } from "../lib/selection";
import type { TableClient } from "../lib/table_client";

/** The synced traits of the Python IssuesView (same snake_case names). */
export interface IssuesViewState {
  height: number;
}

export interface IssuesViewModel {
  get<K extends keyof IssuesViewState>(name: K): IssuesViewState[K];
  on(event: string, cb: () => void): void;
  off(event: string, cb: () => void): void;
}

/** Tagging thousands of rows rewrites the session file: give the kernel time. */
const TAG_TIMEOUT_MS = 120_000;

export class IssuesView {
  readonly root: HTMLDivElement;
  private readonly model: IssuesViewModel;
  private readonly table: TableClient;
  private readonly summary: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private readonly list: HTMLDivElement;
  private flags: IssueFlags = { types: [], flagged: new Map() };
  private readonly modelEvents: [string, () => void][];

  constructor(model: IssuesViewModel, table: TableClient) {
    this.model = model;
    this.table = table;
    this.summary = h("span", { className: "nbdl-issues-summary" });
    this.status = h("span", { className: "nbdl-issues-status", attrs: { role: "status" } });
    this.list = h("div", {
      className: "nbdl-issues-list",
      attrs: { role: "listbox", "aria-label": "issue checks" },
    });
    this.root = h(
      "div",
      {
        className: "nbdl-issues",
        attrs: { "data-ready": "0" },
      },
      h(
        "div",
        { className: "nbdl-issues-header" },
        h("span", { className: "nbdl-issues-title" }, "Issues"),
        this.summary,
      ),
      this.list,
      this.status,
    );
    this.modelEvents = [["change:height", () => this.applyHeight()]];
    for (const [event, cb] of this.modelEvents) model.on(event, cb);
    table.on("change:issues", () => this.render());
    table.on("change:active_issue", () => this.markActive());
    this.applyHeight();
    this.render();
    this.root.dataset.ready = "1";
  }

  dispose(): void {
    for (const [event, cb] of this.modelEvents) this.model.off(event, cb);
    this.table.dispose();
  }

  private applyHeight(): void {
    const height = this.model.get("height");
    this.root.style.height = height > 0 ? `${height}px` : "";
  }

  private render(): void {
    this.flags = this.table.issueFlags();
    const { types } = this.flags;
    setText(this.summary, runSummary(types, countFlagged(this.flags, this.table.n)));
    const maxShare = Math.max(1e-9, ...types.map((t) => (t.state === "done" ? t.share : 0)));
    const ran = types.filter((t) => t.state !== "not run");
    const notRun = types.filter((t) => t.state === "not run");
    // Checks the table's roles do not allow (no audio column, no split) fold away:
    // listed with their reason, but not in the way of what was found.
    const folded =
      notRun.length > 0
        ? h(
            "details",
            { className: "nbdl-issues-notrun" },
            h(
              "summary",
              {},
              `${notRun.length} ${notRun.length === 1 ? "check" : "checks"} could not run`,
            ),
            ...notRun.map((t) => this.row(t, maxShare)),
          )
        : null;
    replaceChildren(this.list, ...ran.map((t) => this.row(t, maxShare)), folded);
    this.root.dataset.running = types.some((t) => t.state === "running" || t.state === "waiting")
      ? "1"
      : "0";
    this.markActive();
  }

  private row(t: IssueType, maxShare: number): HTMLElement {
    const selectable = t.state === "done" && t.num_issues > 0;
    const bar = h("span", { className: "nbdl-issues-bar" });
    const width =
      t.state === "done" && t.num_issues > 0 ? Math.max(2, (100 * t.share) / maxShare) : 0;
    bar.style.width = `${Math.round(width * 10) / 10}%`;
    let count: string;
    if (t.state === "done") count = `${formatCount(t.num_issues)} · ${formatShare(t.share)}`;
    else if (t.state === "running") count = "running…";
    else if (t.state === "waiting") count = "queued";
    else count = t.status.replace(/^not run: /, "");
    const tagButton = selectable
      ? h(
          "button",
          {
            className: "nbdl-button nbdl-issues-tag",
            title: `tag all ${formatCount(t.num_issues)} flagged samples "${t.tag}"`,
            attrs: { type: "button", "data-tag": t.tag },
            on: {
              click: (event) => {
                event.stopPropagation();
                void this.tagAll(t);
              },
            },
          },
          `tag ${t.tag}`,
        )
      : h("span", { className: "nbdl-issues-tag-slot" });
    const row = h(
      "div",
      {
        className: "nbdl-issues-row",
        title: t.description || t.status,
        attrs: {
          role: "option",
          "data-issue": t.issue_type,
          "data-state": t.state,
          "data-count": t.num_issues,
          "aria-disabled": selectable ? "false" : "true",
          "aria-selected": "false",
          tabindex: selectable ? 0 : -1,
        },
        on: {
          click: (event) => selectable && this.select(t, event),
          keydown: (event) => {
            if (selectable && (event.key === "Enter" || event.key === " ")) {
              event.preventDefault();
              this.select(t, event);
            }
          },
        },
      },
      h("span", { className: "nbdl-issues-name" }, t.label),
      h("span", { className: "nbdl-issues-track" }, bar),
      h("span", { className: "nbdl-issues-count" }, count),
      tagButton,
    );
    return row;
  }

  /** Select the check's flagged rows (Shift adds, Alt subtracts) and make it the active one. */
  private select(t: IssueType, event: { shiftKey: boolean; altKey: boolean }): void {
    const rows = this.flags.flagged.get(t.issue_type);
    if (!rows) return;
    const next = applyMode(
      this.table.selectionMask(),
      Uint32Array.from(rows),
      modeFromEvent(event),
    );
    // The gallery reads active_issue when the selection changes: set it first, one save.
    this.table.model.set("active_issue", t.issue_type);
    this.table.setSelection(next);
  }

  private markActive(): void {
    const active = this.table.get("active_issue") ?? "";
    for (const row of this.list.querySelectorAll(".nbdl-issues-row")) {
      const el = row as HTMLElement;
      el.setAttribute("aria-selected", el.dataset.issue === active ? "true" : "false");
    }
  }

  private async tagAll(t: IssueType): Promise<void> {
    this.setStatus(`tagging ${formatCount(t.num_issues)} samples "${t.tag}"…`, "busy");
    try {
      const { reply } = await this.table.request(
        { type: "tag_issue", issue_type: t.issue_type, tag: t.tag },
        TAG_TIMEOUT_MS,
      );
      this.setStatus(String(reply.message ?? "tagged"), "ok");
    } catch (err) {
      this.setStatus(err instanceof Error ? err.message : String(err), "error");
    }
  }

  private setStatus(text: string, kind: "ok" | "error" | "busy"): void {
    setText(this.status, text);
    this.status.dataset.kind = kind;
  }
}
