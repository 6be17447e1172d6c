// What a tile says that the browser knows without the kernel: the given
// label, the prediction, whether it is wrong, the sort metric, and the row's
// tags and corrected label (from the table model's annotations trait).

import { formatMetric } from "../lib/format";
import { type IssueType, issueBits, issuesOf, severity } from "../lib/issue_flags";
import type { NumericArray, TableClient } from "../lib/table_client";
import { type AnnotationArrays, rowAnnotation } from "./annotations";
import { isSortKey, type OrderColumns, SORT_KEYS, type SortKey } from "./order";

const METRIC_NAMES: Partial<Record<SortKey, string>> = {
  loss: "loss",
  confidence: "conf",
  margin: "margin",
};

export interface RowSummary {
  label: string;
  /** The prediction, or null when the table has none. */
  pred: string | null;
  wrong: boolean;
  /** e.g. "loss 2.31"; "" when there is no metric to show. */
  metric: string;
  /** The row's tags, in bit order. */
  tags: string[];
  /** The corrected label, or null when the row is not corrected. */
  corrected: string | null;
  /** The issue checks that flag the row (their badges), in check order. */
  issues: string[];
  /** The same checks' display names, for a tooltip. */
  issueNames: string[];
}

export class RowFacts {
  private readonly table: TableClient;
  private columns: Record<string, NumericArray | undefined> = {};
  private annotations: AnnotationArrays = { tagNames: [], classes: [] };
  private issueTypes: IssueType[] = [];
  private issueBits: ((pos: number) => number) | null = null;
  private issueRank: Float32Array | undefined;
  /** The sort keys this table has values for, in menu order. */
  sortKeys: SortKey[] = ["label", "table"];

  constructor(table: TableClient) {
    this.table = table;
    this.refreshIssues();
    this.refresh();
    this.refreshAnnotations();
  }

  /** Re-read the issue checks' flags and the active check (O(flagged) once per change). */
  refreshIssues(): void {
    const flags = this.table.issueFlags();
    this.issueTypes = flags.types;
    this.issueBits = flags.flagged.size > 0 ? issueBits(flags, this.table.n) : null;
    const active = flags.flagged.get(String(this.table.get("active_issue") ?? ""));
    this.issueRank = active ? severity(active, this.table.n) : undefined;
  }

  /** Re-read the annotation arrays (decoded once per change by the table client). */
  refreshAnnotations(): void {
    const table = this.table;
    this.annotations = {
      tags: table.annotationColumn("tags"),
      corrected: table.annotationColumn("corrected"),
      tagNames: table.tagNames(),
      classes: table.annotationClasses(),
    };
  }

  /**
   * Re-read the columns (after one arrived) and the sort keys this table has; asks
   * the kernel for what the tiles of sort key `wanted` show (label, prediction, loss,
   * the key's metric). True once those are here. O(1): never touches the rows.
   */
  refresh(wanted?: unknown): boolean {
    const table = this.table;
    const has = (name: string) => {
      const info = table.columnInfo(name);
      return info !== undefined && !info.missing;
    };
    this.sortKeys = SORT_KEYS.filter(
      (key) =>
        key === "label" ||
        key === "table" ||
        (key === "issue" ? this.issueRank !== undefined : has(key)),
    );
    const key = this.sortKey(wanted);
    const needed = ["label", ...(table.columnInfo("pred") ? ["pred", "correct"] : [])];
    if (has("loss")) needed.push("loss");
    if (METRIC_NAMES[key] && !needed.includes(key)) needed.push(key);
    const ready = table.ready(needed);
    this.columns = Object.fromEntries(
      ["loss", "confidence", "margin", "label", "pred", "correct"].map((name) => [
        name,
        table.column(name),
      ]),
    );
    return ready;
  }

  /** The key in effect: the wanted one when this table can sort by it, else the first it can. */
  sortKey(wanted: unknown): SortKey {
    return isSortKey(wanted) && this.sortKeys.includes(wanted) ? wanted : this.sortKeys[0];
  }

  orderColumns(): OrderColumns {
    const c = this.columns;
    return {
      issue: this.issueRank,
      loss: c.loss,
      confidence: c.confidence,
      margin: c.margin,
      label: c.label,
    };
  }

  private rowIssues(pos: number): { issues: string[]; issueNames: string[] } {
    const found = this.issueBits ? issuesOf(this.issueBits(pos), this.issueTypes) : [];
    return { issues: found.map((t) => t.badge), issueNames: found.map((t) => t.label) };
  }

  describe(pos: number, key: SortKey): RowSummary {
    const c = this.columns;
    const labelNames = this.table.categories("label") ?? [];
    const predNames = this.table.categories("pred") ?? labelNames;
    const label = c.label ? (labelNames[c.label[pos]] ?? String(c.label[pos])) : "";
    const pred = c.pred ? (predNames[c.pred[pos]] ?? String(c.pred[pos])) : null;
    // Table and label order still show the loss: it is what makes a tile suspect.
    const metricKey = METRIC_NAMES[key] ? key : this.sortKeys.includes("loss") ? "loss" : null;
    const values = metricKey ? c[metricKey] : undefined;
    const annotation = rowAnnotation(this.annotations, pos);
    // Once a label is corrected, the correction is the truth the prediction is judged by:
    // a model that agrees with the fix is not marked wrong.
    const wrong =
      annotation.corrected !== null && pred !== null
        ? pred !== annotation.corrected
        : c.correct
          ? c.correct[pos] === 0
          : false;
    return {
      label,
      pred,
      wrong,
      metric: metricKey && values ? `${METRIC_NAMES[metricKey]} ${formatMetric(values[pos])}` : "",
      ...annotation,
      ...this.rowIssues(pos),
    };
  }
}
