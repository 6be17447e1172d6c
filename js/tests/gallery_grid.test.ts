import { describe, expect, it } from "vitest";
import {
  gridLayout,
  neighbourIndex,
  scrollToReveal,
  tilePosition,
  visibleWindow,
} from "../src/gallery/grid";

const box = { width: 100, height: 140, gap: 10 };

describe("gridLayout", () => {
  it("fits as many columns as the width allows and centres them", () => {
    // 10 + 4 × 110 = 450 ≤ 480 < 560
    const layout = gridLayout(10, 480, box);
    expect(layout.columns).toBe(4);
    expect(layout.rows).toBe(3);
    expect(layout.totalHeight).toBe(3 * 150 + 10);
    expect(layout.offsetX).toBe(Math.floor((480 - (4 * 110 - 10)) / 2));
  });

  it("keeps one column in a viewport narrower than a tile, and no rows for no tiles", () => {
    expect(gridLayout(3, 50, box).columns).toBe(1);
    expect(gridLayout(0, 480, box).totalHeight).toBe(0);
  });
});

describe("visibleWindow", () => {
  const layout = gridLayout(1000, 480, box); // 4 columns, row pitch 150

  it("covers the rows on screen plus the overscan", () => {
    // scrollTop 1500 → rows 10..12 on screen (viewport 300), ±1 overscan → rows 9..13
    expect(visibleWindow(layout, 1000, 1500, 300, 1)).toEqual({ first: 36, last: 56 });
    expect(visibleWindow(layout, 1000, 1500, 300, 0)).toEqual({ first: 40, last: 52 });
  });

  it("clamps at the top and at the last, partly filled row", () => {
    expect(visibleWindow(layout, 1000, 0, 300, 2)).toEqual({ first: 0, last: 20 });
    const end = visibleWindow(gridLayout(1001, 480, box), 1001, 1e9, 300, 1);
    expect(end.last).toBe(1001);
    expect(end.first % 4).toBe(0);
  });

  it("is empty for an empty order", () => {
    expect(visibleWindow(gridLayout(0, 480, box), 0, 0, 300)).toEqual({ first: 0, last: 0 });
  });

  it("includes every tile whose box meets the viewport", () => {
    for (const top of [0, 37, 149, 150, 151, 999, 4321]) {
      const { first, last } = visibleWindow(layout, 1000, top, 300, 0);
      for (let i = 0; i < 1000; i++) {
        const { y } = tilePosition(layout, i);
        const meets = y < top + 300 && y + box.height > top;
        if (meets) expect(i >= first && i < last, `tile ${i} at scrollTop ${top}`).toBe(true);
      }
    }
  });
});

describe("tilePosition and scrollToReveal", () => {
  const layout = gridLayout(100, 480, box);

  it("places tiles row by row", () => {
    expect(tilePosition(layout, 0)).toEqual({ x: layout.offsetX, y: 10 });
    expect(tilePosition(layout, 5)).toEqual({ x: layout.offsetX + 110, y: 160 });
  });

  it("scrolls only when the tile is not fully visible", () => {
    expect(scrollToReveal(layout, 0, 0, 300)).toBeNull();
    expect(scrollToReveal(layout, 0, 100, 300)).toBe(0);
    // tile 12 is in row 3: y = 460, bottom 600 → scrollTop 600 + 10 - 300
    expect(scrollToReveal(layout, 12, 0, 300)).toBe(310);
  });
});

describe("neighbourIndex", () => {
  it("steps by one sideways and by a row up and down, clamped", () => {
    expect(neighbourIndex(5, "right", 4, 10)).toBe(6);
    expect(neighbourIndex(5, "down", 4, 10)).toBe(9);
    expect(neighbourIndex(7, "down", 4, 10)).toBe(7);
    expect(neighbourIndex(2, "up", 4, 10)).toBe(2);
    expect(neighbourIndex(0, "left", 4, 10)).toBe(0);
    expect(neighbourIndex(9, "right", 4, 10)).toBe(9);
    expect(neighbourIndex(0, "right", 4, 0)).toBe(-1);
  });
});
