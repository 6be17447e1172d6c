import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { displayOrder } from "../src/gallery/order";
import { ROW_ORDER_MIN_ROWS, RowOrders } from "../src/gallery/row_orders";
import { seededRandom } from "../src/lib/random";
import { positionsOf } from "../src/lib/selection";

const n = ROW_ORDER_MIN_ROWS;
const rand = seededRandom(3);
const loss = Float32Array.from({ length: n }, () => Math.round(rand() * 50) / 10);
const confidence = Float32Array.from({ length: n }, () => rand());
const mask = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
const count = mask.reduce((a, b) => a + b, 0);

describe("RowOrders", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("builds the kept order in the background, then gives a selection's head from it", () => {
    let busy = true;
    const orders = new RowOrders(() => busy);
    expect(orders.head(mask, count, "loss", true, { loss }, 100)).toBeNull();
    vi.advanceTimersByTime(2000);
    expect(orders.ready).toBe(false); // the page's columns are still arriving
    busy = false;
    vi.advanceTimersByTime(2000);
    expect(orders.ready).toBe(true);
    const want = Array.from(displayOrder(positionsOf(mask), "loss", true, { loss }));
    const head = orders.head(mask, count, "loss", true, { loss }, 100);
    expect(Array.from(head ?? [])).toEqual(want.slice(0, 100));
    orders.dispose();
  });

  it("sorts small selections and small tables itself, and starts over for a new key", () => {
    const orders = new RowOrders(() => false);
    orders.want(n, "loss", true, { loss });
    vi.advanceTimersByTime(2000);
    const few = new Uint8Array(n);
    few[5] = 1;
    expect(orders.head(few, 1, "loss", true, { loss }, 100)).toBeNull();
    expect(orders.want(1000, "loss", true, { loss: loss.subarray(0, 1000) })).toBe(false);
    expect(orders.want(n, "table", false, { loss })).toBe(false);
    // Another key (or direction) is another order, built afresh.
    expect(orders.head(mask, count, "confidence", false, { loss, confidence }, 10)).toBeNull();
    vi.advanceTimersByTime(2000);
    const want = Array.from(displayOrder(positionsOf(mask), "confidence", false, { confidence }));
    const head = orders.head(mask, count, "confidence", false, { loss, confidence }, 10);
    expect(Array.from(head ?? [])).toEqual(want.slice(0, 10));
    orders.dispose();
  });
});
