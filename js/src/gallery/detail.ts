// The detail panel: one sample, larger, with every column of its row.
//
// It sits inside the widget over the right part of the grid. Rows and the
// large thumbnail are fetched from the kernel on demand; a reply for a sample
// the user already moved past is cached but not shown.

import { h, replaceChildren, setText } from "../lib/dom";
import { correctionText } from "./annotations";
import { buildHistory, type HistoryReply } from "./history";
import type { ThumbEntry } from "./thumbs";
import type { MediaKind } from "./tile";
import { loudestMark, qualityBadges, thumbnailImage } from "./tile";

/** Size of the thumbnail the panel asks for. */
export const DETAIL_SIZE = 256;

/** One row as the kernel sends it (`{type: "rows"}` reply). */
export interface RowReply {
  pos: number;
  id: string;
  values: Record<string, string>;
}

export interface DetailSource {
  row(pos: number): Promise<RowReply>;
  thumb(pos: number, size: number): Promise<ThumbEntry>;
  play(pos: number, button: HTMLButtonElement): void;
  /** The sample over epochs (training dynamics), when the source can tell. */
  history?(pos: number): Promise<HistoryReply>;
  /** Class display names, which history codes index. */
  classNames?(): string[];
  /** The display name of an issue check ("likely mislabeled"). */
  issueLabel?(issueType: string): string;
  /** Select the sample and its nearest neighbours in the embedding; resolves with the count. */
  findSimilar?(pos: number): Promise<number>;
}

/** One issue check that flags the sample, read from the row's `is_<type>_issue` /
 * `<type>_score` columns. */
export interface RowIssue {
  issueType: string;
  score: string;
}

const ISSUE_FLAG = /^is_(.+)_issue$/;

/**
 * Split a row's values into the checks that flag it (with their scores) and the other
 * columns; the per-check flag and score columns are left out of the table, whose
 * rows they would otherwise swamp (two per check).
 */
export function splitIssueColumns(values: Record<string, string>): {
  issues: RowIssue[];
  rest: [string, string][];
} {
  const checks = new Set<string>();
  for (const name of Object.keys(values)) {
    const m = ISSUE_FLAG.exec(name);
    if (m && `${m[1]}_score` in values) checks.add(m[1]);
  }
  const issues: RowIssue[] = [];
  const rest: [string, string][] = [];
  for (const [name, value] of Object.entries(values)) {
    const m = ISSUE_FLAG.exec(name);
    if (m && checks.has(m[1])) {
      if (value === "True") issues.push({ issueType: m[1], score: values[`${m[1]}_score`] });
      continue;
    }
    if (name.endsWith("_score") && checks.has(name.slice(0, -"_score".length))) continue;
    rest.push([name, value]);
  }
  return { issues, rest };
}

export interface DetailFacts {
  index: number;
  count: number;
  pos: number;
  label: string;
  pred: string | null;
  wrong: boolean;
  tags: string[];
  /** The corrected label, or null when the row is not corrected. */
  corrected: string | null;
}

export class DetailPanel {
  readonly el: HTMLDivElement;
  private readonly title: HTMLDivElement;
  private readonly position: HTMLSpanElement;
  private readonly media: HTMLDivElement;
  private readonly summary: HTMLDivElement;
  private readonly history: HTMLDivElement;
  private readonly issues: HTMLDivElement;
  private readonly table: HTMLTableSectionElement;
  private currentPos = -1;
  private readonly source: DetailSource;
  private readonly kind: MediaKind;

  constructor(
    source: DetailSource,
    kind: MediaKind,
    actions: { close(): void; step(delta: number): void },
  ) {
    this.source = source;
    this.kind = kind;
    this.title = h("div", { className: "nbdl-detail-title" });
    this.position = h("span", { className: "nbdl-detail-position" });
    const button = (text: string, label: string, onClick: () => void) =>
      h(
        "button",
        {
          className: "nbdl-button",
          title: label,
          attrs: { type: "button", "aria-label": label },
          on: { click: onClick },
        },
        text,
      );
    this.media = h("div", { className: "nbdl-detail-media" });
    this.summary = h("div", { className: "nbdl-detail-summary" });
    this.history = h("div", { className: "nbdl-detail-history" });
    this.issues = h("div", { className: "nbdl-detail-issues", attrs: { hidden: true } });
    this.table = h("tbody");
    this.el = h(
      "div",
      {
        className: "nbdl-detail",
        attrs: { role: "dialog", "aria-label": "sample details", hidden: true },
      },
      h(
        "div",
        { className: "nbdl-detail-header" },
        this.title,
        this.position,
        button("‹", "previous sample (←)", () => actions.step(-1)),
        button("›", "next sample (→)", () => actions.step(1)),
        button("×", "close (Esc)", () => actions.close()),
      ),
      h(
        "div",
        { className: "nbdl-detail-body" },
        this.media,
        this.summary,
        this.issues,
        this.history,
        h("table", { className: "nbdl-detail-table" }, this.table),
      ),
    );
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  get pos(): number {
    return this.isOpen ? this.currentPos : -1;
  }

  close(): void {
    this.el.hidden = true;
    this.currentPos = -1;
    this.media.replaceChildren();
  }

  /** Show one sample; what the browser knows appears at once, the rest when it arrives. */
  show(facts: DetailFacts): void {
    const pos = facts.pos;
    this.currentPos = pos;
    this.el.hidden = false;
    this.el.dataset.pos = String(pos);
    delete this.el.dataset.loaded;
    setText(this.title, "…");
    setText(this.position, `${facts.index + 1} of ${facts.count}`);
    replaceChildren(
      this.summary,
      facts.corrected === null
        ? h("span", { className: "nbdl-tile-label" }, `label ${facts.label}`)
        : h(
            "span",
            {
              className: "nbdl-detail-correction",
              title: `corrected: ${correctionText(facts.label, facts.corrected)}`,
            },
            `label ${facts.label} → `,
            h("strong", { className: "nbdl-tile-corrected" }, facts.corrected),
          ),
      facts.pred === null
        ? null
        : h(
            "span",
            { className: facts.wrong ? "nbdl-tile-wrong" : "nbdl-detail-right" },
            facts.wrong ? `✗ pred ${facts.pred}` : `✓ pred ${facts.pred}`,
          ),
      facts.tags.length
        ? h(
            "span",
            { className: "nbdl-detail-tags" },
            ...facts.tags.map((tag) => h("span", { className: "nbdl-tile-tag" }, tag)),
          )
        : null,
      this.similarButton(pos),
    );
    this.issues.hidden = true;
    this.table.replaceChildren();
    this.media.replaceChildren();
    this.history.replaceChildren();
    this.source.history?.(pos).then(
      (reply) => {
        if (pos !== this.currentPos) return;
        replaceChildren(this.history, buildHistory(reply, this.source.classNames?.() ?? []));
      },
      () => undefined, // the history is extra: the row and thumbnail still show
    );
    if (this.kind !== "none") {
      this.media.append(h("div", { className: "nbdl-detail-placeholder" }));
      this.source.thumb(pos, DETAIL_SIZE).then(
        (entry) => this.showMedia(pos, entry),
        (error: unknown) => this.showMediaError(pos, String(error)),
      );
    }
    this.source.row(pos).then(
      (row) => this.showRow(pos, row),
      (error: unknown) => {
        if (pos !== this.currentPos) return;
        setText(this.title, "could not load this row");
        this.table.replaceChildren(h("tr", {}, h("td", { attrs: { colspan: 2 } }, String(error))));
      },
    );
  }

  /** "find similar": select this sample and its neighbours (every view follows). */
  private similarButton(pos: number): HTMLButtonElement | null {
    const find = this.source.findSimilar;
    if (!find) return null;
    const button = h(
      "button",
      {
        className: "nbdl-button nbdl-detail-similar",
        title: "select this sample and its most similar samples (embedding neighbours)",
        attrs: { type: "button" },
      },
      "find similar",
    );
    button.addEventListener("click", () => {
      button.disabled = true;
      setText(button, "finding…");
      find(pos).then(
        (count) => {
          setText(button, `${count} similar selected`);
          button.disabled = false;
        },
        (error: unknown) => {
          setText(button, "find similar");
          button.disabled = false;
          button.title = String(error);
          button.classList.add("nbdl-error");
        },
      );
    });
    return button;
  }

  private showRow(pos: number, row: RowReply): void {
    if (pos !== this.currentPos) return;
    setText(this.title, row.id);
    this.title.title = row.id;
    const { issues, rest } = splitIssueColumns(row.values);
    replaceChildren(
      this.issues,
      ...issues.map((issue) =>
        h(
          "span",
          { className: "nbdl-tile-issue", attrs: { "data-issue": issue.issueType } },
          `${this.source.issueLabel?.(issue.issueType) ?? issue.issueType} · score ${issue.score}`,
        ),
      ),
    );
    this.issues.hidden = issues.length === 0;
    const rows = rest.map(([name, value]) =>
      h("tr", {}, h("th", { attrs: { scope: "row" } }, name), h("td", {}, value)),
    );
    this.table.replaceChildren(...rows);
    this.el.dataset.loaded = "1";
  }

  private showMediaError(pos: number, error: string): void {
    if (pos !== this.currentPos) return;
    replaceChildren(
      this.media,
      h("div", { className: "nbdl-tile-broken nbdl-detail-broken", title: error }, "⚠ ", error),
    );
  }

  private showMedia(pos: number, entry: ThumbEntry): void {
    if (pos !== this.currentPos) return;
    const { item, url } = entry;
    if (!item.ok) {
      this.showMediaError(pos, item.error ?? "could not be decoded");
      return;
    }
    const parts: Node[] = [];
    if (item.kind === "text" || this.kind === "text") {
      parts.push(h("div", { className: "nbdl-detail-text" }, item.text ?? ""));
    } else if (url && item.kind === "audio") {
      const mark = loudestMark(item);
      parts.push(
        h("div", { className: "nbdl-detail-wave" }, thumbnailImage(url, "waveform"), mark),
      );
    } else if (url) {
      parts.push(thumbnailImage(url, "image"));
    }
    if (this.kind === "audio") {
      const play = h(
        "button",
        { className: "nbdl-button nbdl-detail-play", attrs: { type: "button" }, title: "play" },
        "▶",
      );
      play.addEventListener("click", () => this.source.play(pos, play));
      parts.push(
        h(
          "div",
          { className: "nbdl-tile-badges nbdl-detail-badges" },
          play,
          ...qualityBadges(item.quality).map((name) =>
            h("span", { className: "nbdl-tile-badge" }, name),
          ),
        ),
      );
    }
    this.media.replaceChildren(...parts);
  }
}
