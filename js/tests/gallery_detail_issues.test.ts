// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { splitIssueColumns } from "../src/gallery/detail";
import { loudestMark } from "../src/gallery/tile";

describe("the detail panel's issue columns", () => {
  it("lists the checks that flag the row with their scores and keeps them out of the table", () => {
    const { issues, rest } = splitIssueColumns({
      label: "7",
      is_label_issue: "True",
      label_score: "0.031",
      suggested_label: "1",
      is_outlier_issue: "False",
      outlier_score: "0.8",
      outlier_distance: "0.12",
      my_score: "3", // a user column that only looks like a score
    });
    expect(issues).toEqual([{ issueType: "label", score: "0.031" }]);
    expect(rest.map(([name]) => name)).toEqual([
      "label",
      "suggested_label",
      "outlier_distance",
      "my_score",
    ]);
  });
});

describe("the loudest-section mark", () => {
  it("spans its share of the clip and hides when it is the whole clip", () => {
    const band = loudestMark({ pos: 0, ok: true, mime: "", duration: 4, loudest: [1, 2] });
    expect(band?.style.left).toBe("25.00%");
    expect(band?.style.width).toBe("25.00%");
    expect(band?.hidden).toBe(false);
    const whole = loudestMark({ pos: 0, ok: true, mime: "", duration: 1, loudest: [0, 1] });
    expect(whole?.hidden).toBe(true);
    expect(loudestMark({ pos: 0, ok: true, mime: "" })).toBeNull();
  });
});
