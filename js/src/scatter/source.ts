// What a scatter view reads from the table: its point coordinates (or why it
// has none) and the colouring of the colour-by column. Columns arrive from the
// kernel when a view first needs them (lib/table_client.ts `ready`), in chunks:
// a view draws the rows that are here and says it is ready once all are.

import { LAYOUT_X, LAYOUT_Y, type TableClient } from "../lib/table_client";
import { type Coloring, categoricalColoring, numericColoring } from "./coloring";
import { type Domain, dataBounds } from "./viewport";

export type ScatterKind = "data_map" | "cluster_map";

export interface Points {
  xs: ArrayLike<number> | null;
  ys: ArrayLike<number> | null;
  /** Why there is nothing to draw, or null. */
  message: string | null;
  /** True while the point columns are still arriving (xs / ys hold the rows so far). */
  loading: boolean;
}

const NO_DYNAMICS =
  "No training dynamics in this table, so there is no data map. Pass per-epoch " +
  "probabilities as a `dynamics` column (or a TrainingDynamics recorder).";
const NO_EMBEDDING =
  "No embedding in this table, so there is no cluster map. Pass an `embedding` " +
  "column of vectors, or `x` and `y` columns.";

/** The two columns a view plots, or null when the table has none for it. */
export function axisColumns(table: TableClient, kind: ScatterKind): [string, string] | null {
  if (kind === "data_map") {
    const info = table.columnInfo("confidence");
    // Without dynamics the metrics exist but hold no finite value.
    return info && !info.missing && table.columnInfo("variability")
      ? ["variability", "confidence"]
      : null;
  }
  return table.columnInfo(LAYOUT_X) ? [LAYOUT_X, LAYOUT_Y] : null;
}

/** True when the kernel can send column `name` (a core column or a user column). */
export function canFetch(table: TableClient, name: string): boolean {
  return (
    table.columnInfo(name) !== undefined ||
    (name === "label" && table.columnInfo("cell") !== undefined) ||
    (table.get("column_names") ?? []).includes(name)
  );
}

/**
 * Data map: variability × confidence; cluster map: the layout coordinates.
 * Asks for them (with the colour column first, so a chunk's colours land before its
 * points) unless they are here; meanwhile the rows that arrived are drawn.
 */
export function loadPoints(table: TableClient, kind: ScatterKind, colorBy: string): Points {
  const axes = axisColumns(table, kind);
  if (table.n === 0)
    return { xs: null, ys: null, message: "The table has no rows.", loading: false };
  if (axes === null) {
    const message = kind === "data_map" ? NO_DYNAMICS : NO_EMBEDDING;
    return { xs: null, ys: null, message, loading: false };
  }
  const wanted = canFetch(table, colorBy) ? [colorBy, ...axes] : axes;
  const loading = !table.ready(wanted);
  const xs = table.partialColumn(axes[0]) ?? null;
  const ys = table.partialColumn(axes[1]) ?? null;
  return { xs, ys, message: null, loading: loading || xs === null || ys === null };
}

/** The extent to fit a cluster map to: from the kernel's quantisation headers as soon as
 * the first chunk is here (so the view does not jump as rows arrive), else from the data. */
export function pointBounds(
  table: TableClient,
  axes: [string, string] | null,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  pad: number,
): Domain {
  const ex = axes && table.extent(axes[0]);
  const ey = axes && table.extent(axes[1]);
  if (!ex || !ey) return dataBounds(xs, ys, pad);
  const corners = [ex[0], ex[1], ex[0], ex[1]];
  return dataBounds(corners, [ey[0], ey[1], ey[1], ey[0]], pad);
}

/** The colour-by menu: the table's column names, plus correctness (the data map's default). */
export function colourableColumns(table: TableClient): string[] {
  const names = [...(table.get("column_names") ?? [])];
  if (table.columnInfo("correctness") && !names.includes("correctness")) names.push("correctness");
  return names;
}

export interface ResolvedColoring {
  coloring: Coloring | null;
  /** The column being fetched to colour by (the legend says so), or null. */
  pending: string | null;
  /** The array the colouring was computed from, and whether it was the whole column. */
  source: ArrayLike<number> | null;
  complete: boolean;
  /** Of a partial column: how many of its chunks the colouring saw (-1 otherwise). */
  chunks?: number;
}

/**
 * The colouring for column `name`, from the rows that arrived so far. A column
 * the browser does not hold yet is requested from the kernel and reported as
 * `pending`; meanwhile the previous colouring stays (or the labels).
 */
export function resolveColoring(
  table: TableClient,
  name: string,
  previous: ResolvedColoring | null,
): ResolvedColoring {
  const complete = table.column(name) !== undefined;
  const pending = complete ? null : canFetch(table, name) ? name : null;
  // A partial column's rows change only when another of its chunks arrives: another
  // column arriving does not colour (or derive) millions of rows again.
  const chunks = table.partialChunks(name);
  if (
    chunks >= 0 &&
    previous !== null &&
    !previous.complete &&
    previous.coloring?.column === name &&
    previous.chunks === chunks
  ) {
    return previous;
  }
  const values = table.partialColumn(name);
  if (pending !== null && values === undefined) {
    table.ensureColumn(name).catch((err: unknown) => {
      console.warn(`nbdatalens: cannot colour by ${name}:`, err);
    });
  }
  if (values !== undefined) {
    // A whole column's array never changes (new values come as a new array).
    const kept = complete ? unchanged(previous, values, name) : null;
    if (kept !== null) return kept;
    const names = table.categories(name);
    const coloring = names
      ? categoricalColoring(name, values, names)
      : numericColoring(name, values, table.extent(name));
    return { coloring, pending, source: values, complete, chunks };
  }
  const prev = previous?.coloring ?? null;
  if (prev !== null && pending !== null) return { coloring: prev, pending, source: null, complete };
  const labels = table.column("label");
  const kept = labels ? unchanged(previous, labels, "label") : null;
  if (kept !== null) return { ...kept, pending };
  const fallback = labels
    ? categoricalColoring("label", labels, table.categories("label") ?? [])
    : prev;
  return { coloring: fallback, pending, source: labels ?? null, complete: labels !== undefined };
}

/** `previous` when it was computed from this very (whole) array of `column`, else null. */
function unchanged(
  previous: ResolvedColoring | null,
  source: ArrayLike<number>,
  column: string,
): ResolvedColoring | null {
  const same =
    previous?.complete && previous.source === source && previous.coloring?.column === column;
  return same ? previous : null;
}
