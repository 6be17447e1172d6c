// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { IssuesView, type IssuesViewModel } from "../src/issues/view";
import { decodeSelection, encodeSelection } from "../src/lib/codec";
import {
  countFlagged,
  type IssueType,
  issueBits,
  issuesOf,
  runSummary,
  severity,
} from "../src/lib/issue_flags";
import { TableClient } from "../src/lib/table_client";
import { FakeModel, payload } from "./fake_model";

const type = (over: Partial<IssueType>): IssueType => ({
  issue_type: "label",
  label: "likely mislabeled",
  badge: "label?",
  num_issues: 0,
  share: 0,
  state: "done",
  status: "done",
  description: "",
  tag: "mislabeled",
  ...over,
});

const TYPES = [
  type({ issue_type: "label", num_issues: 2, share: 2 / 6 }),
  type({
    issue_type: "outlier",
    label: "<b>outlier</b>",
    num_issues: 1,
    share: 1 / 6,
    tag: "bad-sample",
  }),
  type({ issue_type: "near_duplicate", label: "near duplicate", state: "running", status: "" }),
  type({
    issue_type: "coverage",
    label: "split coverage",
    state: "not run",
    status: "not run: needs a split column",
  }),
];

function setup(selected = Uint8Array.of(0, 0, 0, 0, 0, 0)) {
  const table = new FakeModel({
    n_rows: 6,
    column_info: {},
    categories: {},
    selection: encodeSelection(selected),
    active_issue: "",
    issues: {
      types: TYPES,
      flagged: {
        label: payload(Uint32Array.of(4, 1), "uint32"),
        outlier: payload(Uint8Array.of(1), "uint8"),
      },
    },
  });
  table.reply = (msg) =>
    msg.type === "tag_issue" ? { type: "tag_issue", message: "tagged 2 samples mislabeled" } : null;
  const own = new FakeModel({ height: 0 });
  const view = new IssuesView(
    own as unknown as IssuesViewModel,
    new TableClient(table as unknown as ConstructorParameters<typeof TableClient>[0]),
  );
  document.body.append(view.root);
  return { table, own, view };
}

const row = (root: HTMLElement, issue: string) =>
  root.querySelector<HTMLElement>(`.nbdl-issues-row[data-issue="${issue}"]`) as HTMLElement;
const selected = (table: FakeModel) =>
  [...decodeSelection(table.get("selection") as Uint8Array, 6)].flatMap((v, i) => (v ? [i] : []));

afterEach(() => document.body.replaceChildren());

describe("issue flags", () => {
  it("spell every row's checks as bits, in type order", () => {
    const flags = {
      types: TYPES,
      flagged: new Map<string, ArrayLike<number>>([
        ["label", [4, 1]],
        ["outlier", [1]],
      ]),
    };
    const bits = issueBits(flags, 6);
    expect([0, 1, 2, 3, 4, 5].map(bits)).toEqual([0, 3, 0, 0, 1, 0]);
    expect(issuesOf(bits(1), TYPES).map((t) => t.label)).toEqual([
      "likely mislabeled",
      "<b>outlier</b>",
    ]);
  });

  it("find each row's checks past the first byte of their bitsets", () => {
    const rows = [17, 8, 3];
    const flags = {
      types: TYPES,
      flagged: new Map<string, ArrayLike<number>>([["outlier", rows]]),
    };
    const bits = issueBits(flags, 20);
    const flaggedRows = Array.from({ length: 20 }, (_, p) => p).filter((p) => bits(p) !== 0);
    expect(flaggedRows).toEqual([3, 8, 17]);
    expect(bits(17)).toBe(2);
  });

  it("count a row two checks flag once", () => {
    const flags = {
      types: TYPES,
      flagged: new Map<string, ArrayLike<number>>([
        ["label", Uint32Array.of(4, 1, 17)],
        ["outlier", Uint8Array.of(1, 9)],
      ]),
    };
    expect(countFlagged(flags, 20)).toBe(4);
    expect(countFlagged({ types: TYPES, flagged: new Map() }, 20)).toBe(0);
  });

  it("rank the flagged rows worst first and the rest after them", () => {
    expect([...severity([4, 1], 5)]).toEqual([0, 1, 0, 0, 2]);
  });

  it("say what is running, then what was found", () => {
    expect(runSummary(TYPES, 2)).toBe("running near duplicate · 3 of 4 checks done");
    const done = TYPES.map((t) => (t.state === "running" ? { ...t, state: "done" as const } : t));
    expect(runSummary(done, 2)).toBe("3 checks ran · 2 found issues · 2 samples flagged");
    expect(runSummary([], 0)).toMatch(/find_issues/);
  });
});

describe("IssuesView", () => {
  it("lists every check in the kernel's order, user strings as text, not-run with the reason", () => {
    const { view } = setup();
    const rows = [...view.root.querySelectorAll<HTMLElement>(".nbdl-issues-row")];
    expect(rows.map((r) => r.dataset.issue)).toEqual([
      "label",
      "outlier",
      "near_duplicate",
      "coverage",
    ]);
    expect(view.root.querySelector("b")).toBeNull();
    expect(row(view.root, "label").querySelector(".nbdl-issues-count")?.textContent).toBe(
      "2 · 33.3%",
    );
    expect(row(view.root, "near_duplicate").textContent).toContain("running…");
    expect(row(view.root, "coverage").textContent).toContain("needs a split column");
    expect(view.root.querySelector(".nbdl-issues-notrun summary")?.textContent).toBe(
      "1 check could not run",
    );
    expect(row(view.root, "coverage").getAttribute("aria-disabled")).toBe("true");
    // the largest share fills the track
    const bar = row(view.root, "label").querySelector<HTMLElement>(".nbdl-issues-bar");
    expect(bar?.style.width).toBe("100%");
  });

  it("selects the flagged rows on click; shift adds, alt subtracts; the check becomes active", () => {
    const { view, table } = setup();
    row(view.root, "outlier").dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(selected(table)).toEqual([1]);
    expect(table.get("active_issue")).toBe("outlier");
    expect(row(view.root, "outlier").getAttribute("aria-selected")).toBe("true");
    row(view.root, "label").dispatchEvent(
      new MouseEvent("click", { bubbles: true, shiftKey: true }),
    );
    expect(selected(table)).toEqual([1, 4]);
    row(view.root, "outlier").dispatchEvent(
      new MouseEvent("click", { bubbles: true, altKey: true }),
    );
    expect(selected(table)).toEqual([4]);
    // a check that has not finished selects nothing
    row(view.root, "near_duplicate").dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(selected(table)).toEqual([4]);
  });

  it("tags every flagged sample of a check in one step and shows the kernel's answer", async () => {
    const { view, table } = setup();
    const tag = row(view.root, "label").querySelector<HTMLButtonElement>(".nbdl-issues-tag");
    expect(tag?.textContent).toBe("tag mislabeled");
    tag?.click();
    expect(table.sent.at(-1)).toMatchObject({ type: "tag_issue", issue_type: "label" });
    await new Promise((r) => setTimeout(r, 5));
    expect(view.root.querySelector(".nbdl-issues-status")?.textContent).toBe(
      "tagged 2 samples mislabeled",
    );
    expect(selected(table)).toEqual([]); // tagging does not change the selection
  });

  it("fills in as checks finish and removes its listeners on dispose", () => {
    const { view, table } = setup();
    table.set("issues", {
      types: TYPES.map((t) =>
        t.state === "running" ? { ...t, state: "done", num_issues: 3, share: 0.5 } : t,
      ),
      flagged: {
        label: payload(Uint32Array.of(4, 1), "uint32"),
        near_duplicate: payload(Uint32Array.of(0, 2, 3), "uint32"),
      },
    });
    expect(row(view.root, "near_duplicate").dataset.state).toBe("done");
    expect(view.root.dataset.running).toBe("0");
    view.dispose();
    expect(table.listeners).toHaveLength(0);
  });
});
