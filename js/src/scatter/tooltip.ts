// What the hover tooltip says about one point: the metrics come from the
// typed arrays at once; the sample id lives in Python and is fetched with a
// "rows" request once the pointer rests on a point (debounced, cached).

import { formatMetric, MISSING_TEXT } from "../lib/format";
import type { TableClient } from "../lib/table_client";

/** Wait this long on one point before asking the kernel for its id. */
export const ID_DEBOUNCE_MS = 150;
/** Ids remembered per view (oldest forgotten first). */
const ID_CACHE_SIZE = 5000;

function categoryText(table: TableClient, column: string, i: number): string | null {
  const values = table.column(column);
  if (values === undefined) return null;
  const code = values[i];
  const names = table.categories(column);
  return names?.[code] ?? MISSING_TEXT;
}

function metricText(table: TableClient, column: string, i: number): string | null {
  const values = table.column(column);
  return values === undefined ? null : formatMetric(values[i]);
}

/**
 * Tooltip rows for row position `i`: id (or "…" while it loads), label,
 * prediction, loss, the data-map metrics when known, and the colour-by value
 * when it is another column.
 */
export function tooltipRows(
  table: TableClient,
  i: number,
  id: string | undefined,
  colorBy: string,
): Array<[string, string]> {
  const rows: Array<[string, string]> = [["id", id ?? "…"]];
  const label = categoryText(table, "label", i);
  if (label !== null) rows.push(["label", label]);
  const pred = categoryText(table, "pred", i);
  if (pred !== null) {
    const correct = table.column("correct");
    const wrong = correct !== undefined && correct[i] === 0;
    rows.push(["prediction", wrong ? `${pred} ✗` : pred]);
  }
  const shown = new Set(["label", "pred", "correct"]);
  for (const name of ["loss", "confidence", "variability", "correctness"]) {
    const text = metricText(table, name, i);
    // Without training dynamics the last three are all unknown; say nothing rather than "—".
    if (text === null || (text === MISSING_TEXT && name !== "loss")) continue;
    rows.push([name, text]);
    shown.add(name);
  }
  if (!shown.has(colorBy)) {
    const text = table.categories(colorBy)
      ? categoryText(table, colorBy, i)
      : metricText(table, colorBy, i);
    if (text !== null) rows.push([colorBy, text]);
  }
  return rows;
}

/** Sample ids by row position, fetched on demand from the kernel. */
export class IdLookup {
  private readonly table: TableClient;
  private readonly onLoaded: (pos: number) => void;
  private readonly cache = new Map<number, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(table: TableClient, onLoaded: (pos: number) => void) {
    this.table = table;
    this.onLoaded = onLoaded;
  }

  get(pos: number): string | undefined {
    return this.cache.get(pos);
  }

  /** Ask for `pos`'s id after the debounce, unless another point is wanted meanwhile. */
  want(pos: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (pos < 0 || this.cache.has(pos)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.table
        .request<{ rows: Array<{ pos: number; id: string }> }>({ type: "rows", positions: [pos] })
        .then(({ reply }) => {
          if (this.disposed) return;
          for (const row of reply.rows ?? []) this.remember(row.pos, row.id);
          this.onLoaded(pos);
        })
        .catch(() => {
          // A kernel that is busy or gone leaves the id as "…"; the metrics are still right.
        });
    }, ID_DEBOUNCE_MS);
  }

  private remember(pos: number, id: string): void {
    this.cache.set(pos, id);
    if (this.cache.size > ID_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }
}
