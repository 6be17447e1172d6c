// What a key press means in the gallery. Pure, so the rules are tested
// without a DOM: arrows move the focus (or step the open panel), Enter
// opens, Escape closes the panel, then unmarks, then clears the selection.

import { neighbourIndex } from "./grid";

export type KeyCommand =
  | { kind: "focus"; index: number }
  | { kind: "open"; index: number }
  | { kind: "close" }
  | { kind: "clear-marks" }
  | { kind: "clear-selection" };

export interface KeyContext {
  panelOpen: boolean;
  /** Order index of the focused tile, -1 for none. */
  focused: number;
  /** Order index of the first tile on screen (where the focus starts). */
  firstOnScreen: number;
  columns: number;
  count: number;
  marked: number;
  hasSelection: boolean;
}

const ARROWS: Record<string, "left" | "right" | "up" | "down"> = {
  ArrowLeft: "left",
  ArrowRight: "right",
  ArrowUp: "up",
  ArrowDown: "down",
};

/** The command for a key, or null when the gallery leaves the key alone. */
export function keyCommand(key: string, ctx: KeyContext): KeyCommand | null {
  const direction = ARROWS[key];
  if (direction) {
    if (ctx.count === 0) return null;
    if (ctx.focused < 0) return { kind: "focus", index: ctx.firstOnScreen };
    if (ctx.panelOpen) {
      const delta = direction === "left" || direction === "up" ? -1 : 1;
      return { kind: "open", index: Math.min(ctx.count - 1, Math.max(0, ctx.focused + delta)) };
    }
    return { kind: "focus", index: neighbourIndex(ctx.focused, direction, ctx.columns, ctx.count) };
  }
  if (key === "Enter" && !ctx.panelOpen && ctx.focused >= 0) {
    return { kind: "open", index: ctx.focused };
  }
  if (key === "Escape") {
    if (ctx.panelOpen) return { kind: "close" };
    if (ctx.marked > 0) return { kind: "clear-marks" };
    if (ctx.hasSelection) return { kind: "clear-selection" };
  }
  return null;
}
