// What a scatter view reads from the table: its point coordinates (or why it
// has none) and the colouring of the colour-by column.

import type { TableClient } from "../lib/table_client";
import { type Coloring, categoricalColoring, numericColoring } from "./coloring";

export type ScatterKind = "data_map" | "cluster_map";

export interface Points {
  xs: ArrayLike<number> | null;
  ys: ArrayLike<number> | null;
  /** Why there is nothing to draw, or null. */
  message: string | null;
}

const NO_DYNAMICS =
  "No training dynamics in this table, so there is no data map. Pass per-epoch " +
  "probabilities as a `dynamics` column (or a TrainingDynamics recorder).";
const NO_EMBEDDING =
  "No embedding in this table, so there is no cluster map. Pass an `embedding` " +
  "column of vectors, or `x` and `y` columns.";

function hasFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}

/** Data map: variability × confidence; cluster map: the layout coordinates. */
export function loadPoints(table: TableClient, kind: ScatterKind): Points {
  let xs: ArrayLike<number> | null = null;
  let ys: ArrayLike<number> | null = null;
  if (kind === "data_map") {
    const x = table.column("variability");
    const y = table.column("confidence");
    // Without dynamics the columns exist but hold only NaN.
    if (x !== undefined && y !== undefined && hasFinite(y)) {
      xs = x;
      ys = y;
    }
  } else {
    const c = table.coords();
    xs = c?.x ?? null;
    ys = c?.y ?? null;
  }
  let message: string | null = null;
  if (table.n === 0) message = "The table has no rows.";
  else if (xs === null) message = kind === "data_map" ? NO_DYNAMICS : NO_EMBEDDING;
  return { xs, ys, message };
}

/** The colour-by menu: the table's column names, plus correctness (the data map's default). */
export function colourableColumns(table: TableClient): string[] {
  const names = [...(table.get("column_names") ?? [])];
  if (table.column("correctness") && !names.includes("correctness")) names.push("correctness");
  return names;
}

/**
 * The colouring for column `name`. A user column the browser does not hold
 * yet is requested from the kernel and reported as `pending`; meanwhile the
 * previous colouring stays (or the labels, which every table has).
 */
export function resolveColoring(
  table: TableClient,
  name: string,
  previous: Coloring | null,
): { coloring: Coloring | null; pending: string | null } {
  const values = table.column(name);
  if (values !== undefined) {
    const names = table.categories(name);
    const coloring = names
      ? categoricalColoring(name, values, names)
      : numericColoring(name, values);
    return { coloring, pending: null };
  }
  let pending: string | null = null;
  if ((table.get("column_names") ?? []).includes(name)) {
    pending = name;
    table.ensureColumn(name).catch((err: unknown) => {
      console.warn(`nbdatalens: cannot colour by ${name}:`, err);
    });
  }
  if (previous !== null && pending !== null) return { coloring: previous, pending };
  const labels = table.column("label");
  const fallback = labels
    ? categoricalColoring("label", labels, table.categories("label") ?? [])
    : previous;
  return { coloring: fallback, pending };
}
