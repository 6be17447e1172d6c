// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type GalleryModel, type GalleryState, GalleryView } from "../src/gallery/view";
import { encodeSelection } from "../src/lib/codec";
import { TableClient } from "../src/lib/table_client";
import { FakeModel, payload, serveColumns } from "./fake_model";

function makeTable(n: number, lossOf = (i: number) => (i * 7) % 10) {
  const loss = Float32Array.from({ length: n }, (_, i) => lossOf(i));
  const label = Int32Array.from({ length: n }, (_, i) => i % 3);
  const pred = Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? (i + 1) % 3 : i % 3));
  const correct = Uint8Array.from(label, (l, i) => (l === pred[i] ? 1 : 0));
  const table = new FakeModel({
    n_rows: n,
    categories: { label: ["cat", "dog", "<b>eel</b>"], pred: ["cat", "dog", "<b>eel</b>"] },
    selection: new Uint8Array(0),
  });
  serveColumns(table, { loss, label, pred, correct });
  table.reply = (content) => {
    if (content.type !== "thumbs") return null;
    const positions = content.positions as number[];
    const items = positions.map((pos) => ({
      pos,
      id: `id-${pos}`,
      ok: true,
      kind: "image",
      mime: "image/png",
    }));
    return [
      { type: "thumbs", request_id: content.request_id, items },
      positions.map(() => new DataView(new Uint8Array([137, 80, 78, 71]).buffer)),
    ];
  };
  return { table, loss };
}

function makeGallery(): FakeModel {
  const state: GalleryState = {
    height: 400,
    sort_by: "loss",
    descending: true,
    tile_size: 96,
    sample_size: 5,
    sample_seed: 0,
    _media_kind: "image",
    _can_find_similar: false,
  };
  return new FakeModel({ ...state });
}

const tick = () => new Promise((r) => setTimeout(r, 5));

function tileIds(root: HTMLElement): string[] {
  return [...root.querySelectorAll<HTMLElement>(".nbdl-tile")]
    .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
    .map((t) => t.dataset.id ?? "?");
}

describe("GalleryView", () => {
  const created: string[] = [];
  const revoked: string[] = [];
  beforeEach(() => {
    created.length = 0;
    revoked.length = 0;
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(600);
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(400);
    vi.spyOn(URL, "createObjectURL").mockImplementation(() => {
      const url = `blob:fake/${created.length}`;
      created.push(url);
      return url;
    });
    vi.spyOn(URL, "revokeObjectURL").mockImplementation((url: string) => {
      revoked.push(url);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    document.body.replaceChildren();
  });

  it("shows the selection sorted by loss, follows a new selection, and cleans up", async () => {
    const { table } = makeTable(20);
    const selection = new Uint8Array(20);
    for (const p of [1, 2, 3, 9]) selection[p] = 1;
    table.attrs.selection = encodeSelection(selection);
    const gallery = makeGallery();
    const client = new TableClient(table as never);
    const view = new GalleryView(gallery as unknown as GalleryModel, client);
    document.body.append(view.root);
    // The columns arrive, then the thumbnails are asked for and drawn in a frame.
    // loss = (7·i) mod 10: 1 → 7, 2 → 4, 3 → 1, 9 → 3
    await vi.waitFor(() => expect(tileIds(view.root)).toEqual(["id-1", "id-2", "id-9", "id-3"]));
    expect(view.root.dataset.selectedCount).toBe("4");
    expect(view.root.querySelector(".nbdl-gallery-summary")?.textContent).toBe(
      "4 selected · sorted by loss ↓",
    );
    // Class names are text, never markup.
    expect(view.root.querySelector("b")).toBeNull();
    expect(view.root.textContent).toContain("<b>eel</b>");
    expect(table.sent.filter((m) => m.type === "thumbs")).toHaveLength(1);

    const next = new Uint8Array(20);
    next[4] = 1;
    table.set("selection", encodeSelection(next));
    // A frame, a thumbs request and its reply: wait for them rather than a fixed
    // 5 ms, which a loaded machine overruns (this failed intermittently).
    await vi.waitFor(() => expect(tileIds(view.root)).toEqual(["id-4"]));
    expect(view.root.querySelector(".nbdl-tile")?.getAttribute("data-wrong")).toBe("1");

    view.dispose();
    expect(table.listeners).toHaveLength(0);
    expect(gallery.listeners).toHaveLength(0);
    expect(revoked.sort()).toEqual(created.sort());
    expect(view.root.isConnected).toBe(false);
  });

  it("orders a large selection exactly, at the top and after scrolling to the end", async () => {
    const n = 20_000; // past the head the gallery sorts at once
    // Distinct losses in a scrambled order: 7919 is prime, so i → 7919·i mod n is a permutation.
    const { table, loss } = makeTable(n, (i) => ((i * 7919) % n) / 100);
    table.attrs.selection = encodeSelection(new Uint8Array(n).fill(1));
    const client = new TableClient(table as never);
    const view = new GalleryView(makeGallery() as unknown as GalleryModel, client);
    document.body.append(view.root);
    const byLoss = Array.from({ length: n }, (_, i) => i).sort((a, b) => loss[b] - loss[a]);
    await vi.waitFor(() =>
      expect(tileIds(view.root).slice(0, 6)).toEqual(byLoss.slice(0, 6).map((p) => `id-${p}`)),
    );
    const scroller = view.root.querySelector<HTMLElement>(".nbdl-gallery-scroller");
    expect(scroller).not.toBeNull();
    const sizer = view.root.querySelector<HTMLElement>(".nbdl-gallery-sizer");
    // The bottom of the grid (the scroller's height is mocked as 400 px).
    (scroller as HTMLElement).scrollTop = Number.parseFloat(sizer?.style.height ?? "0") - 400;
    scroller?.dispatchEvent(new Event("scroll"));
    await vi.waitFor(() => {
      const tiles = [...view.root.querySelectorAll<HTMLElement>(".nbdl-tile")];
      const last = tiles.find((t) => Number(t.dataset.index) === n - 1);
      expect(last?.dataset.id).toBe(`id-${byLoss[n - 1]}`);
    });
    const shown = [...view.root.querySelectorAll<HTMLElement>(".nbdl-tile")];
    for (const tile of shown)
      expect(tile.dataset.id).toBe(`id-${byLoss[Number(tile.dataset.index)]}`);
    view.dispose();
  });

  it("shows tags and corrections as they change, in place and as text", async () => {
    const { table } = makeTable(10);
    const selection = new Uint8Array(10);
    for (const p of [1, 2, 3]) selection[p] = 1;
    table.attrs.selection = encodeSelection(selection);
    table.attrs.annotations = {};
    table.attrs.tag_names = ["mislabeled", "ambiguous", "duplicate", "bad-sample"];
    const view = new GalleryView(
      makeGallery() as unknown as GalleryModel,
      new TableClient(table as never),
    );
    document.body.append(view.root);
    await tick();
    const tile = (pos: number) =>
      view.root.querySelector<HTMLElement>(`.nbdl-tile[data-pos="${pos}"]`);
    expect(view.root.querySelectorAll(".nbdl-tile-tag")).toHaveLength(0);
    const before = tile(2);
    expect(before?.dataset.wrong).toBe("0"); // given eel, predicted eel

    const bits = new Uint32Array(10);
    bits[2] = 0b10001; // mislabeled + a free tag that looks like markup
    const corrected = new Uint8Array(10);
    corrected[2] = 1; // → classes[0]
    table.set("annotations", {
      tags: payload(bits, "uint32"),
      corrected: payload(corrected, "uint8"),
      classes: ["cat", "dog", "<b>eel</b>"],
    });
    table.set("tag_names", [...(table.get("tag_names") as string[]), "<i>x</i>"]);
    await new Promise((r) => setTimeout(r, 50)); // one animation frame
    const badges = [...(tile(2)?.querySelectorAll(".nbdl-tile-tag") ?? [])].map(
      (b) => b.textContent,
    );
    expect(badges).toEqual(["mislabeled", "<i>x</i>"]);
    expect(tile(2)).toBe(before); // rewritten in place: no rebuild, no thumbnail reload
    expect(tile(2)?.dataset.corrected).toBe("cat");
    expect(tile(2)?.querySelector(".nbdl-tile-labels")?.textContent).toMatch(/^<b>eel<\/b> → cat/);
    expect(tile(2)?.querySelector(".nbdl-tile-corrected")?.textContent).toBe("cat");
    // Judged against the correction now: predicting eel for a cat is wrong.
    expect(tile(2)?.dataset.wrong).toBe("1");
    expect(tile(1)?.querySelectorAll(".nbdl-tile-tag")).toHaveLength(0);
    expect(view.root.querySelector("i, b")).toBeNull();
    expect(table.sent.filter((m) => m.type === "thumbs")).toHaveLength(1);

    table.set("annotations", { classes: ["cat", "dog", "<b>eel</b>"] });
    await new Promise((r) => setTimeout(r, 50));
    expect(view.root.querySelectorAll(".nbdl-tile-tag")).toHaveLength(0);
    expect(tile(2)?.dataset.corrected).toBeUndefined();
    view.dispose();
  });

  it("shows a seeded random sample when nothing is selected, and reshuffles", async () => {
    const { table } = makeTable(50);
    const gallery = makeGallery();
    const view = new GalleryView(
      gallery as unknown as GalleryModel,
      new TableClient(table as never),
    );
    document.body.append(view.root);
    await tick();
    const first = tileIds(view.root);
    expect(first).toHaveLength(5);
    expect(view.root.dataset.mode).toBe("sample");
    view.root.querySelector<HTMLButtonElement>(".nbdl-gallery-shuffle")?.click();
    expect(gallery.get("sample_seed")).toBe(1);
    await tick();
    expect(tileIds(view.root)).not.toEqual(first);
    view.dispose();
  });
});
