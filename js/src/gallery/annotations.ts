// What a tile and the detail panel say about a sample's annotations: its tags
// (the table model's `tags` bitmask over `tag_names`) and its corrected label
// (`corrected`: 0 = none, k = classes[k - 1]). Pure functions, unit-tested.

/** Tag badges a tile shows before folding the rest into "+N". */
export const MAX_TILE_BADGES = 2;

/** The names of the tags set in `bits`, in bit order (an unnamed bit reads "tag i"). */
export function tagsOf(bits: number, names: readonly string[]): string[] {
  const tags: string[] = [];
  // `>>> 0` reads the value as uint32, so bit 31 is bit 31 and not the sign.
  for (let rest = bits >>> 0, i = 0; rest !== 0; rest >>>= 1, i++) {
    if (rest & 1) tags.push(names[i] ?? `tag ${i}`);
  }
  return tags;
}

/** The corrected label of one row, or null when it has none. */
export function correctedLabel(shiftedCode: number, classes: readonly string[]): string | null {
  if (!(shiftedCode > 0)) return null;
  return classes[shiftedCode - 1] ?? String(shiftedCode - 1);
}

/** The badges of a tile: the first `max` tags, then "+N" for the rest. */
export function tileBadges(tags: readonly string[], max = MAX_TILE_BADGES): string[] {
  if (tags.length <= max) return [...tags];
  return [...tags.slice(0, max), `+${tags.length - max}`];
}

/** A correction as one line of text: "7 → 1". */
export function correctionText(given: string, corrected: string): string {
  return `${given} → ${corrected}`;
}

/** One row's annotations. */
export interface RowAnnotation {
  tags: string[];
  /** The corrected label, or null when the row is not corrected. */
  corrected: string | null;
}

/** The decoded annotation arrays of the table (undefined while no row has one). */
export interface AnnotationArrays {
  tags?: ArrayLike<number>;
  corrected?: ArrayLike<number>;
  tagNames: readonly string[];
  classes: readonly string[];
}

/** The annotations of the row at `pos`. */
export function rowAnnotation(arrays: AnnotationArrays, pos: number): RowAnnotation {
  return {
    tags: arrays.tags ? tagsOf(arrays.tags[pos], arrays.tagNames) : [],
    corrected: arrays.corrected ? correctedLabel(arrays.corrected[pos], arrays.classes) : null,
  };
}
