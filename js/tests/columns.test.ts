import { describe, expect, it } from "vitest";
import { BuffersDropped, type ChunkHeader, ColumnAssembler } from "../src/lib/columns";
import { type RawModel, TableClient } from "../src/lib/table_client";
import { FakeModel, serveColumns } from "./fake_model";

function header(over: Partial<ChunkHeader>): ChunkHeader {
  return {
    name: "x",
    version: 1,
    dtype: "uint16",
    n: 6,
    encoding: "raw",
    offset: 0,
    rows: 0,
    chunk: 0,
    chunks: 1,
    ...over,
  };
}

const view = (a: ArrayLike<number>, ctor: typeof Uint16Array | typeof Uint8Array) =>
  new DataView(ctor.from(a).buffer);

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

describe("ColumnAssembler", () => {
  it("reassembles chunks arriving in any order, and knows when it is complete", () => {
    const chunks = [
      header({ offset: 4, rows: 2, chunk: 2, chunks: 3 }),
      header({ offset: 0, rows: 2, chunk: 0, chunks: 3 }),
      header({ offset: 2, rows: 2, chunk: 1, chunks: 3 }),
    ];
    const values = [10, 11, 12, 13, 14, 15];
    const part = new ColumnAssembler(chunks[0]);
    for (const [i, h] of chunks.entries()) {
      expect(part.complete).toBe(false);
      part.add(h, view(values.slice(h.offset, h.offset + h.rows), Uint16Array));
      expect(part.complete).toBe(i === 2);
    }
    expect(part.array).toBeInstanceOf(Uint16Array);
    expect(Array.from(part.array)).toEqual(values);
  });

  it("decodes a linear column to float32, the largest code as missing", () => {
    const h = header({ encoding: "linear", low: -1, high: 1, steps: 4, rows: 6 });
    const part = new ColumnAssembler(h);
    part.add(h, view([0, 1, 2, 3, 4, 65535], Uint16Array));
    expect(part.array).toBeInstanceOf(Float32Array);
    expect(Array.from(part.array)).toEqual([-1, -0.5, 0, 0.5, 1, NaN]);
    const eight = header({
      dtype: "uint8",
      encoding: "linear",
      low: 0,
      high: 1,
      steps: 4,
      rows: 6,
    });
    const small = new ColumnAssembler(eight);
    small.add(eight, view([0, 2, 4, 255, 1, 3], Uint8Array));
    expect(Array.from(small.array)).toEqual([0, 0.5, 1, NaN, 0.25, 0.75]);
  });

  it("reads a chunk's bytes from base64 text, and keeps rows not yet here as NaN", () => {
    const h = header({ encoding: "linear", low: 0, high: 10, steps: 10, rows: 3, chunks: 2 });
    const part = new ColumnAssembler(h);
    part.add({ ...h, data: base64(new Uint8Array(Uint16Array.of(1, 2, 3).buffer)) }, undefined);
    expect(Array.from(part.array)).toEqual([1, 2, 3, NaN, NaN, NaN]);
  });

  it("refuses a chunk without bytes, of the wrong size, or outside the column", () => {
    const h = header({ rows: 2, chunks: 3 });
    const part = new ColumnAssembler(h);
    expect(() => part.add(h, undefined)).toThrow(BuffersDropped);
    expect(() => part.add(h, view([1, 2, 3], Uint16Array))).toThrow(/needs 4 bytes, got 6/);
    expect(() => part.add({ ...h, offset: 5 }, view([1, 2], Uint16Array))).toThrow(/outside/);
  });
});

describe("TableClient column fetches", () => {
  const model = (n: number) => new FakeModel({ n_rows: n, selection: null, categories: {} });

  it("assembles a chunked column, tells listeners after each chunk, and caches it", async () => {
    const table = model(5);
    const asked = serveColumns(table, { loss: Float32Array.of(1, 2, 3, 4, 5) }, { chunkRows: 2 });
    const client = new TableClient(table as unknown as RawModel);
    const heard: [string, boolean][] = [];
    client.onColumns((name, complete) => heard.push([name, complete]));
    expect(client.ready(["loss"])).toBe(false);
    await client.want(["loss"]);
    expect(Array.from(client.column("loss") ?? [])).toEqual([1, 2, 3, 4, 5]);
    expect(heard).toEqual([
      ["loss", false],
      ["loss", false],
      ["loss", true],
    ]);
    expect(client.ready(["loss"])).toBe(true);
    await client.want(["loss"]);
    expect(asked).toEqual([["loss"]]); // held at its version: not asked again
  });

  it("falls back to base64 text for good once the host drops a binary buffer", async () => {
    const table = model(3);
    const asked: boolean[] = [];
    serveColumns(
      table,
      { label: Uint8Array.of(5, 6, 7), pred: Uint8Array.of(1, 1, 2) },
      { dropBuffers: true },
    );
    const serve = table.replyMany;
    table.replyMany = (content) => {
      asked.push(Boolean(content.base64));
      return serve(content);
    };
    const client = new TableClient(table as unknown as RawModel);
    await client.want(["label"]);
    expect(Array.from(client.column("label") ?? [])).toEqual([5, 6, 7]);
    await client.want(["pred"]);
    expect(Array.from(client.column("pred") ?? [])).toEqual([1, 1, 2]);
    expect(asked).toEqual([false, true, true]);
  });

  it("fetches again when the kernel bumps a held column's version", async () => {
    const table = model(2);
    const values = { loss: Float32Array.of(1, 2) };
    const asked = serveColumns(table, values);
    const client = new TableClient(table as unknown as RawModel);
    client.onColumns(() => {});
    await client.want(["loss"]);
    values.loss = Float32Array.of(7, 8);
    table.set("column_info", { loss: { version: 2, missing: false } });
    await new Promise((r) => setTimeout(r, 10));
    expect(Array.from(client.column("loss") ?? [])).toEqual([7, 8]);
    expect(asked).toEqual([["loss"], ["loss"]]);
  });

  it("rejects with the kernel's error for a column it does not have", async () => {
    const table = model(2);
    serveColumns(table, {});
    const client = new TableClient(table as unknown as RawModel);
    await expect(client.ensureColumn("nope")).rejects.toThrow(/no column nope/);
  });
});
