// Virtual-scroll geometry of the tile grid: fixed-size tiles, left to right,
// top to bottom. Only the tiles in the window this returns exist in the DOM,
// so scrolling through 1M tiles costs what scrolling through one screen does.

/** Fixed tile geometry, in CSS pixels. */
export interface TileBox {
  width: number;
  height: number;
  gap: number;
}

/** The grid for a count of tiles in a viewport of a given width. */
export interface GridLayout {
  columns: number;
  rows: number;
  /** Height of the scrolled content: every row, gaps included. */
  totalHeight: number;
  /** Distance from one row's top to the next. */
  rowPitch: number;
  /** Distance from one column's left to the next. */
  columnPitch: number;
  /** Left padding that centres the columns in the viewport. */
  offsetX: number;
  /** Space between tiles, and above the first row. */
  gap: number;
}

/** The tiles to build: indices `first` (inclusive) to `last` (exclusive) of the order. */
export interface TileWindow {
  first: number;
  last: number;
}

export function gridLayout(count: number, viewportWidth: number, box: TileBox): GridLayout {
  const columnPitch = box.width + box.gap;
  const rowPitch = box.height + box.gap;
  const usable = Math.max(0, viewportWidth - box.gap);
  const columns = Math.max(1, Math.floor(usable / columnPitch));
  const rows = Math.ceil(count / columns);
  const used = columns * columnPitch - box.gap;
  const offsetX = Math.max(box.gap, Math.floor((viewportWidth - used) / 2));
  const totalHeight = rows === 0 ? 0 : rows * rowPitch + box.gap;
  return { columns, rows, totalHeight, rowPitch, columnPitch, offsetX, gap: box.gap };
}

/**
 * The tiles visible at `scrollTop` in a viewport `viewportHeight` tall, plus
 * `overscanRows` rows above and below so a slow scroll never shows a hole.
 *
 * @example visibleWindow(gridLayout(100, 500, {width: 96, height: 130, gap: 8}), 0, 300, 1)
 */
export function visibleWindow(
  layout: GridLayout,
  count: number,
  scrollTop: number,
  viewportHeight: number,
  overscanRows = 1,
): TileWindow {
  if (count === 0 || layout.rows === 0) return { first: 0, last: 0 };
  const top = Math.max(0, scrollTop);
  const firstRow = Math.max(0, Math.floor(top / layout.rowPitch) - overscanRows);
  const lastRow = Math.min(
    layout.rows - 1,
    Math.floor((top + Math.max(0, viewportHeight)) / layout.rowPitch) + overscanRows,
  );
  return {
    first: firstRow * layout.columns,
    last: Math.min(count, (lastRow + 1) * layout.columns),
  };
}

/** Top-left corner of tile `index` inside the scrolled content. */
export function tilePosition(layout: GridLayout, index: number): { x: number; y: number } {
  const row = Math.floor(index / layout.columns);
  const column = index - row * layout.columns;
  return { x: layout.offsetX + column * layout.columnPitch, y: layout.gap + row * layout.rowPitch };
}

/**
 * The scrollTop that brings tile `index` fully into view, or null when it
 * already is (keyboard navigation keeps the focused tile visible).
 */
export function scrollToReveal(
  layout: GridLayout,
  index: number,
  scrollTop: number,
  viewportHeight: number,
): number | null {
  const { y } = tilePosition(layout, index);
  const tileHeight = layout.rowPitch - layout.gap;
  if (y < scrollTop) return Math.max(0, y - layout.gap);
  if (y + tileHeight > scrollTop + viewportHeight) {
    return y + tileHeight + layout.gap - viewportHeight;
  }
  return null;
}

/** Index of the tile one step away in a direction, clamped to the order. */
export function neighbourIndex(
  index: number,
  direction: "left" | "right" | "up" | "down",
  columns: number,
  count: number,
): number {
  if (count === 0) return -1;
  const step = { left: -1, right: 1, up: -columns, down: columns }[direction];
  const next = index + step;
  if (next < 0) return direction === "up" ? index : 0;
  if (next >= count) return direction === "down" ? index : count - 1;
  return next;
}
