// Set operations on selection masks (Uint8Array of N rows, 1 = selected).
//
// Every function returns a new mask and leaves its inputs alone, so a view can
// keep the previous selection around (for an echo guard or an undo) safely.

export type SelectionMode = "replace" | "add" | "subtract";

/**
 * Combine the current selection with new hits.
 *
 * `hits` is either a mask of the same length as `current` (Uint8Array, any
 * non-zero byte = hit) or row positions (Uint32Array).
 *
 * @example applyMode(Uint8Array.of(1, 0, 0), Uint32Array.of(2), "add") // [1, 0, 1]
 */
export function applyMode(
  current: Uint8Array,
  hits: Uint8Array | Uint32Array,
  mode: SelectionMode,
): Uint8Array {
  const n = current.length;
  const isMask = hits instanceof Uint8Array;
  if (isMask && hits.length !== n) {
    throw new RangeError(`hit mask has ${hits.length} rows, the selection has ${n}`);
  }
  let next: Uint8Array;
  let value: 0 | 1;
  switch (mode) {
    case "replace":
      next = new Uint8Array(n);
      value = 1;
      break;
    case "add":
      next = current.slice();
      value = 1;
      break;
    case "subtract":
      next = current.slice();
      value = 0;
      break;
    default:
      throw new TypeError(`selection mode "${mode}" is not replace, add or subtract`);
  }
  if (isMask) {
    // Branch-free (see countSelected): a lasso's hits come in random row order.
    const m = hits as Uint8Array;
    if (mode === "replace") for (let i = 0; i < n; i++) next[i] = (m[i] + 255) >> 8;
    else if (value === 1) for (let i = 0; i < n; i++) next[i] |= (m[i] + 255) >> 8;
    else for (let i = 0; i < n; i++) next[i] &= 1 ^ ((m[i] + 255) >> 8);
  } else {
    for (let k = 0; k < hits.length; k++) {
      const p = hits[k];
      if (p >= n) throw new RangeError(`hit position ${p} is out of range for ${n} rows`);
      next[p] = value;
    }
  }
  return next;
}

// (v + 255) >> 8 is 1 for any non-zero byte and 0 for zero. Selected rows come
// in random order (a lasso over a shuffled table), where a branch per row would
// be mispredicted half the time; the arithmetic form costs the same every row.

/** Number of selected rows in a mask (any non-zero byte counts). */
export function countSelected(mask: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += (mask[i] + 255) >> 8;
  return count;
}

/**
 * The selection mode a pointer or key event asks for: Shift adds, Alt
 * subtracts, neither replaces. With both held, Alt wins: removing rows is the
 * more deliberate gesture, and Shift+Alt should never grow a selection.
 */
export function modeFromEvent(ev: { shiftKey: boolean; altKey: boolean }): SelectionMode {
  if (ev.altKey) return "subtract";
  if (ev.shiftKey) return "add";
  return "replace";
}

/** Sorted positions of the selected rows (`count` of them, when the caller knows). */
export function positionsOf(mask: Uint8Array, count = countSelected(mask)): Uint32Array {
  // Every row is written and the cursor only moves past selected ones; the
  // spare last slot takes the writes after the final selected row.
  const positions = new Uint32Array(count + 1);
  let k = 0;
  for (let i = 0; i < mask.length; i++) {
    positions[k] = i;
    k += (mask[i] + 255) >> 8;
  }
  return positions.subarray(0, count);
}

/** A mask of `nRows` rows with the given positions selected. */
export function maskFromPositions(positions: ArrayLike<number>, nRows: number): Uint8Array {
  const mask = new Uint8Array(nRows);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    if (!(p >= 0 && p < nRows) || !Number.isInteger(p)) {
      throw new RangeError(`position ${p} is out of range for ${nRows} rows`);
    }
    mask[p] = 1;
  }
  return mask;
}
