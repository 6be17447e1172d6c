// Pure logic of the selection toolbar: counts of tags and corrections in the
// selection, masks for "select tagged", export file names and the summary.
// No DOM here, so all of it is unit-tested.

import { decodeArray, type Payload } from "../lib/codec";
import { formatCount } from "../lib/format";

/** The table model's `annotations` trait (see nbdatalens/views/table_model.py). */
export interface AnnotationState {
  /** One unsigned integer per row: bit i set = the row carries tag_names[i]; absent = none. */
  tags?: Payload;
  /** One unsigned integer per row: 0 = not corrected, k = corrected to classes[k - 1]; absent = none. */
  corrected?: Payload;
  /** Display names of the classes a correction may use. */
  classes?: string[];
}

/** One entry of the table model's `saved_selections` trait. */
export interface SavedSelection {
  name: string;
  count: number;
}

export interface ExportFormat {
  value: string;
  label: string;
  suffix: string;
}

/** The formats Python's `lens.export` writes (export.py FORMATS), in menu order; checked by tests/contract_fixture.test.ts. */
export const EXPORT_FORMATS: readonly ExportFormat[] = [
  { value: "csv", label: "CSV", suffix: ".csv" },
  { value: "json", label: "JSON", suffix: ".json" },
  { value: "jsonl", label: "JSON Lines", suffix: ".jsonl" },
  { value: "parquet", label: "Parquet", suffix: ".parquet" },
  { value: "label-studio", label: "Label Studio", suffix: ".json" },
];

/** Suffixes `withFormatSuffix` swaps for the chosen format's (each one Python's `SUFFIX_FORMATS` knows). */
export const KNOWN_SUFFIXES = [".csv", ".jsonl", ".json", ".parquet"];

/** The decoded per-row arrays (null when the trait lacks them). */
export interface AnnotationArrays {
  bits: ArrayLike<number> | null;
  corrected: ArrayLike<number> | null;
  classes: string[];
}

export function decodeAnnotations(state: AnnotationState | undefined | null): AnnotationArrays {
  return {
    bits: state?.tags ? decodeArray(state.tags) : null,
    corrected: state?.corrected ? decodeArray(state.corrected) : null,
    classes: state?.classes ?? [],
  };
}

export interface Counts {
  /** Per tag: rows carrying it, in the whole table and among the selected. */
  tagTotal: Uint32Array;
  tagSelected: Uint32Array;
  /** Rows with any tag / a correction, in the table and among the selected. */
  taggedTotal: number;
  taggedSelected: number;
  correctedTotal: number;
  correctedSelected: number;
}

/**
 * One pass over the rows: how many carry each tag and a correction, overall
 * and among the selected (`mask[i] = 1`).
 *
 * @example countAnnotations({bits: [1, 3, 0], corrected: [0, 3, 1], classes: []}, Uint8Array.of(1, 1, 0), 2)
 */
export function countAnnotations(
  arrays: AnnotationArrays,
  mask: Uint8Array,
  nTags: number,
): Counts {
  const tagTotal = new Uint32Array(nTags);
  const tagSelected = new Uint32Array(nTags);
  let taggedTotal = 0;
  let taggedSelected = 0;
  let correctedTotal = 0;
  let correctedSelected = 0;
  const { bits, corrected } = arrays;
  const n = Math.max(bits?.length ?? 0, corrected?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const selected = mask[i] === 1;
    const b = bits ? bits[i] >>> 0 : 0;
    if (b !== 0) {
      taggedTotal++;
      if (selected) taggedSelected++;
      for (let t = 0; t < nTags; t++) {
        if ((b >>> t) & 1) {
          tagTotal[t]++;
          if (selected) tagSelected[t]++;
        }
      }
    }
    if (corrected && corrected[i] > 0) {
      correctedTotal++;
      if (selected) correctedSelected++;
    }
  }
  return { tagTotal, tagSelected, taggedTotal, taggedSelected, correctedTotal, correctedSelected };
}

/** What clicking a tag button does: tag the selection, or untag it when every selected row has it. */
export function tagAction(selected: number, carrying: number): "tag" | "untag" {
  return selected > 0 && carrying >= selected ? "untag" : "tag";
}

/** A selection mask: rows carrying tag number `bit`, any tag (`"any"`), or a correction. */
export function annotatedMask(
  arrays: AnnotationArrays,
  which: number | "any" | "corrected",
  n: number,
): Uint8Array {
  const mask = new Uint8Array(n);
  if (which === "corrected") {
    const c = arrays.corrected;
    if (c) for (let i = 0; i < n; i++) mask[i] = c[i] > 0 ? 1 : 0;
    return mask;
  }
  const bits = arrays.bits;
  if (!bits) return mask;
  if (which === "any") {
    for (let i = 0; i < n; i++) mask[i] = bits[i] !== 0 ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) mask[i] = (bits[i] >>> which) & 1;
  }
  return mask;
}

const pad = (v: number) => String(v).padStart(2, "0");

/** `20240501-093005`: a file-name-safe local timestamp. */
export function timestamp(date: Date): string {
  const day = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
  return `${day}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

export function formatInfo(format: string): ExportFormat {
  return EXPORT_FORMATS.find((f) => f.value === format) ?? EXPORT_FORMATS[0];
}

/** The default export file name: `nbdatalens-selection-<date>-<time>.csv` (Label Studio: `…-label-studio-…json`). */
export function defaultFileName(date: Date, format: string): string {
  const info = formatInfo(format);
  const stem = info.value === "label-studio" ? "nbdatalens-label-studio" : "nbdatalens-selection";
  return `${stem}-${timestamp(date)}${info.suffix}`;
}

/** Swap a known export suffix for the format's own; a name without one is kept as typed. */
export function withFormatSuffix(name: string, format: string): string {
  const lower = name.toLowerCase();
  const known = KNOWN_SUFFIXES.find((s) => lower.endsWith(s));
  if (!known) return name;
  return name.slice(0, name.length - known.length) + formatInfo(format).suffix;
}

/** "12 of 1,797 selected · 3 tagged · 2 corrected" (the parts that are zero are left out). */
export function summaryText(selected: number, n: number, counts: Counts): string {
  const parts = [`${formatCount(selected)} of ${formatCount(n)} selected`];
  if (selected > 0 && counts.taggedSelected > 0)
    parts.push(`${formatCount(counts.taggedSelected)} tagged`);
  if (selected > 0 && counts.correctedSelected > 0)
    parts.push(`${formatCount(counts.correctedSelected)} corrected`);
  return parts.join(" · ");
}
