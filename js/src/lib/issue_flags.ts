// The issue checks' results as the page sees them (the table model's `issues`
// trait, written by nbdatalens/views/table_model.py): one entry per check, in
// the kernel's order (most severe first), and per check the flagged rows,
// worst first. Pure functions, shared by the Issues view and the gallery.

import type { Payload } from "./codec";

/** Where a check is: queued, running, finished, or could not run for these roles. */
export type IssueRunState = "waiting" | "running" | "done" | "not run";

/** One check, as `issues.types[i]` (same snake_case names as Python). */
export interface IssueType {
  issue_type: string;
  /** Display name ("likely mislabeled"). */
  label: string;
  /** Short name for a tile badge ("label?"). */
  badge: string;
  num_issues: number;
  /** num_issues / N. */
  share: number;
  state: IssueRunState;
  /** "done" | "not run: <why>". */
  status: string;
  description: string;
  /** The tag "tag all" gives the flagged samples. */
  tag: string;
}

/** The `issues` trait. */
export interface IssuesPayload {
  types?: IssueType[];
  /** issue_type → row positions (smallest unsigned int type), most severe first. */
  flagged?: Record<string, Payload>;
}

/** Row positions by issue type (decoded), plus the types in display order. */
export interface IssueFlags {
  types: IssueType[];
  flagged: Map<string, ArrayLike<number>>;
}

/**
 * The checks that flag a row, as bits (bit i = `types[i]`), for tile badges;
 * types past the 32nd are left out of the bits.
 *
 * Each check's rows are kept as a bitset of N/8 bytes: writing a 400k-row
 * check into one word per row of a 5M-row table (20 MB) missed the cache on
 * every write, 40 ms each time the checks' state changed.
 */
export function issueBits(flags: IssueFlags, nRows: number): (pos: number) => number {
  const sets: Uint8Array[] = [];
  for (const t of flags.types.slice(0, 32)) {
    const rows = flags.flagged.get(t.issue_type);
    const set = new Uint8Array(rows ? (nRows + 7) >>> 3 : 0);
    if (rows) {
      for (let k = 0; k < rows.length; k++) {
        const p = rows[k];
        set[p >>> 3] |= 1 << (p & 7);
      }
    }
    sets.push(set);
  }
  return (pos) => {
    let bits = 0;
    for (let i = 0; i < sets.length; i++) {
      const set = sets[i];
      if (set.length > 0 && (set[pos >>> 3] >>> (pos & 7)) & 1) bits |= 1 << i;
    }
    return bits >>> 0;
  };
}

/**
 * How many rows at least one check flags (a row flagged by two checks counts
 * once). A bitset of N/8 bytes: a Set of 400k numbers took ~300 ms here.
 */
export function countFlagged(flags: IssueFlags, nRows: number): number {
  const seen = new Uint8Array((nRows + 7) >>> 3);
  let count = 0;
  for (const rows of flags.flagged.values()) {
    for (let k = 0; k < rows.length; k++) {
      const p = rows[k];
      const bit = 1 << (p & 7);
      count += (seen[p >>> 3] & bit) === 0 ? 1 : 0;
      seen[p >>> 3] |= bit;
    }
  }
  return count;
}

/** The types whose bit is set in `bits`, in type order. */
export function issuesOf(bits: number, types: readonly IssueType[]): IssueType[] {
  const out: IssueType[] = [];
  for (let i = 0; i < Math.min(32, types.length); i++) {
    if ((bits >>> i) & 1) out.push(types[i]);
  }
  return out;
}

/**
 * Severity of every row for one issue type, by rank: the worst flagged row gets
 * `flagged.length`, the next one less, …, the last flagged row 1; rows the check
 * did not flag get 0. Sorted highest first, the gallery shows "worst first".
 */
export function severity(flagged: ArrayLike<number>, nRows: number): Float32Array {
  const out = new Float32Array(nRows);
  for (let k = 0; k < flagged.length; k++) out[flagged[k]] = flagged.length - k;
  return out;
}

/** Human text for the run as a whole ("running label, outlier… · 3 of 9 done"). */
export function runSummary(types: readonly IssueType[], nFlagged: number): string {
  if (types.length === 0) return "no checks have run: lens.find_issues() runs them";
  const running = types.filter((t) => t.state === "running").map((t) => t.label);
  const waiting = types.filter((t) => t.state === "waiting").length;
  const finished = types.filter((t) => t.state === "done" || t.state === "not run").length;
  if (running.length > 0 || waiting > 0) {
    const now = running.length > 0 ? `running ${running.join(", ")}` : "waiting for the kernel";
    return `${now} · ${finished} of ${types.length} checks done`;
  }
  const done = types.filter((t) => t.state === "done").length;
  const flagged = types.filter((t) => t.state === "done" && t.num_issues > 0).length;
  return `${done} checks ran · ${flagged} found issues · ${nFlagged.toLocaleString("en-US")} samples flagged`;
}
