// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { asBytes, encodeSelection } from "../src/lib/codec";
import { TableClient } from "../src/lib/table_client";
import { type ToolbarModel, ToolbarView } from "../src/toolbar/view";
import { FakeModel, payload } from "./fake_model";

function setup() {
  const mask = Uint8Array.of(0, 1, 1, 0, 0, 0);
  const table = new FakeModel({
    n_rows: 6,
    column_info: {},
    categories: {},
    selection: encodeSelection(mask),
    // row 1 mislabeled; row 2 mislabeled + <b>x</b>; row 4 corrected to "dog"
    annotations: {
      tags: payload(Uint8Array.of(0, 1, 0b10001, 0, 0, 0), "uint8"),
      corrected: payload(Uint8Array.of(0, 0, 0, 0, 2, 0), "uint8"),
      classes: ["cat", "dog"],
    },
    tag_names: ["mislabeled", "ambiguous", "duplicate", "bad-sample", "<b>x</b>"],
    saved_selections: [{ name: "<i>rogues</i>", count: 2 }],
  });
  const toolbar = new FakeModel({ export_format: "csv", height: 0 });
  const view = new ToolbarView(
    toolbar as unknown as ToolbarModel,
    new TableClient(table as unknown as ConstructorParameters<typeof TableClient>[0]),
  );
  document.body.append(view.root);
  return { table, toolbar, view };
}

const tagButton = (root: HTMLElement, tag: string) =>
  [...root.querySelectorAll<HTMLButtonElement>(".nbdl-tb-tag")].find((b) => b.dataset.tag === tag);

afterEach(() => document.body.replaceChildren());

describe("ToolbarView", () => {
  it("shows the selection, what it carries, and user strings as text", () => {
    const { view } = setup();
    expect(view.root.dataset.selectedCount).toBe("2");
    expect(view.root.querySelector(".nbdl-tb-summary")?.textContent).toBe(
      "2 of 6 selected · 2 tagged",
    );
    // Every selected sample is mislabeled: the button is pressed (a click removes it).
    expect(tagButton(view.root, "mislabeled")?.getAttribute("aria-pressed")).toBe("true");
    const free = tagButton(view.root, "<b>x</b>");
    expect(free?.getAttribute("aria-pressed")).toBe("false");
    expect(free?.classList.contains("nbdl-tb-partial")).toBe(true);
    expect(view.root.querySelector("b, i")).toBeNull();
    expect(view.root.querySelector(".nbdl-tb-chip")?.textContent).toBe("<i>rogues</i> · 2");
    const options = [...view.root.querySelectorAll(".nbdl-tb-select-tagged option")];
    expect(options.map((o) => o.textContent)).toEqual([
      "select tagged…",
      "mislabeled (2)",
      "<b>x</b> (1)",
      "any tag (2)",
      "corrected (1)",
    ]);
  });

  it("sends the action for the current selection and shows the kernel's answer", async () => {
    const { table, view } = setup();
    table.reply = (content) =>
      content.type === "annotate"
        ? { type: "annotate", changed: 2, count: 2, message: "removed mislabeled from 2 samples" }
        : null;
    tagButton(view.root, "mislabeled")?.click();
    expect(table.sent.at(-1)).toMatchObject({
      type: "annotate",
      action: "untag",
      tag: "mislabeled",
      expected_count: 2,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const status = view.root.querySelector<HTMLElement>(".nbdl-tb-status");
    expect(status?.dataset.kind).toBe("ok");
    expect(status?.textContent).toBe("removed mislabeled from 2 samples");
  });

  it("selects tagged rows in the browser and clears with Escape", () => {
    const { table, view } = setup();
    const menu = view.root.querySelector<HTMLSelectElement>(".nbdl-tb-select-tagged");
    if (!menu) throw new Error("no menu");
    menu.value = "corrected";
    menu.dispatchEvent(new Event("change"));
    expect(view.root.dataset.selectedCount).toBe("1");
    expect(asBytes(table.get("selection") as Uint8Array)).toEqual(
      encodeSelection(Uint8Array.of(0, 0, 0, 0, 1, 0)),
    );
    view.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(view.root.dataset.selectedCount).toBe("0");
    expect(tagButton(view.root, "mislabeled")?.disabled).toBe(true);
  });

  it("export: the format swaps the suffix, errors offer to replace, success shows the path", async () => {
    const { table, view } = setup();
    const file = view.root.querySelector<HTMLInputElement>(".nbdl-tb-file");
    const format = view.root.querySelector<HTMLSelectElement>(".nbdl-tb-format");
    if (!file || !format) throw new Error("no export controls");
    expect(file.value).toMatch(/^nbdatalens-selection-\d{8}-\d{6}\.csv$/);
    file.value = "fixes.csv";
    file.dispatchEvent(new Event("input"));
    format.value = "parquet";
    format.dispatchEvent(new Event("change"));
    expect(file.value).toBe("fixes.parquet");
    table.reply = () => ({
      type: "error",
      error: "FileExistsError: /w/fixes.parquet already exists",
    });
    view.root.querySelector<HTMLButtonElement>(".nbdl-tb-primary")?.click();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const replace = [...view.root.querySelectorAll("button")].find(
      (b) => b.textContent === "replace it",
    );
    expect(replace?.hidden).toBe(false);
    table.reply = (c) => ({ type: "export", path: `/w/${String(c.path)}`, count: 2 });
    replace?.click();
    expect(table.sent.at(-1)).toMatchObject({ type: "export", format: "parquet", overwrite: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(view.root.dataset.lastExport).toBe("/w/fixes.parquet");
    expect(view.root.querySelector(".nbdl-tb-path")?.textContent).toBe("/w/fixes.parquet");
  });

  it("removes every listener it added on teardown", () => {
    const { table, toolbar, view } = setup();
    expect(table.listeners.length).toBeGreaterThan(0);
    view.dispose();
    expect(table.listeners).toHaveLength(0);
    expect(toolbar.listeners).toHaveLength(0);
  });
});
