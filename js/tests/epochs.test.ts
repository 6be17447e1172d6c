import { describe, expect, it } from "vitest";
import { recallFloor } from "../src/confusion/epochs";
import { predictionRunsText } from "../src/gallery/history";
import {
  decodeEpochColumn,
  EpochColumns,
  epochOfSlider,
  epochText,
  learnedBy,
  linePoints,
  nextPlayPosition,
  predRuns,
  seriesOf,
  sliderOfEpoch,
} from "../src/lib/epochs";
import { TableClient } from "../src/lib/table_client";
import { FakeModel } from "./fake_model";

describe("epoch slider helpers", () => {
  it("maps slider positions to 0-based epochs, the last position to the final predictions", () => {
    expect(epochOfSlider(0, 12)).toBe(0);
    expect(epochOfSlider(11, 12)).toBe(11);
    expect(epochOfSlider(12, 12)).toBeNull();
    expect(sliderOfEpoch(null, 12)).toBe(12);
    expect(sliderOfEpoch(3, 12)).toBe(3);
    expect(epochText(0, 12)).toBe("epoch 0 / 11");
    expect(epochText(null, 12)).toBe("final");
  });

  it("plays forward and wraps from final to epoch 0", () => {
    expect(nextPlayPosition(0, 3)).toBe(1);
    expect(nextPlayPosition(2, 3)).toBe(3);
    expect(nextPlayPosition(3, 3)).toBe(0);
  });
});

describe("predRuns", () => {
  it("compresses a hand-made sequence into runs of epochs", () => {
    expect(predRuns([3, 3, 8, 8, 8, 3])).toEqual([
      { code: 3, from: 0, to: 1 },
      { code: 8, from: 2, to: 4 },
      { code: 3, from: 5, to: 5 },
    ]);
    expect(predRuns([])).toEqual([]);
    expect(predRuns([null, null, 1])).toEqual([
      { code: null, from: 0, to: 1 },
      { code: 1, from: 2, to: 2 },
    ]);
  });

  it("reads as text with class names (user strings stay text)", () => {
    expect(predictionRunsText([0, 0, 1], ["cat", "<b>dog</b>"])).toBe("cat (0–1) → <b>dog</b> (2)");
    expect(predictionRunsText([null], ["cat"])).toBe("? (0)");
  });
});

describe("linePoints", () => {
  it("spaces epochs evenly, puts 1 at the top and breaks at unknown values", () => {
    expect(linePoints([0, 1], 10, 10)).toEqual(["0,10 10,0"]);
    expect(linePoints([0.5, null, 0.25, 1], 30, 4)).toEqual(["0,2", "20,3 30,0"]);
    expect(linePoints([0.5], 10, 10)).toEqual(["5,5"]);
    expect(linePoints([2, -1], 10, 10)).toEqual(["0,0 10,10"]); // clamped into [0, 1]
  });
});

describe("learnedBy and seriesOf", () => {
  it("finds the epoch from which recall stays at or above the level", () => {
    expect(learnedBy([0.2, 0.9, 0.5, 0.85, 0.9], 0.8)).toBe(3);
    expect(learnedBy([0.9, 0.95], 0.8)).toBe(0);
    expect(learnedBy([0.9, 0.5], 0.8)).toBeNull();
    expect(learnedBy([null, 0.9], 0.8)).toBe(1);
  });

  it("takes one class's column of an epochs × classes table", () => {
    expect(
      seriesOf(
        [
          [0.1, 0.2],
          [0.3, null],
        ],
        1,
      ),
    ).toEqual([0.2, null]);
  });
});

describe("EpochColumns", () => {
  it("asks the kernel once per epoch and shares the column between views", async () => {
    const model = new FakeModel({ n_rows: 3 });
    model.reply = (content) =>
      content.type === "epoch_pred"
        ? [
            { type: "epoch_pred", epoch: content.epoch, dtype: "uint8", shape: [3] },
            [new DataView(Uint8Array.of(2, 0, Number(content.epoch)).buffer)],
          ]
        : null;
    const a = new EpochColumns(new TableClient(model));
    const b = new EpochColumns(new TableClient(model));
    expect(a.peek(1)).toBeUndefined();
    const [first, second] = await Promise.all([a.get(1), b.get(1)]);
    expect(Array.from(first)).toEqual([2, 0, 1]);
    expect(second).toBe(first);
    expect(b.peek(1)).toBe(first);
    expect(model.sent.filter((m) => m.type === "epoch_pred")).toHaveLength(1);
  });

  it("refuses a column of the wrong length", () => {
    const reply = { epoch: 0, dtype: "uint8", shape: [2] };
    expect(() => decodeEpochColumn(reply, new DataView(new ArrayBuffer(2)), 3)).toThrow(RangeError);
    expect(() => decodeEpochColumn(reply, undefined, 2)).toThrow(/no predictions/);
  });
});

describe("recallFloor", () => {
  it("rounds the lowest recall down to a tenth, at most 0.8", () => {
    expect(
      recallFloor([
        [0.42, 0.9],
        [0.85, null],
      ]),
    ).toBe(0.4);
    expect(recallFloor([[0.97, 0.99]])).toBe(0.8);
    expect(recallFloor([[0, 1]])).toBe(0);
  });
});
