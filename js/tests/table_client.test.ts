import { describe, expect, it } from "vitest";
import { encodeSelection } from "../src/lib/codec";
import { type RawModel, TableClient } from "../src/lib/table_client";
import { FakeModel } from "./fake_model";

function fakeModel(n: number): FakeModel & RawModel {
  return new FakeModel({ n_rows: n, selection: new Uint8Array(0) }) as FakeModel & RawModel;
}

function maskOf(n: number, rows: number[]): Uint8Array {
  const m = new Uint8Array(n);
  for (const r of rows) m[r] = 1;
  return m;
}

describe("TableClient selection events", () => {
  it("skips the kernel's echo of a selection but not a real change", () => {
    const model = fakeModel(100);
    const view = new TableClient(model);
    let calls = 0;
    view.on("change:selection", () => calls++);

    new TableClient(model).setSelection(maskOf(100, [3, 5]));
    expect(calls).toBe(1);
    // The kernel sends the same rows back as a new object (a DataView).
    const echo = encodeSelection(maskOf(100, [3, 5]));
    model.set("selection", new DataView(echo.buffer.slice(0)));
    expect(calls).toBe(1);
    model.set("selection", encodeSelection(maskOf(100, [4])));
    expect(calls).toBe(2);
    expect(Array.from(view.selectionMask().keys()).filter((i) => view.selectionMask()[i])).toEqual([
      4,
    ]);
  });

  it("lets every listener of one view hear each real change", () => {
    const model = fakeModel(10);
    const view = new TableClient(model);
    const heard: string[] = [];
    view.on("change:selection", () => heard.push("a"));
    view.on("change:selection", () => heard.push("b"));
    view.setSelection(maskOf(10, [1]));
    expect(heard).toEqual(["a", "b"]);
  });

  it("shares one decoded selection between clients of the same model", () => {
    const model = fakeModel(50);
    const a = new TableClient(model);
    const b = new TableClient(model);
    a.setSelection(maskOf(50, [7, 8, 9]));
    expect(b.selectionMask()).toBe(a.selectionMask());
    expect(b.selectionCount()).toBe(3);
  });

  it("removes its listeners on dispose, including filtered ones", () => {
    const model = fakeModel(10);
    const view = new TableClient(model);
    let calls = 0;
    view.on("change:selection", () => calls++);
    view.dispose();
    new TableClient(model).setSelection(maskOf(10, [2]));
    expect(calls).toBe(0);
  });
});

describe("TableClient annotations", () => {
  it("is empty until a row is annotated, then decodes each array once for every client", () => {
    const model = fakeModel(4);
    const client = new TableClient(model);
    expect(client.annotationColumn("tags")).toBeUndefined();
    expect(client.tagNames()).toEqual([]);
    expect(client.annotationClasses()).toEqual([]);

    const bits = new Uint32Array([0, 2 ** 31, 5, 0]);
    model.set("annotations", {
      tags: { dtype: "uint32", shape: [4], buffer: new DataView(bits.buffer) },
      classes: ["a", "b"],
    });
    model.set("tag_names", ["mislabeled", "ambiguous", "duplicate"]);
    const tags = client.annotationColumn("tags");
    expect(Array.from(tags ?? [])).toEqual([0, 2 ** 31, 5, 0]);
    expect(new TableClient(model).annotationColumn("tags")).toBe(tags);
    expect(client.annotationColumn("corrected")).toBeUndefined();
    expect(client.annotationClasses()).toEqual(["a", "b"]);
    expect(client.tagNames()).toEqual(["mislabeled", "ambiguous", "duplicate"]);
  });
});

describe("TableClient requests to a busy kernel", () => {
  it("wait past the slow mark, say so, and resolve when the kernel answers at last", async () => {
    const model = fakeModel(10);
    const client = new TableClient(model);
    const states: boolean[] = [];
    const pending = client.request({ type: "thumbs" }, 10, (w) => states.push(w));
    await new Promise((r) => setTimeout(r, 30));
    expect(states).toEqual([true]); // still pending: a busy kernel is no failure
    const sent = model.sent.at(-1) as { request_id: string };
    model.trigger("msg:custom", { type: "thumbs", request_id: sent.request_id, items: [] }, []);
    const { reply } = await pending;
    expect(reply).toMatchObject({ type: "thumbs", items: [] });
    expect(states).toEqual([true, false]);
  });

  it("reject only on the kernel's error reply", async () => {
    const model = fakeModel(10);
    model.reply = () => ({ type: "error", error: "KeyError: no column 'x'" });
    await expect(new TableClient(model).request({ type: "column", name: "x" })).rejects.toThrow(
      "no column 'x'",
    );
  });

  it("never reuse a request id, across clients of one model", () => {
    const model = fakeModel(10);
    const a = new TableClient(model);
    const b = new TableClient(model);
    for (let i = 0; i < 50; i++) {
      void a.request({ type: "rows" });
      void b.request({ type: "rows" });
    }
    const ids = model.sent.map((m) => m.request_id);
    expect(new Set(ids).size).toBe(100);
    a.dispose();
    b.dispose();
  });
});
