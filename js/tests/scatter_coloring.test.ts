import { describe, expect, it } from "vitest";
import { categoricalColor, colormapColor, MISSING_RGB } from "../src/lib/colors";
import { type RawModel, TableClient } from "../src/lib/table_client";
import { CoordsAnimation } from "../src/scatter/animation";
import {
  categoricalColoring,
  DIM_AMOUNT,
  maskOfIndex,
  NUMERIC_STEPS,
  numericColoring,
  packedPalettes,
} from "../src/scatter/coloring";
import { packRGBA } from "../src/scatter/raster";
import { autoDiameter } from "../src/scatter/renderer";
import { resolveColoring } from "../src/scatter/source";
import { groupByColor } from "../src/scatter/vector";
import { fitDomain, toScreenX } from "../src/scatter/viewport";
import { FakeModel, serveColumns } from "./fake_model";

describe("categoricalColoring", () => {
  it("indexes by code, sends anything else to the missing colour, counts the legend", () => {
    // region codes: 255 marks an unknown region.
    const c = categoricalColoring("region", Uint8Array.of(0, 2, 2, 255, 0, 0), [
      "easy",
      "amb",
      "hard",
    ]);
    expect([...c.colorIndex]).toEqual([0, 2, 2, 3, 0, 0]);
    expect(c.colors[0]).toEqual(categoricalColor(0));
    expect(c.colors[3]).toEqual(MISSING_RGB);
    // "amb" has no points and is left out of the legend.
    expect(c.legend).toEqual([
      { index: 0, name: "easy", count: 3 },
      { index: 2, name: "hard", count: 2 },
      { index: 3, name: "missing", count: 1 },
    ]);
  });

  it("treats negative and fractional codes as missing", () => {
    const c = categoricalColoring("x", Float32Array.of(-1, 0.5, 1), ["a", "b"]);
    expect([...c.colorIndex]).toEqual([2, 2, 1]);
  });
});

describe("numericColoring", () => {
  it("spreads the finite range over viridis; NaN is missing", () => {
    const c = numericColoring("loss", Float32Array.of(2, 4, 3, Number.NaN));
    expect(c.min).toBe(2);
    expect(c.max).toBe(4);
    // 3 is halfway: round(0.5 · 255) = 128.
    expect([...c.colorIndex]).toEqual([0, NUMERIC_STEPS - 1, 128, NUMERIC_STEPS]);
    expect(c.colors[0]).toEqual(colormapColor(0));
    expect(c.colors[NUMERIC_STEPS - 1]).toEqual(colormapColor(1));
    expect(c.colors[NUMERIC_STEPS]).toEqual(MISSING_RGB);
  });

  it("keeps correctness on its own 0..1 scale, whatever the data", () => {
    const c = numericColoring("correctness", Float32Array.of(0.5, 0.75));
    expect([c.min, c.max]).toEqual([0, 1]);
    expect([...c.colorIndex]).toEqual([128, 191]);
  });

  it("puts a constant column in the middle and infinities at the ends", () => {
    const c = numericColoring("margin", Float32Array.of(7, 7, Number.POSITIVE_INFINITY));
    expect([...c.colorIndex]).toEqual([127, 127, NUMERIC_STEPS - 1]);
  });
});

describe("packedPalettes", () => {
  it("dims toward the background", () => {
    const p = packedPalettes(
      [
        [200, 100, 0],
        [0, 0, 0],
      ],
      [0, 0, 0, 1],
    );
    expect(p.front[0]).toBe(packRGBA(200, 100, 0));
    const k = 1 - DIM_AMOUNT;
    expect(p.back[0]).toBe(packRGBA(Math.round(200 * k), Math.round(100 * k), 0));
    expect(p.frontCss[0]).toBe("rgb(200, 100, 0)");
  });
});

describe("maskOfIndex / groupByColor", () => {
  it("masks one legend entry and groups rows by colour, keeping row order", () => {
    const index = Uint16Array.of(1, 0, 1, 2, 0);
    expect([...maskOfIndex(index, 1)]).toEqual([1, 0, 1, 0, 0]);
    const g = groupByColor(index, 3);
    expect([...g.order]).toEqual([1, 4, 0, 2, 3]);
    expect([...g.offsets]).toEqual([0, 2, 4, 5]);
  });
});

describe("autoDiameter", () => {
  it("shrinks with N and grows (up to 3×) when zoomed in", () => {
    expect(autoDiameter(1000, 1)).toBe(6);
    expect(autoDiameter(1_000_000, 1)).toBe(1);
    expect(autoDiameter(1_000_000, 4)).toBe(2);
    expect(autoDiameter(1_000_000, 100)).toBe(3);
    expect(autoDiameter(50_000, 0.5)).toBe(2.5);
  });
});

describe("CoordsAnimation", () => {
  it("starts where the old layout was on screen and ends on the new one", () => {
    const oldView = fitDomain({ x0: 0, x1: 10, y0: 0, y1: 10 }, 100, 100, false);
    const newView = fitDomain({ x0: -1, x1: 1, y0: -1, y1: 1 }, 100, 100, false);
    const anim = CoordsAnimation.start([5, 10], [5, 0], oldView, [0.5, -0.5], [0, 0], newView, 0);
    if (anim === null) throw new Error("expected an animation");
    // At t = 0 the points sit at their old screen positions (x = 50 px and 100 px).
    expect(toScreenX(newView, anim.xs[0])).toBeCloseTo(50, 4);
    expect(toScreenX(newView, anim.xs[1])).toBeCloseTo(100, 4);
    anim.step(10_000);
    expect(anim.running).toBe(false);
    expect([...anim.xs]).toEqual([0.5, -0.5]);
  });

  it("is skipped when the row counts differ", () => {
    const v = fitDomain({ x0: 0, x1: 1, y0: 0, y1: 1 }, 10, 10, false);
    expect(CoordsAnimation.start([1], [1], v, [1, 2], [1, 2], v, 0)).toBeNull();
  });
});

describe("resolveColoring", () => {
  it("colours a whole column once, however many other columns arrive after it", async () => {
    const model = new FakeModel({ n_rows: 4, selection: null, categories: {} });
    serveColumns(model, {
      loss: Float32Array.of(0, 1, 2, 3),
      x: Float32Array.of(1, 2, 3, 4),
    });
    const table = new TableClient(model as unknown as RawModel);
    await table.want(["loss"]);
    const first = resolveColoring(table, "loss", null);
    expect(first.complete).toBe(true);
    expect(Array.from(first.coloring?.colorIndex ?? [])).toHaveLength(4);
    await table.want(["x"]); // the view reloads: the colour column is the same array
    expect(resolveColoring(table, "loss", first)).toBe(first);
    // Another column to colour by is coloured afresh, and so is a new version.
    const byX = resolveColoring(table, "x", first);
    expect(byX).not.toBe(first);
    expect(byX.coloring?.column).toBe("x");
    model.set("column_info", {
      loss: { version: 2, missing: false },
      x: { version: 1, missing: false },
    });
    await table.want(["loss"]);
    const again = resolveColoring(table, "loss", byX);
    expect(again).not.toBe(first);
    expect(again.source).not.toBe(first.source);
  });

  it("colours a partial column again only when another of its chunks arrives", async () => {
    const model = new FakeModel({ n_rows: 6, selection: null, categories: {} });
    serveColumns(
      model,
      { loss: Float32Array.of(0, 1, 2, 3, 4, 5), x: Float32Array.of(1, 2, 3, 4, 5, 6) },
      { chunkRows: 2 },
    );
    const table = new TableClient(model as unknown as RawModel);
    // Chunks come interleaved by rows (loss 0, x 0, loss 1, ...): colour on every one.
    const seen: Array<{ after: string; coloring: unknown; chunks: number | undefined }> = [];
    let previous = null as ReturnType<typeof resolveColoring> | null;
    table.onColumns((name) => {
      previous = resolveColoring(table, "loss", previous);
      seen.push({ after: name, coloring: previous.coloring, chunks: previous.chunks });
    });
    await table.want(["loss", "x"]);
    const afterX = seen.filter((s, k) => s.after === "x" && k > 0);
    // An x chunk changes nothing of loss: the colouring before it is kept as it was.
    for (const s of afterX) {
      const before = seen[seen.indexOf(s) - 1];
      if (before.chunks !== -1) expect(s.coloring).toBe(before.coloring);
    }
    // Each loss chunk coloured the rows so far afresh, and the whole column once.
    const byLoss = seen.filter((s) => s.after === "loss").map((s) => s.coloring);
    expect(new Set(byLoss).size).toBe(byLoss.length);
    expect(previous?.complete).toBe(true);
  });
});
