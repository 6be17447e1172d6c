import { describe, expect, it } from "vitest";
import { type KeyContext, keyCommand } from "../src/gallery/keys";

const base: KeyContext = {
  panelOpen: false,
  focused: 5,
  firstOnScreen: 8,
  columns: 4,
  count: 20,
  marked: 0,
  hasSelection: true,
};

describe("keyCommand", () => {
  it("moves the focus over the grid: one tile sideways, one row up or down", () => {
    expect(keyCommand("ArrowRight", base)).toEqual({ kind: "focus", index: 6 });
    expect(keyCommand("ArrowDown", base)).toEqual({ kind: "focus", index: 9 });
    expect(keyCommand("ArrowUp", base)).toEqual({ kind: "focus", index: 1 });
  });

  it("starts the focus on the first tile on screen", () => {
    expect(keyCommand("ArrowDown", { ...base, focused: -1 })).toEqual({ kind: "focus", index: 8 });
  });

  it("steps through the order one sample at a time while the panel is open, clamped", () => {
    const open = { ...base, panelOpen: true };
    expect(keyCommand("ArrowDown", open)).toEqual({ kind: "open", index: 6 });
    expect(keyCommand("ArrowLeft", open)).toEqual({ kind: "open", index: 4 });
    expect(keyCommand("ArrowRight", { ...open, focused: 19 })).toEqual({ kind: "open", index: 19 });
  });

  it("opens the focused tile on Enter, and not twice", () => {
    expect(keyCommand("Enter", base)).toEqual({ kind: "open", index: 5 });
    expect(keyCommand("Enter", { ...base, panelOpen: true })).toBeNull();
    expect(keyCommand("Enter", { ...base, focused: -1 })).toBeNull();
  });

  it("lets Escape close the panel first, then unmark, then clear the selection", () => {
    expect(keyCommand("Escape", { ...base, panelOpen: true, marked: 2 })).toEqual({
      kind: "close",
    });
    expect(keyCommand("Escape", { ...base, marked: 2 })).toEqual({ kind: "clear-marks" });
    expect(keyCommand("Escape", base)).toEqual({ kind: "clear-selection" });
    expect(keyCommand("Escape", { ...base, hasSelection: false })).toBeNull();
  });

  it("leaves other keys and empty galleries alone", () => {
    expect(keyCommand("a", base)).toBeNull();
    expect(keyCommand("ArrowRight", { ...base, count: 0, focused: -1 })).toBeNull();
  });
});
