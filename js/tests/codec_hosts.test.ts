// Binary traits in every form a widget host may deliver them (docs/notes/hosts.md):
// ipywidgets gives a DataView, marimo re-encodes a Uint8Array as an object of
// index -> byte, JSON paths give number arrays or base64.
import { describe, expect, it } from "vitest";
import {
  asBytes,
  type Bytes,
  decodeArray,
  decodeSelectionPositions,
  encodeSelectionPositions,
  selectionBytesEqual,
} from "../src/lib/codec";
import { type RawModel, TableClient } from "../src/lib/table_client";
import { FakeModel } from "./fake_model";

const N = 100;
const ENCODED = encodeSelectionPositions(Uint32Array.of(3, 17, 64), N);

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function forms(bytes: Uint8Array): [string, Bytes][] {
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  return [
    ["DataView", new DataView(bytes.buffer.slice(0))],
    ["DataView at an offset", new DataView(padded.buffer, 3, bytes.length)],
    ["ArrayBuffer", bytes.slice().buffer],
    ["Uint8Array", bytes.slice()],
    ["Uint8Array at an offset", padded.subarray(3)],
    ["Int8Array", new Int8Array(bytes.slice().buffer)],
    ["object of index -> byte (marimo)", JSON.parse(JSON.stringify(bytes.slice()))],
    ["number array", Array.from(bytes)],
    ["base64 string", base64(bytes)],
  ];
}

describe("asBytes reads every host's form of a binary value", () => {
  it.each(forms(ENCODED))("%s decodes to the same selection", (_name, form) => {
    expect(Array.from(asBytes(form))).toEqual(Array.from(ENCODED));
    expect(Array.from(decodeSelectionPositions(form, N))).toEqual([3, 17, 64]);
    expect(selectionBytesEqual(form, ENCODED)).toBe(true);
  });

  it("marimo's JSON of a Uint8Array is an object of index -> byte", () => {
    // What JSON.stringify does to a Uint8Array: the shape the page got back on reload.
    expect(JSON.parse(JSON.stringify(Uint8Array.of(0, 9)))).toEqual({ 0: 0, 1: 9 });
  });

  it("empty forms are nothing selected", () => {
    for (const empty of [new DataView(new ArrayBuffer(0)), {}, [], ""] as Bytes[]) {
      expect(decodeSelectionPositions(empty, N).length).toBe(0);
    }
  });

  it("typed-array payloads decode from every form", () => {
    const values = Float32Array.of(0.5, -2, 7);
    for (const [, form] of forms(new Uint8Array(values.buffer))) {
      expect(Array.from(decodeArray({ dtype: "float32", shape: [3], buffer: form }))).toEqual([
        0.5, -2, 7,
      ]);
    }
  });

  it.each([
    [{ 0: 1, 2: 3 }, "needs the keys 0..1"],
    [{ a: 1 }, 'got key "a"'],
    [[1, 256], "item 1 is 256"],
    [{ 0: 1.5 }, "item 0 is 1.5"],
    ["not base64!", "not valid base64"],
    [42, "got number"],
    [null, "got null"],
  ])("refuses %j with a clear error", (value, message) => {
    expect(() => asBytes(value as unknown as Bytes)).toThrow(message);
  });
});

describe("TableClient writes the selection as a DataView", () => {
  it("so marimo sends it as a binary buffer, not a JSON object", () => {
    const model = new FakeModel({ n_rows: 10, selection: new Uint8Array(0) }) as FakeModel &
      RawModel;
    const mask = new Uint8Array(10);
    mask[2] = 1;
    mask[7] = 1;
    new TableClient(model).setSelection(mask);
    const sent = model.get("selection");
    expect(sent).toBeInstanceOf(DataView);
    expect(Array.from(decodeSelectionPositions(sent as DataView, 10))).toEqual([2, 7]);
  });

  it("reads back a selection the host re-encoded as an object (marimo page reload)", () => {
    const bytes = encodeSelectionPositions(Uint32Array.of(1, 4), 10);
    const model = new FakeModel({
      n_rows: 10,
      selection: JSON.parse(JSON.stringify(bytes)),
    }) as FakeModel & RawModel;
    const client = new TableClient(model);
    expect(client.selectionCount()).toBe(2);
    expect(client.selectionMask()[4]).toBe(1);
  });

  it("dispose removes only its own listeners, one by one", () => {
    const model = new FakeModel({ n_rows: 4, selection: null }) as FakeModel & RawModel;
    const offs: [unknown, unknown][] = [];
    const realOff = model.off.bind(model);
    model.off = (event, cb, ctx) => {
      offs.push([event, cb]);
      realOff(event, cb, ctx);
    };
    const a = new TableClient(model);
    const b = new TableClient(model);
    let heardB = 0;
    a.on("change:selection", () => {});
    b.on("change:selection", () => heardB++);
    a.dispose();
    // marimo's off(null, null) would clear every listener: never call it.
    expect(offs.every(([event, cb]) => event !== null && cb !== null)).toBe(true);
    a.setSelection(Uint8Array.of(1, 0, 0, 0));
    expect(heardB).toBe(1);
  });
});
